"""Meetings and briefings: /prep, composing briefings and follow-ups, calendar feeds."""
