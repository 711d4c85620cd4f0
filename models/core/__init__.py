"""The pure domain: values, errors, text (grammar, dates, names), scoring, the graph, nudge rules, objectives."""
