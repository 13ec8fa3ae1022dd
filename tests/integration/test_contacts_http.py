"""Contacts over real HTTP: registration with validated addresses and consent, identify by an
opaque id, retention and erasure (embedded app, SQLite database file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from flows.contacts import expire, identify_id
from flows.models import Consent, Contact, FlowRun, SessionLink
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, registry
from tests.live_server import LiveServer

AUTH = {"Authorization": f"Bearer {SECRET}"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def server(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", stores_reload_s=0, flows_dry_run=True)
    app = create_app(settings, stores=registry(), profiles=MemoryProfileStore())
    with LiveServer(app) as live:
        live.database_url = settings.database_url
        yield live


async def count(url: str, table) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as db:
            return await db.scalar(select(func.count()).select_from(table))
    finally:
        await engine.dispose()


GOOD = {
    "customer_id": "cust-1001",
    "email": "Ayla.Yilmaz@Example.com",
    "phone": "0532 123 45 67",
    "locale": "tr",
    "time_zone": "Europe/Istanbul",
    "consent": {"email": {"granted": True, "source": "checkout_checkbox"}, "sms": {"granted": False, "source": "checkout_checkbox"}},
}


async def test_register_then_identify_links_the_session_and_starts_the_flow(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        created = await client.post("/v1/contacts", json=GOOD, headers=AUTH)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["identify_id"] == identify_id(SECRET, "cust-1001")
        again = await client.post("/v1/contacts", json={**GOOD, "locale": "en"}, headers=AUTH)
        assert again.json()["contact_id"] == body["contact_id"]  # one contact per customer id

        ident = {"write_key": WRITE_KEY, "session_id": "s-identify-0001", "visitor_id": "v-identify-0001",
                 "identify_id": body["identify_id"]}
        answer = await client.post("/v1/identify", json=ident, headers={"Origin": ORIGIN})
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        unknown = await client.post("/v1/identify", json={**ident, "identify_id": "ci_" + "0" * 32}, headers={"Origin": ORIGIN})
        assert unknown.status_code == 204  # the page cannot probe which ids exist
        foreign = await client.post("/v1/identify", json=ident, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
    engine = create_engine(server.database_url)
    async with session_factory(engine)() as db:
        contact = await db.get(Contact, body["contact_id"])
        assert (contact.email, contact.phone, contact.locale) == ("Ayla.Yilmaz@example.com", "+905321234567", "en")
        assert {(c.channel, c.granted, c.source) for c in contact.consents} == {
            ("email", True, "checkout_checkbox"), ("sms", False, "checkout_checkbox")}
        link = await db.scalar(select(SessionLink))
        assert (link.session_id, link.visitor_id, link.contact_id) == ("s-identify-0001", "v-identify-0001", contact.id)
        run = await db.scalar(select(FlowRun))
        assert (run.flow, run.status, run.visitor_id) == ("quick", "active", "v-identify-0001")
    await engine.dispose()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"email": "ayla@"}, "$.email"),
        ({"phone": "12"}, "$.phone"),
        ({"phone": "+90 212 000"}, "$.phone"),
        ({"time_zone": "Mars/Olympus"}, "$.time_zone"),
        ({"locale": "de"}, "$.locale"),
        ({"customer_id": "ayla@example.com"}, "$.customer_id"),
        ({"nickname": "ayla"}, "$"),
        ({"consent": {"fax": {"granted": True, "source": "x"}}}, "$.consent"),
        ({"consent": {"email": {"granted": True}}}, "$.consent"),
        ({"phone": None, "consent": {"sms": {"granted": True, "source": "form"}}}, "$.consent.sms"),
        ({"consent": {"email": {"granted": True, "source": "form", "at": 99999999999999}}}, "$.consent.email.at"),
    ],
)
async def test_a_bad_contact_is_refused_naming_the_field(server, change: dict, path: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post("/v1/contacts", json={**GOOD, **change}, headers=AUTH)
    assert answer.status_code == 422, answer.text
    assert answer.json()["path"].startswith(path), answer.json()
    assert await count(server.database_url, Contact) == 0  # nothing half-stored


async def test_without_the_secret_key_nothing_is_registered_or_erased(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.post("/v1/contacts", json=GOOD, headers={"Authorization": f"Bearer {WRITE_KEY}"})).status_code == 401
        assert (await client.delete("/v1/contacts/c_x")).status_code == 401
        assert (await client.post("/v1/contacts", content=b"{not json", headers=AUTH | JSON)).status_code == 400
        assert (await client.post("/v1/contacts", content=b"{}", headers=AUTH)).status_code == 415


async def test_erasure_deletes_the_contact_and_everything_derived(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        body = (await client.post("/v1/contacts", json=GOOD, headers=AUTH)).json()
        await client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
            "write_key": WRITE_KEY, "session_id": "s-erase-00001", "visitor_id": "v-erase-00001",
            "identify_id": body["identify_id"]})
        assert await count(server.database_url, FlowRun) == 1
        erased = await client.delete(f"/v1/contacts/{body['contact_id']}", headers=AUTH)
        assert erased.status_code == 204
        assert (await client.delete(f"/v1/contacts/{body['contact_id']}", headers=AUTH)).status_code == 404
    for table in (Contact, Consent, SessionLink, FlowRun):
        assert await count(server.database_url, table) == 0, table.__tablename__


async def test_contacts_past_retention_expire(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        body = (await client.post("/v1/contacts", json=GOOD, headers=AUTH)).json()
    engine = create_engine(server.database_url)
    async with session_factory(engine).begin() as db:
        assert await expire(db, now_ms=body["expires_at"] - 1) == []
        assert await expire(db, now_ms=body["expires_at"]) == [body["contact_id"]]
    await engine.dispose()
    assert await count(server.database_url, Contact) == await count(server.database_url, Consent) == 0
