"""Servers started together on one fresh database (two API replicas; compose starting the API
and the worker), on SQLite and on a real PostgreSQL: they migrate it one after the other, and
all ensure the same dashboard owner, who exists once.

Each server is a real OS process; a barrier lets them all migrate at the same moment, and
another all ensure the owner at the same moment.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from accounts.service import Accounts
from accounts.store_settings import StoreSettings
from database.engine import create_engine, session_factory
from database.migrate import alembic_config, upgrade
from nudges.stores import StoreRegistry
from tests.integration.test_database_migrations import TABLES

SERVERS = 4
OWNER, PASSWORD = "owner@shop.example", "owner-password-1"
STORES = """
stores:
  - id: shop
    write_key: wk_shop_together_01
    secret_key: sk_shop_together_01
    allowed_origins: ["https://shop.example"]
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def start_server(barrier: Barrier, url: str, stores: Path) -> None:
    """What a server with an owner in its settings does at start (overlay_api.app): migrate, ensure the owner."""

    async def start() -> None:
        engine = create_engine(url)
        sessions = session_factory(engine)
        accounts = Accounts(sessions, StoreSettings(sessions, lambda: StoreRegistry.from_file(stores)))
        try:
            barrier.wait(timeout=60)
            await upgrade(engine)
            barrier.wait(timeout=60)
            await accounts.ensure_user(OWNER, PASSWORD, ["shop"])
        finally:
            await engine.dispose()

    asyncio.run(start())


async def test_servers_started_together_migrate_one_after_the_other_and_ensure_one_owner(
    database_url: str, tmp_path: Path
) -> None:
    stores = tmp_path / "stores.yaml"
    stores.write_text(STORES, encoding="utf-8")
    spawn = multiprocessing.get_context("spawn")  # each server imports its own Alembic and SQLAlchemy
    barrier = spawn.Barrier(SERVERS)
    servers = [spawn.Process(target=start_server, args=(barrier, database_url, stores)) for _ in range(SERVERS)]
    for server in servers:
        server.start()
    try:
        for server in servers:
            server.join(timeout=120)
    finally:
        for server in servers:
            if server.is_alive():  # still waiting after 2 min: end it; its exit code (None) fails the test
                server.kill()
    assert [server.exitcode for server in servers] == [0] * SERVERS

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            versions = list(await conn.scalars(text("SELECT version_num FROM alembic_version")))
            owners = list(await conn.scalars(text("SELECT id FROM users WHERE email = :email"), {"email": OWNER}))
            roles = (await conn.execute(text("SELECT store_id, role FROM store_members"))).all()
        assert set(tables) == TABLES | {"alembic_version"}
        assert versions == [ScriptDirectory.from_config(alembic_config()).get_current_head()]
        assert len(owners) == 1
        assert [tuple(row) for row in roles] == [("shop", "owner")]
    finally:
        await engine.dispose()
