"""Tests of use cases and repositories on a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""
