"""Imports from Slack: the form that takes a file, the report by DM."""
