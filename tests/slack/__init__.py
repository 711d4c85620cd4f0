"""Tests through Slack: signed requests to the real app, replies and calls read from the Web API stand-in."""
