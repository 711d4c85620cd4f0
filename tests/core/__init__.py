"""Tests without a database: the pure domain, the Block Kit builders and limits, the door's checks, the tooling."""
