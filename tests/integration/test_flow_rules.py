"""The rules a step passes when it falls due, one test each: consent at send time, quiet hours
in the recipient's time zone, frequency caps across flows, İYS (against a stand-in), stop
words, and one flow per shopper by priority. E-mail goes to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from database.migrate import upgrade
from flows.channels.email import SmtpChannel
from flows.channels.record_only import RecordOnlyChannel
from flows.contacts import parse_registration, register, set_consent
from flows.iys import IysClient
from flows.models import Contact, FlowRun, OutboxMessage
from flows.scheduler import MemoryScheduler, PendingStep
from flows.service import FlowService
from nudges.catalogue import Catalogue
from nudges.ledger import MemoryLedger
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from nudges.stores import StoreRegistry
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, SmtpServer, registry, stores_yaml, trust_profile
from tests.live_server import LiveServer

ISTANBUL = ZoneInfo("Europe/Istanbul")


def at(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


class Harness:
    """A flow service on a SQLite file, a real SMTP server, steps run by hand when they fall due."""

    def __init__(self, tmp_path: Path, smtp: SmtpServer, changes: dict[str, str] | None = None,
                 iys: IysClient | None = None) -> None:
        """``changes``: replacements in the test store's YAML (quiet hours, caps, İYS...)."""
        self.engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
        self.sessions = session_factory(self.engine)
        self.scheduler = MemoryScheduler()
        self.profiles = MemoryProfileStore()
        text = stores_yaml()
        for old, new in (changes or {}).items():
            assert old in text
            text = text.replace(old, new)
        self.registry = StoreRegistry.from_yaml_text(text)
        self.store = self.registry.by_id("shop")
        self.smtp = smtp
        self.now = at("2026-12-04T12:00:00+03:00")
        self.service = FlowService(
            registry=self.registry, sessions=self.sessions, scheduler=self.scheduler, profiles=self.profiles,
            ledger=MemoryLedger(), catalogue=Catalogue(self.registry), publish=self._published,
            channels={"email": SmtpChannel("127.0.0.1", smtp.port, "shop@shop.example", starttls=False),
                      "sms": RecordOnlyChannel("sms")},
            public_url="http://127.0.0.1:9", iys=iys, clock=lambda: self.now,
        )

    async def _published(self, events) -> None:
        pass

    async def contact(self, customer: str, body: str) -> Contact:
        async with self.sessions.begin() as db:
            reg = parse_registration(f'{{"customer_id": "{customer}", {body}}}'.encode(), self.now)
            return await register(db, "shop", SECRET, reg, default_locale="en", retention_days=30, now_ms=self.now)

    async def start(self, contact: Contact, session: str) -> FlowRun:
        await self.profiles.put(trust_profile(session, f"v-{contact.customer_id}"))
        run = await self.service.start(self.store, contact, session, f"v-{contact.customer_id}")
        assert run is not None
        return run

    async def run_step(self, run: FlowRun, step: int) -> OutboxMessage | None:
        await self.service.run_step(PendingStep(run.id, "shop", run.contact_id, run.flow, step, self.now))
        async with self.sessions() as db:
            return await db.get(OutboxMessage, f"{run.id}:{step}:{run.contact_id}")


EMAIL_OK = '"email": "ayla@example.com", "consent": {"email": {"granted": true, "source": "form"}}'


@pytest.fixture
async def harness(tmp_path: Path):
    with SmtpServer() as smtp:
        h = Harness(tmp_path, smtp)
        await upgrade(h.engine)
        yield h
        await h.engine.dispose()


async def test_consent_is_checked_when_the_step_falls_due_not_when_it_was_planned(harness: Harness) -> None:
    contact = await harness.contact("c-consent", EMAIL_OK)
    run = await harness.start(contact, "s-consent-0001")
    async with harness.sessions.begin() as db:
        await set_consent(db, await db.get(Contact, contact.id), "email", False, "account_settings", harness.now)
    row = await harness.run_step(run, 0)
    assert harness.smtp.messages == []
    assert (row.status, row.detail) == ("skipped", "no consent or address on any channel")


async def test_quiet_hours_move_the_step_to_when_they_end_in_the_recipients_time_zone(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = Harness(tmp_path, smtp, {"quiet_hours: {}": "quiet_hours: {email: {start: '21:00', end: '09:00'}}"})
        await upgrade(h.engine)
        contact = await h.contact("c-quiet", EMAIL_OK + ', "time_zone": "Europe/Istanbul"')
        run = await h.start(contact, "s-quiet-00001")
        h.now = at("2026-12-04T23:30:00+03:00")
        row = await h.run_step(run, 0)  # nothing sent; the plan says why and until when...
        assert (row.status, row.rule) == ("deferred", "quiet_hours")
        assert smtp.messages == []
        later = [s for s in h.scheduler._steps.values() if s.step == 0 and s.due_ms > h.now]
        assert [datetime.fromtimestamp(s.due_ms / 1000, ISTANBUL).isoformat() for s in later] == ["2026-12-05T09:00:00+03:00"]
        h.now = later[0].due_ms
        await h.service.run_step(later[0])  # ...until the morning
        assert len(smtp.messages) == 1
        assert (await h.run_step(run, 0)).status == "sent"  # and it happens once
        await h.engine.dispose()


async def test_the_frequency_cap_counts_messages_across_flows(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = Harness(tmp_path, smtp, {"caps: {}": "caps: {email: {max: 1, per_hours: 16}}"})
        await upgrade(h.engine)
        contact = await h.contact("c-cap", EMAIL_OK)
        first = await h.start(contact, "s-cap-000001")
        assert (await h.run_step(first, 0)).status == "sent"
        async with h.sessions.begin() as db:  # that flow ends; the shopper comes back and leaves again
            (await db.get(FlowRun, first.id)).status = "finished"
        second = await h.start(contact, "s-cap-000002")
        assert second.id != first.id
        h.now += 3_600_000
        row = await h.run_step(second, 0)
        assert (row.status, row.rule, row.detail) == ("skipped", "cap", "frequency cap (email)")
        h.now += 16 * 3_600_000
        assert (await h.run_step(second, 1)).status == "sent"  # the window has passed
        assert len(smtp.messages) == 2
        await h.engine.dispose()


def iys_stand_in(consents: dict[str, str]) -> Starlette:
    """A stand-in for İYS's REST API (https://dev.iys.org.tr): ``POST /oauth2/token`` (password
    grant) and ``POST /sps/{iysCode}/brands/{brandCode}/consents/status`` answering the recorded
    ``ONAY``/``RET`` for a recipient, or 404 when İYS has no record of it."""

    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if (form.get("grant_type"), form.get("username"), form.get("password")) != ("password", "iys-user", "iys-pass"):
            return JSONResponse({"error": "invalid_grant"}, status_code=401)
        return JSONResponse({"access_token": "tok-1", "token_type": "bearer", "expires_in": 7200})

    async def status(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != "Bearer tok-1":
            return JSONResponse({"errors": [{"message": "unauthorized"}]}, status_code=401)
        body = await request.json()
        assert request.path_params["iys_code"] == "700001" and request.path_params["brand_code"] == "700002"
        assert body["recipientType"] == "BIREYSEL" and body["type"] in ("MESAJ", "EPOSTA")
        answer = consents.get(body["recipient"])
        if answer is None:
            return JSONResponse({"errors": [{"code": "H174", "message": "kayıt bulunamadı"}]}, status_code=404)
        return JSONResponse({"recipient": body["recipient"], "type": body["type"], "status": answer,
                             "recipientType": "BIREYSEL", "source": "HS_WEB", "consentDate": "2026-01-02 10:00:00"})

    return Starlette(routes=[Route("/oauth2/token", token, methods=["POST"]),
                             Route("/sps/{iys_code}/brands/{brand_code}/consents/status", status, methods=["POST"])])


async def test_iys_refusal_stops_a_commercial_sms_to_a_turkish_number(tmp_path: Path) -> None:
    iys_app = iys_stand_in({"+905321111111": "ONAY", "+905322222222": "RET"})
    with SmtpServer() as smtp, LiveServer(iys_app) as iys_server:
        iys = IysClient(iys_server.url, "iys-user", "iys-pass", "700001")
        h = Harness(tmp_path, smtp, {
            "iys_check: false": "iys_check: true\n      iys_brand_code: '700002'",
            "channel: email, template: light_reminder": "channel: sms, template: light_reminder",
        }, iys=iys)
        await upgrade(h.engine)
        answers = {}
        for name, phone in (("yes", "+905321111111"), ("no", "+905322222222"), ("unknown", "+905323333333")):
            contact = await h.contact(f"c-iys-{name}", f'"phone": "{phone}", "consent": {{"sms": {{"granted": true, "source": "form"}}}}')
            run = await h.start(contact, f"s-iys-{name}-0001")
            row = await h.run_step(run, 0)
            answers[name] = (row.status, row.detail)
        assert answers["yes"][0] == "sent"
        assert answers["no"] == ("skipped", "İYS: no commercial consent")
        assert answers["unknown"] == ("skipped", "İYS: no commercial consent")
        await iys.close()
        await h.engine.dispose()


async def test_one_flow_per_shopper_the_higher_priority_wins(harness: Harness) -> None:
    contact = await harness.contact("c-one", EMAIL_OK)
    run = await harness.start(contact, "s-one-000001")
    again = await harness.start(contact, "s-one-000002")  # another abandoned session: still one plan
    assert again.id == run.id
    async with harness.sessions() as db:
        assert len(list(await db.scalars(select(FlowRun)))) == 1
    assert await harness.scheduler.pending() == 2


async def test_a_stop_word_reply_withdraws_consent_and_stops_the_flow_at_once(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", stores_reload_s=0, flows_dry_run=True)
    app = create_app(settings, stores=registry(), profiles=MemoryProfileStore())
    auth = {"Authorization": f"Bearer {SECRET}"}
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            contact = (await client.post("/v1/contacts", headers=auth, json={
                "customer_id": "c-stop", "phone": "+905321234567", "email": "stop@example.com",
                "consent": {"sms": {"granted": True, "source": "form"}, "email": {"granted": True, "source": "form"}}})).json()
            await client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
                "write_key": WRITE_KEY, "session_id": "s-stop-000001", "visitor_id": "v-stop-000001",
                "identify_id": contact["identify_id"]})
            chatter = await client.post("/v1/inbound", headers=auth, json={"channel": "sms", "sender": "05321234567", "text": "Teşekkürler"})
            assert chatter.json() == {"stopped": 0}
            stop = await client.post("/v1/inbound", headers=auth, json={"channel": "sms", "sender": "0532 123 45 67", "text": "DUR"})
            assert stop.json() == {"stopped": 1}
            bad = await client.post("/v1/inbound", headers=auth, json={"channel": "sms", "sender": "12", "text": "DUR"})
            assert bad.status_code == 422 and bad.json()["path"] == "$.sender"
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as db:
        contact_row = await db.get(Contact, contact["contact_id"])
        assert {(c.channel, c.granted, c.source) for c in contact_row.consents} >= {("sms", False, "stop_word")}
        run = await db.scalar(select(FlowRun))
        assert (run.status, run.ended_reason) == ("cancelled", "unsubscribed (sms)")
    await engine.dispose()


async def test_an_embedded_restart_closes_runs_whose_steps_were_in_memory(tmp_path: Path) -> None:
    from flows.runtime import build_flows

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", flows_dry_run=True)
    stores = registry()

    def runtime():
        return build_flows(settings, stores, profiles=MemoryProfileStore(), ledger=MemoryLedger(),
                           catalogue=Catalogue(stores), publish=lambda events: None, runs_steps=False)  # type: ignore[arg-type, return-value]

    first = runtime()
    await first.start()
    async with first.service.sessions.begin() as db:
        reg = parse_registration(b'{"customer_id": "c-restart", ' + EMAIL_OK.encode() + b"}", 0)
        contact = await register(db, "shop", SECRET, reg, default_locale="en", retention_days=30, now_ms=0)
    run = await first.service.start(stores.by_id("shop"), contact, "s-restart-0001", "v-restart-0001")
    await first.stop()

    second = runtime()  # a new process: the in-memory steps are gone
    await second.start()
    async with second.service.sessions() as db:
        old = await db.get(FlowRun, run.id)
        assert (old.status, old.ended_reason) == ("cancelled", "restarted: embedded schedule lost")
    again = await second.service.start(stores.by_id("shop"), contact, "s-restart-0002", "v-restart-0001")
    assert again.id != run.id and await second.service.scheduler.pending() == 2
    await second.stop()


COUPON_STORE = {
    "    facts:": "    policy: {allowed_incentives: [coupon, reviews], max_coupon_pct: 10, margin_floor_pct: 20, coupon_valid_hours: 48}\n    facts:",
    "{delay_min: 2, channel: email, fallback: sms, template: reason_nudge}":
        "{delay_min: 2, channel: email, template: last_offer, incentive: offer}",
}
MUG = [{"id": "mug-1", "name": "Blue mug", "price": 400, "cost": 200, "stock": 50}]


def price_profile(session: str, visitor: str):
    """A real profile from the scorer: a shopper who went for the coupon field and sorted by price."""
    from scorer.events import CollectedEvent
    from scorer.profile import Scorer
    from scorer.session import apply

    now = int(time.time() * 1000)

    def ev(i: int, kind: str, **kw):
        return CollectedEvent(id=f"e-{session}-{i}", type=kind, ts=now - 5000 + i, at=now - 5000 + i,
                              received_at=now, store_id="shop", visitor_id=visitor, session_id=session, **kw)

    state = apply(None, ev(0, "cart_view", cart_value=400.0))
    for i, kind in enumerate(["coupon_focus", "price_sort", "coupon_focus", "price_filter", "coupon_focus"], 1):
        state = apply(state, ev(i, kind, product_id="mug-1"))
    return Scorer().profile(state)


async def coupon_harness(tmp_path: Path, smtp: SmtpServer) -> Harness:
    h = Harness(tmp_path, smtp, COUPON_STORE)
    h.service.catalogue = Catalogue.from_products("shop", MUG)
    h.now = int(time.time() * 1000)
    await upgrade(h.engine)
    return h


async def start_price_flow(h: Harness, customer: str) -> FlowRun:
    contact = await h.contact(customer, EMAIL_OK)
    session, visitor = f"s-{customer}-001", f"v-{customer}"
    await h.profiles.put(price_profile(session, visitor))
    run = await h.service.start(h.store, contact, session, visitor, product_id="mug-1")
    assert run is not None
    return run


async def test_the_last_offer_carries_a_unique_single_use_expiring_coupon(tmp_path: Path) -> None:
    from httpx import ASGITransport

    from flows.models import Coupon

    with SmtpServer() as smtp:
        h = await coupon_harness(tmp_path, smtp)
        codes = []
        for customer in ("c-coupon-a", "c-coupon-b"):
            run = await start_price_flow(h, customer)
            row = await h.run_step(run, 1)
            assert (row.status, row.incentive) == ("sent", "coupon"), row.detail
            codes.append(row.coupon_code)
        assert len(set(codes)) == 2 and all(re.fullmatch(r"CC-[0-9A-F]{8}", c) for c in codes)
        text = smtp.messages[-1].get_body(("plain",)).get_content()
        assert codes[-1] in text and "one use" in text
        async with h.sessions() as db:
            coupon = await db.get(Coupon, codes[0])
        assert coupon.pct == 5 and coupon.expires_ms == coupon.issued_ms + 48 * 3_600_000  # half the 10 % room

        app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", stores_reload_s=0),
                         stores=h.registry, profiles=MemoryProfileStore())
        auth = {"Authorization": f"Bearer {SECRET}"}
        async with httpx.AsyncClient(transport=ASGITransport(app), base_url="http://coach") as client:
            first = await client.post("/v1/coupons/redeem", headers=auth, json={"code": codes[0], "order_id": "o-1"})
            second = await client.post("/v1/coupons/redeem", headers=auth, json={"code": codes[0], "order_id": "o-2"})
            assert (first.status_code, second.status_code) == (200, 409)
            async with h.sessions.begin() as db:
                (await db.get(Coupon, codes[1])).expires_ms = h.now - 1
            expired = await client.post("/v1/coupons/redeem", headers=auth, json={"code": codes[1], "order_id": "o-3"})
            assert expired.status_code == 409 and expired.json()["error"] == "Expired"
            bad = await client.post("/v1/coupons/redeem", headers=auth, json={"code": "10OFF", "order_id": "o-4"})
            assert bad.status_code == 422 and bad.json()["path"] == "$.code"
        await h.engine.dispose()


async def test_no_coupon_when_the_overlay_already_gave_one(tmp_path: Path) -> None:
    from scorer.events import CollectedEvent

    with SmtpServer() as smtp:
        h = await coupon_harness(tmp_path, smtp)
        run = await start_price_flow(h, "c-stack")
        await h.service.ledger.record(CollectedEvent(  # the overlay showed this visitor a coupon earlier
            id="d-overlay-coupon", type="overlay_decision", ts=h.now - 60_000, at=h.now - 60_000, received_at=h.now,
            store_id="shop", visitor_id=run.visitor_id, session_id="s-earlier-0001", experiment="nudges-v1",
            arm="v1", variant="price.coupon", incentive="coupon", propensity=1.0,
            props={"reason": "price", "cost": 20.0, "window_s": 86400}))
        row = await h.run_step(run, 1)
        assert row.status == "sent" and row.incentive != "coupon" and row.coupon_code is None
        await h.engine.dispose()


async def test_a_serial_abandoner_gets_no_coupon(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = await coupon_harness(tmp_path, smtp)
        for i in range(2):  # two earlier flows that ended without a purchase
            earlier = await start_price_flow(h, "c-serial")
            async with h.sessions.begin() as db:
                (await db.get(FlowRun, earlier.id)).status = "finished"
        run = await start_price_flow(h, "c-serial")
        row = await h.run_step(run, 1)
        assert row.status == "sent" and row.coupon_code is None
        await h.engine.dispose()


async def test_a_light_reminder_needs_no_profile_but_a_reason_nudge_does(harness: Harness) -> None:
    contact = await harness.contact("c-noprofile", EMAIL_OK)
    run = await harness.service.start(harness.store, contact, "s-noprofile-01", "v-noprofile-01")
    reminder = await harness.run_step(run, 0)
    assert reminder.status == "sent" and harness.smtp.messages[0]["Subject"] == "Your cart is waiting"
    nudge = await harness.run_step(run, 1)
    assert (nudge.status, nudge.detail) == ("skipped", "nothing to say (no confident profile)")


async def test_the_retention_sweep_erases_expired_contacts_and_their_steps_do_nothing(tmp_path: Path) -> None:
    from flows.runtime import build_flows

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", flows_dry_run=True)
    stores = registry()
    runtime = build_flows(settings, stores, profiles=MemoryProfileStore(), ledger=MemoryLedger(),
                          catalogue=Catalogue(stores), publish=lambda events: None, runs_steps=False)  # type: ignore[arg-type]
    await runtime.start()
    now = int(time.time() * 1000)
    async with runtime.service.sessions.begin() as db:
        old = await register(db, "shop", SECRET, parse_registration(b'{"customer_id": "c-old", ' + EMAIL_OK.encode() + b"}", now),
                             default_locale="en", retention_days=1, now_ms=now - 2 * 86_400_000)
        fresh = await register(db, "shop", SECRET, parse_registration(b'{"customer_id": "c-new", ' + EMAIL_OK.encode() + b"}", now),
                               default_locale="en", retention_days=1, now_ms=now)
    run = await runtime.service.start(stores.by_id("shop"), old, "s-old-000001", "v-old-000001")
    assert await runtime.erase_expired() == 1
    async with runtime.service.sessions() as db:
        assert await db.get(Contact, old.id) is None and await db.get(FlowRun, run.id) is None
        assert await db.get(Contact, fresh.id) is not None
    await runtime.service.run_step(PendingStep(run.id, "shop", old.id, run.flow, 0, now))  # nothing to send to
    async with runtime.service.sessions() as db:
        assert list(await db.scalars(select(OutboxMessage))) == []
    await runtime.stop()


async def test_a_late_step_answers_the_reason_after_the_live_profile_expired(harness: Harness) -> None:
    contact = await harness.contact("c-late", EMAIL_OK)
    run = await harness.start(contact, "s-late-000001")
    assert (await harness.run_step(run, 0)).status == "sent"
    harness.profiles = MemoryProfileStore()  # a day later: the live profile is gone
    harness.service.profiles = harness.profiles
    nudge = await harness.run_step(run, 1)
    assert nudge.status == "sent" and nudge.incentive == "reviews"  # still the trust answer
