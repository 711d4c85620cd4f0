"""Rapport's domain: the database models, the pure relationship logic and the use cases."""
