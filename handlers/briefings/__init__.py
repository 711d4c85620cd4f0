"""/prep and briefings in Slack: the DM before a meeting, its context form, the follow-up after it."""
