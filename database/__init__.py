"""The relational store: one engine, one declarative base, Alembic migrations.

SQLite (a file under the data directory, or memory in tests) is the embedded default;
PostgreSQL (``CARTCOACH_DATABASE_URL``) the full path. Models live with their concept
(``flows/contacts.py``...), they only inherit :class:`database.base.Base`; the
migrations in ``database/migrations`` create their tables, and run at start-up.
"""
