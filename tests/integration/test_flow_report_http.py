"""The flow report and the shopper's plan over HTTP, on the full path's stores: pending steps in
the real Redis (saq), contacts, runs, outbox and orders in a real PostgreSQL, the experiment
ledger in Redis. Steps run in this process (as a ``cartcoach flows`` worker would) with the
delays sped up; messages are recorded, not sent (dry run).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from flows.holdout import flow_arm
from flows.models import Coupon, FlowRun
from flows.report import EXPERIMENT, coupon_cost
from flows.runtime import build_flows
from nudges.catalogue import Catalogue
from nudges.experiment_report import build_report
from nudges.ledger import RedisLedger, Tally
from nudges.stores import StoreRegistry
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, stores_yaml, trust_profile
from tests.live_server import LiveServer
from tests.services import Services

pytestmark = pytest.mark.services
AUTH = {"Authorization": f"Bearer {SECRET}"}
#: The test store's flow holdout line (the experiment's holdout is another line).
FLOWS_HOLDOUT = "      holdout: 0.0\n"
#: A minute of flow time in 0.1 s.
SPEEDUP = 600.0
LATER_FLOW = """
        - name: later
          priority: 50
          steps:
            - {delay_min: 1, channel: sms, template: light_reminder, incentive: none}
            - {delay_min: 6000, channel: sms, template: reason_nudge}
"""


@dataclass
class Coach:
    """The live API, and this test's own connections to its database and Redis (the server's
    run on the server's event loop, in another thread: connections do not cross loops)."""

    client: httpx.AsyncClient
    db: async_sessionmaker
    profiles: MemoryProfileStore
    ledger: RedisLedger
    tag: str

    async def shopper(self, customer: str, *, channels: tuple[str, ...] = ("email",), page_nudge: bool = False) -> tuple[str, str]:
        """Register, (optionally) show a nudge on the page, identify: the flow starts. Returns (session, visitor)."""
        session, visitor = f"s-{customer}-{self.tag}", f"v-{customer}-{self.tag}"
        await self.profiles.put(trust_profile(session, visitor))
        body = {"customer_id": f"{customer}-{self.tag}", "email": f"{customer}@example.com",
                "consent": {ch: {"granted": True, "source": "checkout_checkbox"} for ch in channels}}
        if "sms" in channels:
            body["phone"] = "+905321234567"
        contact = await self.client.post("/v1/contacts", headers=AUTH, json=body)
        assert contact.status_code == 201, contact.text
        if page_nudge:
            shown = await self.client.get("/v1/overlay", headers={"Origin": ORIGIN}, params={
                "key": WRITE_KEY, "session": session, "visitor": visitor, "trigger": "exit_intent"})
            assert shown.status_code == 200, shown.text
            await until(lambda: self.ledger.exposure("shop", "nudges-v1", session), "the page's exposure in the ledger")
        identify = await self.client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
            "write_key": WRITE_KEY, "session_id": session, "visitor_id": visitor,
            "identify_id": contact.json()["identify_id"]})
        assert identify.status_code == 204
        return session, visitor

    async def outcome(self, kind: str, order: str, amount: float, visitor: str) -> None:
        answer = await self.client.post("/v1/outcomes", headers=AUTH, json={
            "type": kind, "order_id": f"{order}-{self.tag}", "amount": amount, "visitor_id": visitor})
        assert answer.status_code == 202, answer.text

    async def runs_where(self, *conditions) -> int:
        async with self.db() as db:
            return await db.scalar(select(func.count()).select_from(FlowRun).where(*conditions)) or 0


async def until(probe: Callable, what: str, timeout_s: float = 60.0):
    """Wait for a condition (never for a fixed time): the steps run when saq moves them, about once a second."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {timeout_s} s for {what}"
        await asyncio.sleep(0.1)


@pytest.fixture
async def coach(services: Services, postgres_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Callable]:
    """``await coach(stores_yaml_text)``: a live API whose flows run in this process."""
    live: list[LiveServer] = []
    clients: list[httpx.AsyncClient] = []
    engine = create_engine(postgres_url)
    ledgers: list[RedisLedger] = []

    async def start(text: str) -> Coach:
        tag = uuid.uuid4().hex[:8]
        settings = Settings(redis_url=services.redis_url, database_url=postgres_url, stores_reload_s=0,
                            flows_dry_run=True, flow_speedup=SPEEDUP, flows_queue=f"flows-report-{tag}")
        stores = StoreRegistry.from_yaml_text(text)
        profiles, ledger = MemoryProfileStore(), RedisLedger.from_url(services.redis_url)
        ledgers.append(RedisLedger.from_url(services.redis_url))

        async def publish(events) -> None:  # no broker here: the ledger hears of each decision at once
            for event in events:
                await ledger.record(event)

        runtime = build_flows(settings, stores, profiles=profiles, ledger=ledger, catalogue=Catalogue(stores),
                              publish=publish, runs_steps=True)
        server = LiveServer(create_app(settings, stores=stores, profiles=profiles, ledger=ledger, flows=runtime))
        live.append(server.__enter__())
        client = httpx.AsyncClient(base_url=server.url, timeout=30)
        clients.append(client)
        return Coach(client, session_factory(engine), profiles, ledgers[-1], tag)

    yield start
    for client in clients:
        await client.aclose()
    for ledger in ledgers:
        await ledger.close()
    await engine.dispose()
    for server in live:
        server.__exit__(None, None, None)


async def test_the_report_compares_treated_with_holdout_on_verified_money_only(coach) -> None:
    c: Coach = await coach(stores_yaml().replace(FLOWS_HOLDOUT, FLOWS_HOLDOUT.replace("0.0", "0.5")))
    held: list[str] = []
    treated: list[str] = []
    for i in range(400):  # the hash is over the customer id the store sends (the test suffixes its tag)
        name = f"cust-{i:03d}"
        group = held if flow_arm("shop", 0.5, f"{name}-{c.tag}").name == "holdout" else treated
        if len(group) < 3:
            group.append(name)
    visitors = {name: (await c.shopper(name))[1] for name in held + treated}
    await until(lambda: _finished(c, 6), "all six runs through their last step")

    t0, t1, t2 = treated
    await c.outcome("purchase", "o-t0", 200.0, visitors[t0])
    await c.outcome("purchase", "o-t0", 200.0, visitors[t0])  # reported twice: counted once
    await c.outcome("refund", "o-t0", 50.0, visitors[t0])
    async with c.db.begin() as db:
        run = await db.scalar(select(FlowRun).where(FlowRun.visitor_id == visitors[t1]))
        now = int(time.time() * 1000)
        db.add(Coupon(code="CC-0000ABCD", store_id="shop", contact_id=run.contact_id, flow_run_id=run.id, pct=10,
                      issued_ms=now, expires_ms=now + 3_600_000))
    redeemed = await c.client.post("/v1/coupons/redeem", headers=AUTH, json={"code": "CC-0000ABCD", "order_id": f"o-t1-{c.tag}"})
    assert redeemed.status_code == 200
    await c.outcome("purchase", "o-t1", 90.0, visitors[t1])
    await c.outcome("purchase", "o-h0", 150.0, visitors[held[0]])
    await c.outcome("purchase", "o-stranger", 999.0, f"v-nobody-{c.tag}")  # no flow: not the flow's
    now = int(time.time() * 1000)
    browser = await c.client.post("/v1/collect", headers={"Origin": ORIGIN}, json={  # a browser's word: no money
        "v": 1, "write_key": WRITE_KEY, "visitor_id": visitors[t2], "session_id": f"s-{t2}-{c.tag}", "sent_at": now,
        "page": {"path": "/thanks", "type": "thank_you", "locale": "en", "device": "desktop"},
        "events": [{"id": f"e-{uuid.uuid4().hex}", "type": "purchase", "ts": now, "order_id": "o-forged", "amount": 5000}]})
    assert browser.status_code == 202, browser.text

    report = (await c.client.get("/v1/flows/report", headers=AUTH)).json()
    assert report["holdout_share"] == 0.5
    expected = {
        ("treated", "trust"): Tally(exposures=3, propensity_sum=1.5, recoveries=2, orders=2, revenue=290.0,
                                    incentive_cost=coupon_cost(90.0, 10), refunds=1, refunded=50.0),
        ("holdout", "trust"): Tally(exposures=3, propensity_sum=1.5, recoveries=1, orders=1, revenue=150.0),
    }
    # The same statistics as the overlay's experiment report, computed by its own code.
    assert report["comparison"] == msgspec.to_builtins(build_report("shop", EXPERIMENT, expected, 30.0))
    rows = {r["arm"]: r for r in report["comparison"]["rows"] if r["reason"] == "all"}
    assert rows["treated"]["net_margin"] == round((290.0 - 50.0) * 0.30 - 10.0, 2)
    assert rows["treated"]["recovery_rate_low"] < rows["treated"]["recovery_rate"] < rows["treated"]["recovery_rate_high"]
    assert report["comparison"]["method"].startswith("mSPRT always-valid")

    steps = {(s["step"], s["channel"]): s for s in report["steps"]}
    assert [steps[(i, "email")]["sent"] for i in (0, 1)] == [3, 3]
    assert [steps[(i, "email")]["holdout"] for i in (0, 1)] == [3, 3]
    assert (steps[(1, "email")]["recovered"], steps[(1, "email")]["refunded"]) == (2, 1)  # after the last message
    assert steps[(0, "email")]["recovered"] == 0


async def _finished(c: Coach, n: int) -> bool:
    return await c.runs_where(FlowRun.status == "finished") >= n


async def test_the_plan_shows_the_page_the_steps_and_the_rule_behind_each(coach) -> None:
    text = stores_yaml(LATER_FLOW).replace("caps: {}", "caps: {all: {max: 2, per_hours: 24}}")
    c: Coach = await coach(text)
    seen, _ = await c.shopper("seen", page_nudge=True)
    unseen, _ = await c.shopper("unseen")
    waiting, waiting_visitor = await c.shopper("waiting", channels=("email", "sms"))
    await until(lambda: _finished(c, 2), "both e-mail shoppers through their last step")

    async def plan(session: str) -> dict:
        answer = await c.client.get("/v1/flows/plan", headers=AUTH, params={"session_id": session})
        assert answer.status_code == 200, answer.text
        return answer.json()

    shown = await plan(seen)
    assert [(n["shown"], n["trigger"]) for n in shown["page"]] == [(True, "exit_intent")]
    [run] = shown["runs"]
    assert (run["flow"], run["arm"], run["reason"]) == ("quick", "treated", "trust")
    assert [(s["state"], s["rule"]) for s in run["steps"]] == [("sent", None), ("skipped", "cap")]
    assert "1 messages and 1 page nudges" in run["steps"][1]["why"]
    assert shown["contact"]["consents"]["email"]["granted"] is True
    assert "@" not in msgspec.json.encode(shown).decode()  # the plan names channels, never an address
    assert [s["state"] for s in (await plan(unseen))["runs"][0]["steps"]] == ["sent", "sent"]

    # The third shopper's second SMS is days away; a purchase cancels it, and the plan says so.
    await until(lambda: _first_step_done(plan, waiting), "the first SMS")
    scheduled = (await plan(waiting))["runs"][0]["steps"][1]
    assert (scheduled["state"], scheduled["rule"]) == ("scheduled", None)
    assert scheduled["due_local"].endswith("+03")  # the store's zone (Europe/Istanbul by default)
    await c.outcome("purchase", "o-waiting", 80.0, waiting_visitor)
    cancelled = (await plan(waiting))["runs"][0]
    assert cancelled["status"] == "cancelled"
    assert (cancelled["steps"][1]["state"], cancelled["steps"][1]["rule"]) == ("cancelled", "purchase")

    unknown = await plan(f"s-never-identified-{c.tag}")
    assert (unknown["contact"], unknown["runs"], unknown["page"]) == (None, [], [])
    assert (await c.client.get("/v1/flows/plan", params={"session_id": seen})).status_code == 401
    bad = await c.client.get("/v1/flows/plan", headers=AUTH, params={"session_id": "<script>"})
    assert bad.status_code == 422 and bad.json()["path"] == "$.query.session_id"


async def _first_step_done(plan, session: str) -> bool:
    runs = (await plan(session))["runs"]
    return bool(runs) and runs[0]["steps"][0]["state"] == "sent"
