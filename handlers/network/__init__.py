"""/whoknows in Slack: routes, companies, and asking for an introduction."""
