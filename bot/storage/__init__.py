"""The record: conversations, messages, verdicts, answers, feedback, flags, accounts and the audit log.

SQLAlchemy over SQLite (the default, in the data directory) or PostgreSQL (by URL); Alembic migrations.
The Chroma store is a rebuildable index; this database is what must not be lost.
"""
