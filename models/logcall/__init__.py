"""Logging conversations: /logcall's use cases (log, choose, undo, rate, tags, profiles)."""
