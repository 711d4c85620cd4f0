"""Nudge digests in Slack: the DM, its buttons and the settings form."""
