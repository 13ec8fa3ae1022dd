"""Web push end to end against a stand-in push service on loopback (tests/push_stand_in.py).

The stand-in checks what a real push service checks (RFC 8030 headers, the RFC 8292
VAPID JWT signed by the store's key, which must be the key the browser subscribed
with) and decrypts the RFC 8291 payload with the browser's private key, so these tests
read the notification a shopper would see.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cartcoach import cli
from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from database.migrate import upgrade
from flows.channels.channel import OutboundMessage
from flows.channels.delivery import Backoff, deliver
from flows.channels.web_push import WebPushChannel
from flows.contacts import consented
from flows.models import Consent, Contact, OutboxMessage, PushSubscription
from flows.push_subscriptions import PushDirectory, new_vapid_key
from nudges.stores import StoreRegistry
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, stores_yaml, trust_profile
from tests.live_server import LiveServer, free_port
from tests.push_stand_in import PushServiceStandIn

REPO = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {SECRET}"}
PAGE = {"Origin": ORIGIN}


PUSH_STEPS = """\
            - {delay_min: 1, channel: push, fallback: email, template: light_reminder, incentive: none}
            - {delay_min: 2, channel: push, fallback: email, template: reason_nudge}
"""


def push_stores_yaml(web_push: bool = True) -> str:
    return stores_yaml(settings=f"web_push: {str(web_push).lower()}", steps=PUSH_STEPS)


async def wait_for(predicate, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def vapid_by_cli(stores: Path, database_url: str) -> str:
    """``cartcoach flows vapid --store shop``, as an operator runs it; prints the public key."""
    env = {**os.environ, "CARTCOACH_STORES_FILE": str(stores), "CARTCOACH_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "cartcoach.cli", "flows", "vapid", "--store", "shop"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_a_subscribed_shopper_gets_the_flow_as_notifications_and_can_unsubscribe(tmp_path: Path) -> None:
    stores = tmp_path / "stores.yaml"
    stores.write_text(push_stores_yaml())
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    public_key = vapid_by_cli(stores, database_url)
    again = await asyncio.to_thread(CliRunner().invoke, cli.app, ["flows", "vapid", "--store", "shop"], env={
        "CARTCOACH_STORES_FILE": str(stores), "CARTCOACH_DATABASE_URL": database_url})
    assert again.exit_code == 0 and again.stdout.strip() == public_key  # made once, never replaced silently

    profiles = MemoryProfileStore()
    session, visitor = "s-push-flow-0001", "v-push-flow-0001"
    await profiles.put(trust_profile(session, visitor))
    port = free_port()
    with PushServiceStandIn() as push:
        settings = Settings(public_url=f"http://127.0.0.1:{port}", database_url=database_url, stores_reload_s=0,
                            flow_speedup=60.0, push_service_origins=(push.origin,))
        app = create_app(settings, stores=StoreRegistry.from_file(stores), profiles=profiles)
        with LiveServer(app, port) as live:
            async with httpx.AsyncClient(base_url=live.url) as client:
                config = await client.get("/v1/push/config", params={"key": WRITE_KEY}, headers=PAGE)
                assert config.status_code == 200 and config.json() == {"vapid_public_key": public_key}
                assert config.headers["access-control-allow-origin"] == ORIGIN

                # The shopper accepts notifications before logging in: the subscription is the visitor's.
                browser = push.subscribe(public_key)
                subscribed = await client.post("/v1/push/subscriptions", headers=PAGE,
                                               json={"write_key": WRITE_KEY, "session_id": session, "visitor_id": visitor,
                                                     "subscription": push.subscription_json(browser)})
                assert subscribed.status_code == 201
                # Then logs in; the back end registered them with e-mail consent only.
                contact = (await client.post("/v1/contacts", headers=AUTH, json={
                    "customer_id": "cust-push-1", "email": "ayla@example.com", "locale": "en",
                    "consent": {"email": {"granted": True, "source": "checkout_checkbox"}}})).json()
                identified = await client.post("/v1/identify", headers=PAGE, json={
                    "write_key": WRITE_KEY, "session_id": session, "visitor_id": visitor,
                    "identify_id": contact["identify_id"]})
                assert identified.status_code == 204

                await wait_for(lambda: len(browser.received) >= 2)
                await asyncio.sleep(0.5)
                assert len(browser.received) == 2 and push.refusals == []
                reminder, nudge = (r["payload"] for r in browser.received)
                assert reminder["title"] == "Your cart is waiting" and reminder["url"] == f"{ORIGIN}/cart"
                # The second step answers the shopper's reason (trust: they reread the reviews).
                assert nudge["title"] != reminder["title"] and "reviews" in nudge["body"].lower()
                for received in browser.received:
                    assert received["ttl"] == 24 * 3600 and received["urgency"] == "normal"
                    assert received["sub"] == ORIGIN  # the CLI's default subject: the store's https origin
                # One Topic per flow run: a phone that was off gets the newest step, not both.
                assert browser.received[0]["topic"] == browser.received[1]["topic"]

                outbox = (await client.get("/v1/flows/outbox", headers=AUTH)).json()["messages"]
                assert [(m["step"], m["channel"], m["status"]) for m in outbox] == [(1, "push", "sent"), (0, "push", "sent")]

                gone = await client.post("/v1/push/unsubscribe", headers=PAGE,
                                         json={"write_key": WRITE_KEY, "endpoint": push.subscription_json(browser)["endpoint"]})
                assert gone.status_code == 204

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            assert list(await db.scalars(select(PushSubscription))) == []
            stored = await db.get(Contact, contact["contact_id"])
            assert stored is not None and not consented(stored, "push") and consented(stored, "email")
            push_consent = next(c for c in stored.consents if c.channel == "push")
            assert push_consent.source == "push_unsubscribed"
    finally:
        await engine.dispose()


@pytest.fixture
async def directory(tmp_path: Path):
    """A migrated database with the store's VAPID key and one identified contact."""
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    await upgrade(engine)
    sessions = session_factory(engine)
    key = new_vapid_key("shop", "mailto:ops@shop.example", 0)
    async with sessions.begin() as db:
        db.add(key)
        contact = Contact(id="c_1", store_id="shop", customer_id="cust-1", identify_id="ci_1", locale="en",
                          time_zone="UTC", created_ms=0, updated_ms=0, expires_ms=2**62)
        contact.consents.append(Consent(channel="push", granted=True, source="push_permission", at_ms=0))
        db.add(contact)
    yield sessions, key
    await engine.dispose()


async def add_browser(sessions, push: PushServiceStandIn, browser) -> None:
    sub = push.subscription_json(browser)
    async with sessions.begin() as db:
        db.add(PushSubscription(store_id="shop", endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"],
                                auth=sub["keys"]["auth"], visitor_id="v-1", session_id="s-1", contact_id="c_1",
                                created_ms=int(time.time() * 1000), expires_ms=2**62))


def message() -> OutboundMessage:
    return OutboundMessage(idempotency_key="r_1:0:c_1", store_id="shop", contact_id="c_1", channel="push", to="",
                           locale="tr", subject="Sepetiniz bekliyor",
                           text="shop: Sepetiniz bekliyor. Ürünler ayrıldı — çabuk gelin. https://shop.example/sepet")


async def test_the_payload_is_encrypted_for_the_browser_and_signed_by_the_store(directory) -> None:
    sessions, key = directory
    with PushServiceStandIn() as push:
        phone, laptop = push.subscribe(key.public_key), push.subscribe(key.public_key)
        await add_browser(sessions, push, phone)
        await add_browser(sessions, push, laptop)
        channel = WebPushChannel(PushDirectory(sessions), ttl_s=600, urgency="low")
        try:
            outcome = await channel.send(message())
        finally:
            await channel.close()
    assert outcome.status == "sent" and outcome.provider_message_id.startswith(push.origin + "/message/")
    for browser in (phone, laptop):  # every browser the shopper accepted notifications in
        (received,) = browser.received
        assert received["payload"] == {"title": "Sepetiniz bekliyor", "body": "Ürünler ayrıldı — çabuk gelin.",
                                       "url": "https://shop.example/sepet", "tag": "r_1:0:c_1"}
        assert (received["ttl"], received["urgency"], received["sub"]) == (600, "low", "mailto:ops@shop.example")


async def test_a_key_other_than_the_subscriptions_is_refused_and_not_retried(directory) -> None:
    sessions, key = directory
    with PushServiceStandIn() as push:
        browser = push.subscribe(new_vapid_key("other", "mailto:x@y.example", 0).public_key)
        await add_browser(sessions, push, browser)
        channel = WebPushChannel(PushDirectory(sessions))
        try:
            result = await deliver(channel, message(), Backoff(attempts=3, first_s=0.0))
        finally:
            await channel.close()
    assert result.outcome.status == "permanent" and len(result.attempts) == 1
    assert "HTTP 403" in result.outcome.detail and browser.received == []


async def test_410_removes_the_subscription_and_with_the_last_one_the_consent(directory) -> None:
    sessions, key = directory
    with PushServiceStandIn() as push:
        browser = push.subscribe(key.public_key, gone=True)
        await add_browser(sessions, push, browser)
        channel = WebPushChannel(PushDirectory(sessions))
        try:
            result = await deliver(channel, message(), Backoff(attempts=3, first_s=0.0))
        finally:
            await channel.close()
    assert result.outcome.status == "permanent" and len(result.attempts) == 1 and "HTTP 410" in result.outcome.detail
    async with sessions() as db:
        assert list(await db.scalars(select(PushSubscription))) == []
        contact = await db.get(Contact, "c_1")
        assert not consented(contact, "push")
        assert next(c.source for c in contact.consents if c.channel == "push") == "push_service_gone"


async def test_5xx_and_timeouts_are_retried_until_the_push_service_takes_it(directory) -> None:
    sessions, key = directory
    with PushServiceStandIn() as push:
        busy = push.subscribe(key.public_key, fail_first=2)
        await add_browser(sessions, push, busy)
        channel = WebPushChannel(PushDirectory(sessions), timeout_s=5.0)
        try:
            result = await deliver(channel, message(), Backoff(attempts=4, first_s=0.0))
            assert [a.status for a in result.attempts] == ["retryable", "retryable", "sent"]
            assert "HTTP 503" in result.attempts[0].detail and len(busy.received) == 1

            busy.stall_s, busy.attempts, busy.fail_first = 3.0, 0, 0
            slow = WebPushChannel(PushDirectory(sessions), timeout_s=0.5)
            try:
                timed_out = await deliver(slow, message(), Backoff(attempts=2, first_s=0.0))
            finally:
                await slow.close()
            assert [a.status for a in timed_out.attempts] == ["retryable", "retryable"]
            assert "Timeout" in timed_out.attempts[0].detail
        finally:
            await channel.close()


async def test_a_store_without_web_push_tells_the_page_and_stores_nothing(tmp_path: Path) -> None:
    """A store with web push switched off: the page is told so and nothing is stored."""
    port = free_port()
    settings = Settings(public_url=f"http://127.0.0.1:{port}", database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
                        stores_reload_s=0)
    app = create_app(settings, stores=StoreRegistry.from_yaml_text(push_stores_yaml(web_push=False)), profiles=MemoryProfileStore())
    with PushServiceStandIn() as push, LiveServer(app, port) as live:
        browser = push.subscribe("x")
        async with httpx.AsyncClient(base_url=live.url) as client:
            config = await client.get("/v1/push/config", params={"key": WRITE_KEY}, headers=PAGE)
            assert config.status_code == 404 and config.json()["path"] == "$.flows.web_push"
            refused = await client.post("/v1/push/subscriptions", headers=PAGE, json={
                "write_key": WRITE_KEY, "session_id": "s-push-off-01", "visitor_id": "v-push-off-01",
                "subscription": push.subscription_json(browser)})
            assert refused.status_code == 404
    engine = create_engine(settings.database)
    try:
        async with session_factory(engine)() as db:
            assert list(await db.scalars(select(PushSubscription))) == []
            assert list(await db.scalars(select(OutboxMessage))) == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("change", "status", "path"), [
    ({"subscription": {"endpoint": "https://10.0.0.1/internal"}}, 422, "$.subscription.endpoint"),
    ({"subscription": {"endpoint": "http://fcm.googleapis.com/fcm/send/x"}}, 422, "$.subscription.endpoint"),
    ({"subscription": {"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}}, 422, "$.subscription.keys.p256dh"),
    ({"subscription": {"keys": {"auth": "AAAA"}}}, 422, "$.subscription.keys.auth"),
    ({"visitor_id": "x"}, 422, "$.visitor_id"),
    ({"write_key": "wk_nobody"}, 401, "$.write_key"),
    ({"email": "ayla@example.com"}, 422, "$"),
])
async def test_a_bad_subscription_is_refused_naming_the_field(tmp_path: Path, change: dict, status: int, path: str) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", stores_reload_s=0)
    app = create_app(settings, stores=StoreRegistry.from_yaml_text(push_stores_yaml()), profiles=MemoryProfileStore())
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            good = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc",
                    "keys": {"p256dh": new_vapid_key("x", "mailto:a@b.example", 0).public_key, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}
            body = {"write_key": WRITE_KEY, "session_id": "s-push-bad-01", "visitor_id": "v-push-bad-01", "subscription": good}
            sub_change = change.get("subscription", {})
            bad_subscription = {**good, **sub_change, "keys": {**good["keys"], **sub_change.get("keys", {})}}
            refused = await client.post("/v1/push/subscriptions", headers=PAGE,
                                        json={**body, **change, "subscription": bad_subscription})
            assert refused.status_code == status and refused.json()["path"] == path, refused.text
            foreign = await client.post("/v1/push/subscriptions", headers={"Origin": "https://evil.example"}, json=body)
            assert foreign.status_code == 403
            accepted = await client.post("/v1/push/subscriptions", headers=PAGE, json=body)
            assert accepted.status_code == 201  # the same body, right: stored


async def test_subscriptions_past_retention_expire_and_identify_claims_the_visitors(directory) -> None:
    from flows.push_subscriptions import expire, link_visitor

    sessions, _ = directory
    async with sessions.begin() as db:
        for n, expires in ((1, 1_000), (2, 10**15)):
            db.add(PushSubscription(store_id="shop", endpoint=f"https://fcm.googleapis.com/fcm/send/{n}", p256dh="k",
                                    auth="a", visitor_id="v-anon", session_id="s-anon", contact_id=None,
                                    created_ms=0, expires_ms=expires))
    async with sessions.begin() as db:
        assert await expire(db, now_ms=5_000) == 1
    async with sessions.begin() as db:
        contact = await db.get(Contact, "c_1")
        assert await link_visitor(db, contact, "v-anon", now_ms=6_000) == 1
        assert [s.endpoint for s in contact.push_subscriptions] == ["https://fcm.googleapis.com/fcm/send/2"]
