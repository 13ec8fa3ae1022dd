"""The migrations build the same schema on SQLite (embedded) and on a real PostgreSQL,
undo cleanly, and the erasure cascade works on both (it rests on foreign keys)."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from database.engine import create_engine, session_factory
from database.migrate import alembic_config, current, downgrade, upgrade
from flows.models import Consent, Contact, FlowRun, OutboxMessage, PushSubscription

TABLES = {"contacts", "consents", "session_links", "flow_runs", "outbox", "coupons", "vapid_keys", "push_subscriptions", "flow_orders"} | {
    "agencies", "stores", "users", "store_members", "agency_members", "invitations", "dashboard_sessions",
    "settings_audit",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


async def tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names())) - {"alembic_version"}


async def columns(engine, table: str) -> set[str]:
    async with engine.connect() as conn:
        return {c["name"] for c in await conn.run_sync(lambda sync: inspect(sync).get_columns(table))}


async def test_upgrade_downgrade_and_upgrade_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await current(engine) is None
        await upgrade(engine)
        assert await tables(engine) == TABLES
        assert "language" in await columns(engine, "users")  # 0005: the dashboard's language per user
        assert await current(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
        await upgrade(engine)  # at head already: nothing happens, nothing breaks
        await downgrade(engine, "0004")
        assert "language" not in await columns(engine, "users")
        await upgrade(engine)
        assert "language" in await columns(engine, "users")
        await downgrade(engine, "base")
        assert await tables(engine) == set()
        await upgrade(engine)
        assert await tables(engine) == TABLES
    finally:
        await engine.dispose()


async def test_deleting_a_contact_deletes_everything_derived_from_it(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as db:
            contact = Contact(id="c_1", store_id="shop", customer_id="cust-1", identify_id="ci_1", locale="en",
                              time_zone="UTC", created_ms=0, updated_ms=0, expires_ms=10)
            contact.consents.append(Consent(channel="email", granted=True, source="test", at_ms=0))
            db.add(contact)
            db.add(FlowRun(id="r_1", store_id="shop", contact_id="c_1", flow="f", session_id="s", visitor_id="v",
                           status="active", started_ms=0))
            await db.flush()
            db.add(OutboxMessage(idempotency_key="r_1:0:c_1", store_id="shop", contact_id="c_1", flow_run_id="r_1",
                                 flow="f", step=0, channel="email", status="sent", due_ms=0, created_ms=0))
            db.add(PushSubscription(store_id="shop", endpoint="https://fcm.googleapis.com/fcm/send/1", p256dh="k",
                                    auth="a", visitor_id="v", session_id="s", contact_id="c_1", created_ms=0, expires_ms=10))
        async with sessions.begin() as db:
            await db.execute(text("DELETE FROM contacts WHERE id = 'c_1'"))
        async with sessions() as db:
            for table in (Consent, FlowRun, OutboxMessage, PushSubscription):
                assert list(await db.scalars(select(table))) == [], table.__tablename__
    finally:
        await engine.dispose()
