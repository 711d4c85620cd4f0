"""Persistence: the typed SQLAlchemy models, the unit of work, the workspace-scoped repository."""
