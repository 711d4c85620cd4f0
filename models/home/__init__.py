"""The App Home's data: what the dashboard answers for a member."""
