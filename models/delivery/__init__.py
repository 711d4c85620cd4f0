"""The outbox: every message to a member composed once, delivered once."""
