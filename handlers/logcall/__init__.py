"""/logcall in Slack: the command, its form, the reply and its buttons (choose, undo, rate, tags)."""
