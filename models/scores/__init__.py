"""Tie scores: the one engine that computes and keeps every tie's score and strength."""
