"""The overlay endpoint, outcomes and the report over real HTTP (embedded mode).

The app is the embedded default as shipped: the overlay publishes its decision into
the in-process stream, whose session handler hands every event to the experiment
ledger; the tests poll the ledger (it runs on the server's thread and loop).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import httpx
import pytest

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from overlay_api.app import create_app
from nudges.assignment import assign
from nudges.stores import StoreRegistry
from scorer.events import CollectedEvent
from scorer.profile import Scorer
from scorer.session import apply
from stream.profile_store import MemoryProfileStore
from tests.live_server import LiveServer

ORIGIN = "http://127.0.0.1:8000"
KEY = "wk_demo_public_0001"
SECRET = "sk_demo_secret_change_me"


@pytest.fixture(scope="module")
def stores_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo stores file and catalogue (tests may edit the catalogue)."""
    d = tmp_path_factory.mktemp("demo")
    shutil.copy(DEFAULT_STORES_FILE, d / "stores.yaml")
    shutil.copy(DEFAULT_STORES_FILE.with_name("demo_catalogue.yaml"), d / "demo_catalogue.yaml")
    return d


def profile_for(session: str, signal: str, visitor: str = "v-http-00001", cart_value: float = 389.9, ago_ms: int = 5000):
    now = int(time.time() * 1000)

    def ev(i: int, kind: str, **kw):
        return CollectedEvent(id=f"e-{session}-{i}", type=kind, ts=now - ago_ms + i, at=now - ago_ms + i,
                              received_at=now, store_id="demo", visitor_id=visitor, session_id=session, **kw)

    state = apply(None, ev(0, "cart_view", cart_value=cart_value))
    for i in range(1, 4):
        state = apply(state, ev(i, signal, product_id="p2"))
    return Scorer().profile(state)


def session_in(arm: str, prefix: str) -> str:
    exp = StoreRegistry.from_file(DEFAULT_STORES_FILE).by_id("demo").experiment
    return next(s for i in range(10_000) if assign("demo", exp, s := f"{prefix}-{i:06d}").name == arm)


async def eventually(probe, timeout_s: float = 10.0):
    """Poll ``probe`` (an async callable) until it returns something truthy."""
    for _ in range(int(timeout_s / 0.02)):
        if result := await probe():
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting for the stream")


class Recent:
    """The decisions the overlay published, as the embedded stream received them."""

    def __init__(self, app) -> None:
        self._recent = app.state.sink.pipeline.recent

    async def decision(self, session: str):
        async def probe():
            found = [e for e in list(self._recent) if e.type == "overlay_decision" and e.session_id == session]
            return found[-1] if found else None

        return await eventually(probe)


@pytest.fixture
async def live(stores_dir):
    profiles = MemoryProfileStore()
    app = create_app(Settings(stores_file=stores_dir / "stores.yaml"), profiles=profiles)
    with LiveServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            yield client, profiles, Recent(app), app.state.ledger


def ask(session: str, **extra: str) -> dict:
    return {"key": KEY, "session": session, "visitor": "v-http-00001", "trigger": "exit_intent", "locale": "en", **extra}


async def test_shipping_rereads_get_a_shipping_speed_overlay_in_the_agreed_shape(live) -> None:
    client, profiles, pipeline, ledger = live
    session = session_in("v1", "s-ship")
    await profiles.put(profile_for(session, "shipping_info_open"))
    r = await client.get("/v1/overlay", params=ask(session), headers={"origin": ORIGIN})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"overlay_id", "experiment", "arm", "variant", "reason", "incentive", "locale",
                         "title", "body", "cta", "dismiss_label", "blocks"}
    assert body["reason"] == "shipping_speed" and body["arm"] == "v1" and body["locale"] == "en"
    assert body["incentive"] == "delivery_promise" and "15:00" in body["title"]
    assert body["cta"]["href"].startswith("/demo/en/") and body["experiment"] == "nudges-v1"
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["cache-control"] == "no-store" and r.headers["server-timing"].startswith("app;dur=")
    exposure = await eventually(lambda: ledger.exposure("demo", "nudges-v1", session))
    assert exposure.arm == "v1" and abs(exposure.propensity - 0.3) < 1e-9
    decision = await pipeline.decision(session)
    assert decision.id == body["overlay_id"] and decision.props["reason"] == "shipping_speed"
    # Within the cooldown the same session gets nothing more.
    again = await client.get("/v1/overlay", params=ask(session, trigger="cart_idle"))
    assert again.status_code == 204


async def test_review_rereads_get_a_trust_overlay_with_the_stores_own_reviews_in_turkish(live) -> None:
    client, profiles, *_ = live
    session = session_in("v1", "s-trust")
    await profiles.put(profile_for(session, "review_view"))
    r = await client.get("/v1/overlay", params=ask(session, locale="tr", product="p2"))
    body = r.json()
    assert r.status_code == 200 and body["reason"] == "trust" and body["locale"] == "tr"
    assert body["incentive"] == "reviews"
    reviews = next(b for b in body["blocks"] if b["type"] == "reviews")["items"]
    catalogue = (Path(DEFAULT_STORES_FILE).with_name("demo_catalogue.yaml")).read_text(encoding="utf-8")
    assert all(item["text"] in catalogue and item["author"] in catalogue for item in reviews)


async def test_the_holdout_sees_nothing_but_its_decision_is_logged(live) -> None:
    client, profiles, pipeline, ledger = live
    session = session_in("holdout", "s-hold")
    await profiles.put(profile_for(session, "shipping_info_open"))
    r = await client.get("/v1/overlay", params=ask(session))
    assert r.status_code == 204 and r.content == b""
    exposure = await eventually(lambda: ledger.exposure("demo", "nudges-v1", session))
    assert exposure.arm == "holdout" and exposure.reason == "shipping_speed"


@pytest.mark.parametrize(
    ("params", "status", "path"),
    [
        ({"key": KEY, "session": "x"}, 422, "$.query.session"),
        ({"key": KEY, "session": "s-000000001", "trigger": "whenever"}, 422, "$.query.trigger"),
        ({"key": KEY, "session": "s-000000001", "visitor": "v!"}, 422, "$.query.visitor"),
        ({"key": "wk_nope_00000", "session": "s-000000001"}, 401, "$.query.key"),
        ({"key": KEY, "session": "s-000000001", "cart": "-5"}, 422, "$.query.cart"),
        ({"key": KEY, "session": "s-000000001", "cart": "lots"}, 422, "$.query.cart"),
        ({"key": KEY, "session": "s-000000001", "age": "999999"}, 422, "$.query.age"),
    ],
)
async def test_bad_requests_get_a_clear_4xx(live, params, status, path) -> None:
    client, *_ = live
    r = await client.get("/v1/overlay", params=params)
    assert r.status_code == status and r.json()["path"] == path


async def test_the_overlay_waits_briefly_for_the_events_the_snippet_just_sent(live) -> None:
    """The snippet flushes its queue, then asks with ``age``: the answer reflects that flush."""
    client, profiles, *_ = live
    session = session_in("v1", "s-fresh")
    await profiles.put(profile_for(session, "page_view"))  # before the flush: nothing to say yet

    async def stream_catches_up() -> None:
        await asyncio.sleep(0.15)
        await profiles.put(profile_for(session, "shipping_info_open", ago_ms=0))

    catching_up = asyncio.create_task(stream_catches_up())
    r = await client.get("/v1/overlay", params=ask(session, age="20", product="p2", cart="389.9"))
    await catching_up
    assert r.status_code == 200 and r.json()["reason"] == "shipping_speed"
    # Without ``age`` (an older snippet) the route answers from what it has at once.
    stale = session_in("v1", "s-stale")
    await profiles.put(profile_for(stale, "page_view"))
    started = time.monotonic()
    assert (await client.get("/v1/overlay", params=ask(stale))).status_code == 204
    assert time.monotonic() - started < 0.3


async def test_no_profile_unknown_origin_and_low_confidence(live) -> None:
    client, profiles, *_ = live
    assert (await client.get("/v1/overlay", params=ask("s-unknown-0001"))).status_code == 204
    session = session_in("v1", "s-origin")
    await profiles.put(profile_for(session, "shipping_info_open"))
    r = await client.get("/v1/overlay", params=ask(session), headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    quiet = session_in("v1", "s-quiet")
    await profiles.put(profile_for(quiet, "page_view"))  # no hesitation signal: nothing to say
    assert (await client.get("/v1/overlay", params=ask(quiet))).status_code == 204
    pre = await client.options("/v1/overlay", headers={"origin": ORIGIN, "access-control-request-method": "GET"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-methods"] == "GET"


async def test_outcomes_are_idempotent_by_order_id_and_reach_the_report(live) -> None:
    client, profiles, pipeline, ledger = live
    session = session_in("v2", "s-buy")
    await profiles.put(profile_for(session, "shipping_info_open", visitor="v-buyer-0001"))
    shown = await client.get("/v1/overlay", params=ask(session, visitor="v-buyer-0001"))
    assert shown.status_code == 200
    await eventually(lambda: ledger.exposure("demo", "nudges-v1", session))
    auth = {"authorization": f"Bearer {SECRET}", "content-type": "application/json"}
    order = {"type": "purchase", "order_id": "ord-1001", "amount": 389.9, "visitor_id": "v-buyer-0001",
             "session_id": session, "items": [{"product_id": "p2", "quantity": 1, "price": 389.9}]}
    for _ in range(3):  # the back end retries
        r = await client.post("/v1/outcomes", content=json.dumps(order), headers=auth)
        assert r.status_code == 202
    refund = {"type": "refund", "order_id": "ord-1001", "amount": 389.9, "visitor_id": "v-buyer-0001"}
    for _ in range(2):
        assert (await client.post("/v1/outcomes", json=refund, headers=auth)).status_code == 202

    async def refunded_row():
        report = (await client.get("/v1/experiments/nudges-v1/report", headers=auth)).json()
        rows = [r for r in report["rows"] if r["arm"] == "v2" and r["reason"] == "shipping_speed"]
        return rows[0] if rows and rows[0]["refunds"] else None

    await eventually(refunded_row)
    await asyncio.sleep(0.2)  # a duplicate that (wrongly) counted would have arrived by now
    row = await refunded_row()
    assert row["orders"] == 1 and row["recoveries"] == 1 and row["revenue"] == 389.9
    assert row["refunds"] == 1 and row["refund_rate"] == 1.0
    assert row["incentive_cost"] == 49.0  # free express shipping, rank 2 for this profile
    csv_text = (await client.get("/v1/experiments/nudges-v1/report?format=csv", headers=auth)).text
    assert csv_text.splitlines()[0].startswith("experiment,arm,reason,exposures")
    listing = (await client.get("/v1/experiments", headers=auth)).json()
    assert "nudges-v1" in listing["experiments"]


async def test_outcomes_and_reports_need_the_secret_key_and_valid_bodies(live) -> None:
    client, *_ = live
    assert (await client.post("/v1/outcomes", json={}, headers={"authorization": f"Bearer {KEY}"})).status_code == 401
    assert (await client.get("/v1/experiments/nudges-v1/report")).status_code == 401
    auth = {"authorization": f"Bearer {SECRET}"}
    bad = await client.post("/v1/outcomes", json={"type": "purchase", "order_id": "o-1", "amount": -5,
                                                  "visitor_id": "v-http-00001"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["path"] == "$.amount"
    wrong = await client.post("/v1/outcomes", json={"type": "purchase", "order_id": "o-1", "amount": 5,
                                                    "visitor_id": "v-http-00001", "currency": "USD"}, headers=auth)
    assert wrong.status_code == 422 and wrong.json()["path"] == "$.currency"
    fmt = await client.get("/v1/experiments/nudges-v1/report?format=xml", headers=auth)
    assert fmt.status_code == 422
    odd = await client.get("/v1/experiments/..%2F..%2Fkeys/report", headers=auth)
    assert odd.status_code == 404
