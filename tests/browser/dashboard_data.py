"""The fixed data set the dashboard's chart test reads: a ledger and profiles with known numbers."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile
from nudges.ledger import MemoryLedger

EXPERIMENT = "nudges-v1"
#: arm -> (exposures, purchases, refunds among those purchases)
ARMS = {"holdout": (10, 1, 0), "v1": (10, 3, 1), "v2": (10, 0, 0)}
#: Top reasons of the profiles in the live buffer (one session each, same minute).
MIX = {"price": 3, "trust": 2, "checkout_friction": 1}
EVIDENCE = {
    "price": ["Clicked into the coupon field twice", "Sorted by price once"],
    "trust": ["Opened the return policy 2 times", "Viewed reviews 4 times"],
    #: Markup in evidence must show as text (the page never parses profile text as HTML).
    "checkout_friction": ["<b>Form errors</b> on the address step 3 times"],
}


def run(coro):
    """Run a coroutine to the end from a test (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def filled_ledger(store_id: str) -> MemoryLedger:
    ledger = MemoryLedger()
    now = int(time.time() * 1000)
    n = 0

    def ev(type_: str, session: str, **fields: object) -> CollectedEvent:
        nonlocal n
        n += 1
        return CollectedEvent(id=f"e-{n:08d}", type=type_, ts=now + n, at=now + n, received_at=now + n,
                              store_id=store_id, visitor_id=f"v-{session}", session_id=session, **fields)

    async def fill() -> None:
        for arm, (exposures, purchases, refunds) in ARMS.items():
            for i in range(exposures):
                session = f"s-{arm}-{i:04d}"
                await ledger.record(ev("overlay_decision", session, experiment=EXPERIMENT, arm=arm,
                                       incentive="none" if arm == "holdout" else "reviews", propensity=0.3,
                                       props={"reason": "trust", "cost": 0.0 if arm == "holdout" else 2.0,
                                              "window_s": 3600}))
                if i < purchases:
                    await ledger.record(ev("purchase", session, order_id=f"o-{arm}-{i}", amount=100.0, verified=True))
                if i < refunds:
                    await ledger.record(ev("refund", session, order_id=f"o-{arm}-{i}", amount=100.0, verified=True))

    run(fill())
    return ledger


def mix_profiles(store_id: str) -> list[AbandonmentProfile]:
    now = int(time.time() * 1000)
    profiles = []
    for reason, count in MIX.items():
        for i in range(count):
            profiles.append(AbandonmentProfile(
                store_id=store_id, session_id=f"s-fixed-{reason}-{i}", visitor_id=f"v-fixed-{reason}-{i}",
                at=now, reasons={reason: 0.8}, top_reason=reason, confidence=0.8, risk=0.35 + 0.1 * i,
                evidence=EVIDENCE[reason], cart_value=250.0 + 40 * i, device="mobile",
                events_seen=5, model_version="fixed@r0.o0", risk_trained=i % 2 == 1))
    return profiles
