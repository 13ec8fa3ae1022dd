"""The async engine for a database URL, and the URL for the settings.

Users write plain URLs (``postgresql://user@host/db``, ``sqlite:///path.db``); the
drivers are ours to choose: psycopg 3 for PostgreSQL, aiosqlite for SQLite.

>>> async_url("postgresql://u:p@127.0.0.1:5432/cc")
'postgresql+psycopg://u:p@127.0.0.1:5432/cc'
>>> async_url("sqlite:///data/cartcoach.db")
'sqlite+aiosqlite:///data/cartcoach.db'
>>> async_url("sqlite://")
'sqlite+aiosqlite://'
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine, AsyncSession
from sqlalchemy.pool import StaticPool

_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg", "sqlite": "sqlite+aiosqlite"}


class DatabaseUrlError(ValueError):
    """``CARTCOACH_DATABASE_URL`` names a database we do not support."""


def async_url(url: str) -> str:
    """The URL with our async driver; refuses databases other than PostgreSQL and SQLite."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise DatabaseUrlError(f"CARTCOACH_DATABASE_URL: {backend} is not supported (postgresql or sqlite)")
    driver = _DRIVERS["postgres" if backend == "postgresql" else backend]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    """An engine for ``url``; SQLite enforces foreign keys (erasure cascades through them).

    An in-memory SQLite database lives as long as its one connection, so it gets a
    single shared connection (``StaticPool``).
    """
    target = make_url(async_url(url))
    if target.get_backend_name() == "sqlite":
        in_memory = target.database in (None, "", ":memory:")
        engine = create_async_engine(
            target, poolclass=StaticPool if in_memory else None, connect_args={"check_same_thread": False}
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_on(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(target, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects readable after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)
