"""Bring a database to the newest schema with Alembic, through the app's own engine, one process at a time.

Why through the engine rather than Alembic's command line: an in-memory SQLite
database exists only on the engine's one connection, and the server and ``cartcoach
flows`` must migrate before they serve, with the URL the settings gave them.

Why one at a time: every serving process migrates at start, and two started together
(two API replicas; compose starting the API and the worker) would both see an empty
database and both create its tables ("table contacts already exists"). So each
migration first takes a lock the database itself keeps, and the next process waits,
then finds the schema at head and does nothing:

- PostgreSQL: ``pg_advisory_xact_lock`` on the migration's own transaction (it runs
  whole in that transaction, and the lock goes with its commit or rollback);
- a SQLite file: ``BEGIN EXCLUSIVE``, so the migration is one transaction no other
  connection can write beside (nor leave half done);
- in-memory SQLite: one connection, nobody to wait for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
#: Our advisory lock's number; PostgreSQL keeps advisory locks per database.
MIGRATION_LOCK = 0x63617274636F6163  # "cartcoac" in ASCII
#: How long a SQLite migration waits for another process's (SQLite's busy timeout, ms).
SQLITE_WAIT_MS = 600_000


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@asynccontextmanager
async def _alone(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction that no other process migrates beside; committed on leaving."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            yield connection
    elif engine.url.database in (None, "", ":memory:"):
        async with engine.begin() as connection:
            yield connection
    else:
        async with engine.connect() as connection:
            usual_wait_ms = await connection.scalar(text("PRAGMA busy_timeout"))
            await connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
            try:
                await connection.exec_driver_sql("BEGIN EXCLUSIVE")
                yield connection
                await connection.commit()
            finally:
                await connection.rollback()
                await connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual_wait_ms)}")


async def _run(engine: AsyncEngine, migrate: Callable[[Config], None]) -> None:
    async with _alone(engine) as connection:
        await connection.run_sync(lambda sync: migrate(alembic_config(sync)))


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (idempotent: an up-to-date database is left alone)."""
    await _run(engine, lambda config: command.upgrade(config, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base``: an empty database)."""
    await _run(engine, lambda config: command.downgrade(config, revision))


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
