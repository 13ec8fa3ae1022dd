"""The experiment ledger, memory and real Redis, through the same sequence of events.

Idempotence (an exposure per session, a click per session, an order and a refund per
order id, whoever reports them and however often), the attribution window, and that
only verified orders and refunds (the store's back end, or its signed token) count.
"""

from __future__ import annotations

import uuid

import pytest

from scorer.events import CollectedEvent
from nudges.ledger import MemoryLedger, RedisLedger
from tests.services import services_up

HOUR = 3_600_000
T0 = 1_800_000_000_000


@pytest.fixture(params=["memory", "redis"])
async def ledger(request):
    if request.param == "memory":
        yield MemoryLedger()
        return
    redis_ledger = RedisLedger.from_url(services_up().redis_url)
    yield redis_ledger
    await redis_ledger.close()


def ev(store: str, kind: str, at: int, session: str, visitor: str = "v-led-0001", **kw) -> CollectedEvent:
    """An event; purchases and refunds are verified (as from the back end) unless told otherwise."""
    if kind in ("purchase", "refund"):
        kw.setdefault("verified", True)
    return CollectedEvent(id=f"e-{uuid.uuid4().hex}", type=kind, ts=at, at=at, received_at=at, store_id=store,
                          visitor_id=visitor, session_id=session, **kw)


def decision(store: str, session: str, arm: str, at: int = T0, visitor: str = "v-led-0001", incentive="reviews",
             cost=0.0):
    return ev(store, "overlay_decision", at, session, visitor, experiment="exp", arm=arm, variant=f"trust.{incentive}",
              incentive=incentive, propensity=0.3 if arm != "holdout" else 0.1,
              props={"reason": "trust", "cost": cost, "window_s": 24 * 3600})


async def test_exposures_clicks_purchases_and_refunds_count_once(ledger) -> None:
    store = f"st{uuid.uuid4().hex[:10]}"
    for _ in range(3):  # the same session asked three times: one exposure
        await ledger.record(decision(store, "s-a-000001", "v1", cost=49.0))
    await ledger.record(decision(store, "s-h-000001", "holdout", visitor="v-led-0002"))
    for _ in range(2):
        await ledger.record(ev(store, "overlay_click", T0 + 1000, "s-a-000001", experiment="exp"))
    purchase = dict(order_id="ord-1", amount=250.0)
    for at in (T0 + HOUR, T0 + HOUR + 5):  # thank-you page, then the back end
        await ledger.record(ev(store, "purchase", at, "s-a-000001", **purchase))
    await ledger.record(ev(store, "purchase", T0 + 2 * HOUR, "s-a-000001", order_id="ord-2", amount=100.0))
    for _ in range(2):
        await ledger.record(ev(store, "refund", T0 + 3 * HOUR, "order-x-0001", order_id="ord-1", amount=250.0))
    await ledger.record(ev(store, "purchase", T0 + HOUR, "s-h-000001", visitor="v-led-0002", order_id="ord-3",
                           amount=80.0))
    await ledger.record(ev(store, "page_view", T0, "s-a-000001"))  # ignored

    tallies = await ledger.tallies(store, "exp")
    v1, hold = tallies[("v1", "trust")], tallies[("holdout", "trust")]
    assert (v1.exposures, v1.clicks, v1.recoveries, v1.orders, v1.revenue) == (1, 1, 1, 2, 350.0)
    assert (v1.incentive_cost, v1.refunds, v1.refunded) == (49.0, 1, 250.0)
    assert abs(v1.propensity_sum - 0.3) < 1e-9
    assert (hold.exposures, hold.recoveries, hold.revenue) == (1, 1, 80.0)
    assert await ledger.experiments(store) == ["exp"]


async def test_attribution_window_and_visitor_level_attribution(ledger) -> None:
    store = f"st{uuid.uuid4().hex[:10]}"
    await ledger.record(decision(store, "s-w-000001", "v2", incentive="coupon", cost=20.0))
    # Bought the next day in a new session, 23 hours later: inside the 24-hour window.
    await ledger.record(ev(store, "purchase", T0 + 23 * HOUR, "s-w-000002", order_id="in", amount=10.0))
    # Too late: 25 hours after the exposure.
    await ledger.record(ev(store, "purchase", T0 + 25 * HOUR, "s-w-000003", order_id="late", amount=99.0))
    # Before the exposure: not caused by it.
    await ledger.record(ev(store, "purchase", T0 - HOUR, "s-w-000004", order_id="early", amount=77.0))
    t = (await ledger.tallies(store, "exp"))[("v2", "trust")]
    assert (t.recoveries, t.orders, t.revenue, t.incentive_cost) == (1, 1, 10.0, 20.0)
    assert await ledger.coupons_offered(store, "v-led-0001") == 1
    assert await ledger.coupons_offered(store, "v-nobody-01") == 0
    exposure = await ledger.exposure(store, "exp", "s-w-000001")
    assert exposure.arm == "v2" and exposure.window_ms == 24 * HOUR


async def test_unverified_purchases_and_refunds_move_no_figure(ledger) -> None:
    store = f"st{uuid.uuid4().hex[:10]}"
    await ledger.record(decision(store, "s-u-000001", "v1", cost=49.0))
    await ledger.record(ev(store, "purchase", T0 + HOUR, "s-u-000001", order_id="real", amount=100.0))
    before = await ledger.tallies(store, "exp")
    # What a script with the public write key can send: a browser's word, unverified.
    await ledger.record(ev(store, "purchase", T0 + HOUR, "s-u-000001", order_id="x", amount=999999999.0,
                           verified=False))
    await ledger.record(ev(store, "refund", T0 + 2 * HOUR, "s-u-000001", order_id="real", amount=100.0,
                           verified=False))
    after = await ledger.tallies(store, "exp")
    assert after == before
    v1 = after[("v1", "trust")]
    assert (v1.orders, v1.revenue, v1.refunds) == (1, 100.0, 0)
    # The back end's refund of the same order still counts afterwards.
    await ledger.record(ev(store, "refund", T0 + 3 * HOUR, "s-u-000001", order_id="real", amount=100.0))
    assert (await ledger.tallies(store, "exp"))[("v1", "trust")].refunds == 1
