"""Nudge digests: composing each member's digest into the outbox, and their settings."""
