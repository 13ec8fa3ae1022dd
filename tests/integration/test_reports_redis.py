"""The CRO report's stored aggregates on real Redis: hourly reason mix and accuracy (with the
drift alarm), and the ledger's day and nudge buckets behind date-range reports.

Each test writes under a store id of its own, so runs never see each other's data, and
reads back through a *second* client: what one worker wrote, any API instance reads.
"""

from __future__ import annotations

import time
import uuid
from datetime import date
from pathlib import Path

from starlette.testclient import TestClient

from cartcoach.settings import Settings
from nudges.ledger import RedisLedger
from overlay_api.app import create_app
from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile
from stream.reason_history import HOUR_MS, RECENT_HOURS, RedisReasonHistory
from tests.conftest import STORE_ORIGIN, make_batch
from tests.services import Services

T0 = 1_800_000_000_000 // HOUR_MS * HOUR_MS  # an hour's start, 2027-01-15
DAY_MS = 24 * HOUR_MS


def profile(store: str, session: str, at: int, reason: str) -> AbandonmentProfile:
    return AbandonmentProfile(store_id=store, session_id=session, visitor_id="v-hist-0001", at=at,
                              reasons={reason: 0.8}, top_reason=reason, confidence=0.8, risk=0.5, evidence=["x"],
                              cart_value=100.0, device="mobile", events_seen=3, model_version="m")


async def _write_day(history: RedisReasonHistory, store: str, shift: bool) -> None:
    """30 hours of traffic, 20 sessions an hour: half price, half trust; with ``shift`` the
    last 6 hours are 90 % price."""
    batch = []
    for h in range(30):
        recent = h >= 30 - RECENT_HOURS
        for i in range(20):
            reason = ("price" if i < 18 else "trust") if shift and recent else ("price" if i % 2 else "trust")
            batch.append(profile(store, f"s-{h:02d}-{i:02d}-hist", T0 + h * HOUR_MS + i * 1000, reason))
    await history.record_profiles(batch)


async def test_the_drift_alarm_fires_on_a_shifted_mix_and_not_on_a_stable_one(services: Services) -> None:
    writer = RedisReasonHistory.from_url(services.redis_url)
    reader = RedisReasonHistory.from_url(services.redis_url)
    stable, shifted = f"st-{uuid.uuid4().hex[:8]}", f"sh-{uuid.uuid4().hex[:8]}"
    try:
        await _write_day(writer, stable, shift=False)
        await _write_day(writer, shifted, shift=True)
        end = T0 + 30 * HOUR_MS - 1
        calm = await reader.history(stable, T0, end)
        moved = await reader.history(shifted, T0, end)
    finally:
        await writer.close()
        await reader.close()
    assert len(calm.hours) == 30 and calm.hours[0] == T0
    assert calm.mix["price"] == [10] * 30 and calm.mix["trust"] == [10] * 30
    assert calm.drift_alarm is None
    assert moved.mix["price"][-1] == 18 and moved.mix["trust"][-1] == 2
    assert moved.drift_alarm is not None and moved.drift_alarm.startswith("Reason mix shifted in the last 6 h")
    assert "price now 90%, was 50%" in moved.drift_alarm


async def test_a_session_counts_once_per_hour_with_its_newest_reason(services: Services) -> None:
    history = RedisReasonHistory.from_url(services.redis_url)
    store = f"once-{uuid.uuid4().hex[:8]}"
    try:
        await history.record_profiles([profile(store, "s-one-0001", T0 + 1000, "price")])
        await history.record_profiles([profile(store, "s-one-0001", T0 + 2000, "trust")])
        await history.record_profiles([profile(store, "s-one-0001", T0 + HOUR_MS + 5, "trust")])
        got = await history.history(store, T0, T0 + 2 * HOUR_MS - 1)
        ttl = await history._r.ttl(f"cartcoach:mix:{store}:{T0 // HOUR_MS}")
    finally:
        await history.close()
    assert got.mix["price"] == [0, 0] and got.mix["trust"] == [1, 1]
    assert 0 < ttl <= 90 * 86_400  # kept for weeks, not forever


async def test_accuracy_per_hour_and_its_alarm(services: Services) -> None:
    history = RedisReasonHistory.from_url(services.redis_url)
    good, bad = f"ag-{uuid.uuid4().hex[:8]}", f"ab-{uuid.uuid4().hex[:8]}"
    try:
        for store, late_right in ((good, 4), (bad, 1)):
            for h in range(12):
                right = 4 if h < 12 - RECENT_HOURS else late_right
                for i in range(5):
                    answer = "price" if i < right else "trust"
                    await history.record_answer(store, "price", answer, T0 + h * HOUR_MS + i)
        end = T0 + 12 * HOUR_MS - 1
        steady, falling = await history.history(good, T0, end), await history.history(bad, T0, end)
    finally:
        await history.close()
    assert steady.answers == [5] * 12 and steady.accuracy == [0.8] * 12 and steady.accuracy_alarm is None
    assert falling.accuracy[-1] == 0.2
    assert falling.accuracy_alarm == "Accuracy fell from 80% to 20% in the last 6 h (30 survey answers)"


def _event(store: str, kind: str, at: int, session: str, **kw) -> CollectedEvent:
    if kind in ("purchase", "refund"):
        kw.setdefault("verified", True)
    return CollectedEvent(id=f"e-{uuid.uuid4().hex}", type=kind, ts=at, at=at, received_at=at, store_id=store,
                          visitor_id=f"v-{session}", session_id=session, **kw)


async def test_the_ledger_counts_each_session_in_its_exposure_day_with_every_outcome(services: Services) -> None:
    store, exp = f"day-{uuid.uuid4().hex[:8]}", "x"
    writer, reader = RedisLedger.from_url(services.redis_url), RedisLedger.from_url(services.redis_url)
    day1, day2 = T0, T0 + DAY_MS

    def decision(session: str, at: int, arm: str, incentive: str) -> CollectedEvent:
        return _event(store, "overlay_decision", at, session, experiment=exp, arm=arm, incentive=incentive,
                      variant=f"trust.{incentive}", propensity=0.3,
                      props={"reason": "trust", "cost": 5.0, "window_s": 3 * 86_400})

    try:
        for event in [
            decision("s-day1-a-0001", day1, "v1", "reviews"),
            _event(store, "overlay_impression", day1 + 10, "s-day1-a-0001", experiment=exp),
            _event(store, "overlay_impression", day1 + 11, "s-day1-a-0001", experiment=exp),  # once per session
            _event(store, "overlay_click", day1 + 20, "s-day1-a-0001", experiment=exp),
            decision("s-day1-h-0001", day1 + 50, "holdout", "none"),
            decision("s-day2-a-0001", day2, "v2", "warranty"),
            _event(store, "overlay_impression", day2 + 10, "s-day2-a-0001", experiment=exp),
            # Day 1's shopper buys on day 2 and returns it on day 3: all of it is day 1's cohort.
            _event(store, "purchase", day2 + 100, "s-day1-a-0001", order_id="o-d1", amount=300.0),
            _event(store, "refund", day2 + DAY_MS, "s-day1-a-0001", order_id="o-d1", amount=300.0),
            _event(store, "purchase", day2 + 200, "s-day2-a-0001", order_id="o-d2", amount=120.0),
        ]:
            await writer.record(event)
        first, second = date(2027, 1, 15), date(2027, 1, 16)
        only1 = await reader.tallies(store, exp, first, first)
        only2 = await reader.tallies(store, exp, second, second)
        both = await reader.tallies(store, exp, first, second)
        total = await reader.tallies(store, exp)
        nudges1 = await reader.nudge_tallies(store, exp, first, first)
        nudges_all = await reader.nudge_tallies(store, exp)
    finally:
        await writer.close()
        await reader.close()
    v1 = only1[("v1", "trust")]
    assert (v1.exposures, v1.impressions, v1.clicks, v1.recoveries, v1.revenue, v1.refunds, v1.refunded) == (
        1, 1, 1, 1, 300.0, 1, 300.0)
    assert only1[("holdout", "trust")].exposures == 1 and ("v2", "trust") not in only1
    assert set(only2) == {("v2", "trust")} and only2[("v2", "trust")].revenue == 120.0
    assert both == total  # the two days hold everything
    assert nudges1["reviews"].impressions == 1 and nudges1["reviews"].refunds == 1
    assert nudges1["none"].exposures == 1 and "warranty" not in nudges1
    assert nudges_all["warranty"].orders == 1 and nudges_all["warranty"].impressions == 1


def test_profiles_scored_on_the_redis_path_reach_the_history_api(services: Services, tmp_path: Path) -> None:
    """The app with Redis (embedded stream): collected sessions appear in the stored history."""
    store = f"hapi-{uuid.uuid4().hex[:8]}"
    stores = tmp_path / "stores.yaml"
    stores.write_text(f"""
stores:
  - id: {store}
    write_key: wk_{store}
    secret_key: sk_{store}
    allowed_origins: ["{STORE_ORIGIN}"]
""", encoding="utf-8")
    settings = Settings(stores_file=stores, redis_url=services.redis_url)
    auth = {"Authorization": f"Bearer sk_{store}"}

    def sessions_counted(body: dict) -> int:
        return sum(sum(series) for series in body["mix"].values())

    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            response = client.post("/v1/collect", json=make_batch(4, write_key=f"wk_{store}"),
                                   headers={"Origin": STORE_ORIGIN})
            assert response.status_code == 202, response.text
        deadline = time.monotonic() + 20
        while sessions_counted(body := client.get("/dashboard/api/history", headers=auth).json()) < 3:
            assert time.monotonic() < deadline, body["mix"]
            time.sleep(0.2)
        assert client.get("/dashboard/api/history").status_code == 401
        bad = client.get("/dashboard/api/history?from=2026-13-01", headers=auth)
        assert bad.status_code == 422 and bad.json()["path"] == "$.query.from"
    assert sessions_counted(body) == 3 and body["mix"]["shipping_speed"][-1] + body["mix"]["shipping_speed"][-2] == 3
    assert body["hours"][-1] <= time.time() * 1000 < body["hours"][-1] + HOUR_MS  # up to the current hour
    assert len(body["hours"]) > 6 * 24  # the last seven days, hour by hour
