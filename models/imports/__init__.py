"""Imports: contacts from LinkedIn, vCard and CRM files as reach, and past interactions from a CRM export.

From the bottom up: `values` (rows, reports, errors), `decoding` (bytes to text and CSV records),
`columns` (which column is which), `readers/` (one per kind of file: pure, bytes in, rows out, and
`UnreadableFile` before anything is written), `matching` (the one rule matching a row to a known
contact), `repository` (every query), the two use cases `contacts` and `interactions` (each one
transaction: a file is imported whole or not at all), and `service`, the one way in for the command
line and Slack.
"""
