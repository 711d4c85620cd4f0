"""The team's network: /whoknows routes, introductions, and the structure job (bridges, brokerage)."""
