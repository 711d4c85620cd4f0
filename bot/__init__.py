"""Rapport's wiring: settings, the Bolt app, the scheduler, the command line and the Slack stand-in."""
