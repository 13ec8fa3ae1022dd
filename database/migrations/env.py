"""Alembic's environment: migrations run on the connection ``database.migrate`` hands in.

Migrations are written by hand (``alembic revision`` with ``--autogenerate`` needs the
model modules imported first); ``render_as_batch`` lets SQLite alter tables too.
"""

from __future__ import annotations

from alembic import context

from database.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through database.migrate.upgrade(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
