"""Delivering outbox messages as DMs from the app."""
