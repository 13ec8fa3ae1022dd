"""The learning policy learns from outcomes on the live path: real Kafka, Redis, a worker.

A store with ``experiment.policy: learning`` decides at the API; the decision and the
outcomes travel through Kafka to a ``cartcoach worker`` process, whose ledger (in Redis)
joins them and, once the attribution window has closed, writes one reward per decision;
the API's learning policy learns it before its next decision. What the test watches is
what the decisions log: the probability of every action (``props.probs``). A purchase
the browser reports (public write key) changes nothing: the next decision's
probabilities are still those of a policy that learnt nothing. A purchase the store's
back end reports (secret key) does: the decision after it has one greedy incentive.

The two cases run side by side in two stores alike (each with its own learning policy),
so their attribution windows pass together: one wait for the window instead of two.
"""

from __future__ import annotations

import asyncio
import copy
import shutil
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from cartcoach.settings import DEFAULT_STORES_FILE
from nudges.ledger import LearningDecision, RedisLedger
from overlay_api.app import create_app
from tests.live_server import LiveServer
from tests.services import Services
from tests.stream_worker import StreamEnv, WorkerProcess, wait_for_group

#: The store whose shopper's browser claims a purchase, and the store whose back end reports one.
BROWSER_STORE, BACK_END_STORE = "demo", "learnlive"
KEYS = {BROWSER_STORE: ("wk_demo_public_0001", "sk_demo_secret_change_me"),
        BACK_END_STORE: ("wk_learnlive_public_0001", "sk_learnlive_secret_0001")}
#: Unique per run: the reward log and checkpoints of the experiment live in the shared Redis.
EXPERIMENT = f"learn-{uuid.uuid4().hex[:8]}"
#: The store's attribution window (0.003 h), short so the test sees it close: it only has to
#: cover the moments between a decision and its purchase being collected (stamped), because
#: the test waits for the verified purchase to reach the ledger before it asks for the next
#: decision, the first that may close the window.
WINDOW_S = 10.0
GRACE_S = 2.0


async def eventually(probe, timeout_s: float = 45.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := await probe():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("timed out waiting for the stream")


@pytest.fixture
def stores_file(tmp_path: Path) -> Path:
    raw = yaml.safe_load(DEFAULT_STORES_FILE.read_text())
    demo = next(s for s in raw["stores"] if s["id"] == "demo")
    demo["experiment"] = {"name": EXPERIMENT, "policy": "learning", "holdout": 0.0, "exploration": 0.05,
                          "attribution_window_h": WINDOW_S / 3600, "report_margin_pct": 40}
    twin = copy.deepcopy(demo)
    twin["id"], (twin["write_key"], twin["secret_key"]) = BACK_END_STORE, KEYS[BACK_END_STORE]
    raw["stores"].append(twin)
    (tmp_path / "stores.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    shutil.copy(DEFAULT_STORES_FILE.with_name("demo_catalogue.yaml"), tmp_path / "demo_catalogue.yaml")
    return tmp_path / "stores.yaml"


class Shopper:
    def __init__(self, store: str, tag: str, name: str) -> None:
        self.store, (self.key, self.secret) = store, KEYS[store]
        self.session, self.visitor = f"s-{tag}-{name}-0001", f"v-{tag}-{name}-0001"

    def batch(self, *events: dict) -> dict:
        now = int(time.time() * 1000)
        return {
            "v": 1, "write_key": self.key, "visitor_id": self.visitor, "session_id": self.session, "sent_at": now,
            "page": {"path": "/demo/en/cart", "type": "cart", "locale": "en"},
            "events": [{"id": f"e-{uuid.uuid4().hex}", "ts": now - len(events) + i, **e} for i, e in enumerate(events)],
        }


async def decided(client: httpx.AsyncClient, ledger: RedisLedger, shopper: Shopper) -> LearningDecision:
    """A shipping-speed shopper with a cart is shown an overlay; the worker records the decision."""
    cart = {"type": "cart_view", "cart_value": 389.9, "cart_items": 1}
    shipping = [{"type": "shipping_info_open", "product_id": "p2"} for _ in range(3)]
    assert (await client.post("/v1/collect", json=shopper.batch(cart, *shipping))).status_code == 202

    async def shown():
        params = {"key": shopper.key, "session": shopper.session, "visitor": shopper.visitor, "trigger": "exit_intent"}
        return (await client.get("/v1/overlay", params=params)).status_code == 200

    await eventually(shown)
    return await eventually(lambda: ledger.learning_decision(shopper.store, EXPERIMENT, shopper.session))


def bandit_probs(decision: LearningDecision) -> list[float]:
    names = str(decision.props["actions"]).split(",")
    probs = [float(p) for p in str(decision.props["probs"]).split(",")]
    assert names[0] == "none" and probs[0] == 0.0  # no holdout in this store
    return probs[1:]


async def window_closed(decided_at: float) -> None:
    """Wait until a window that opened before ``decided_at`` (and its grace) has surely passed."""
    await asyncio.sleep(max(0.0, decided_at + WINDOW_S + GRACE_S + 1.5 - time.time()))


@pytest.mark.services
async def test_verified_outcomes_move_the_learning_policy_and_browser_purchases_do_not(
    services: Services, stores_file: Path, tmp_path: Path
) -> None:
    stream = StreamEnv(services, tmp_path, extra={"CARTCOACH_STORES_FILE": str(stores_file),
                                                  "CARTCOACH_LEARNING_GRACE_S": str(GRACE_S)})
    worker = WorkerProcess(stream, "learn")
    ledger = RedisLedger.from_url(services.redis_url)
    tag = uuid.uuid4().hex[:8]
    try:
        await wait_for_group(stream, 1)
        with LiveServer(create_app(stream.settings)) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as client:
                first, buyer = Shopper(BROWSER_STORE, tag, "a"), Shopper(BACK_END_STORE, tag, "c")
                a, c = await decided(client, ledger, first), await decided(client, ledger, buyer)
                decided_at = time.time()
                for fresh in (bandit_probs(a), bandit_probs(c)):
                    assert fresh == pytest.approx([1 / len(fresh)] * len(fresh), abs=1e-4)  # nothing learnt yet
                # The browser says it bought (public write key): linked, no money, no reward.
                fake = {"type": "purchase", "order_id": f"o-{tag}-a", "amount": 389.9}
                assert (await client.post("/v1/collect", json=first.batch(fake))).status_code == 202
                # The other store's back end reports its shopper's order (secret key).
                order = {"type": "purchase", "order_id": f"o-{tag}-c", "amount": 389.9, "visitor_id": buyer.visitor,
                         "session_id": buyer.session}
                assert (await client.post("/v1/outcomes", json=order,
                                          headers={"authorization": f"Bearer {buyer.secret}"})).status_code == 202

                async def order_counted() -> bool:
                    return sum(t.revenue for t in (await ledger.tallies(BACK_END_STORE, EXPERIMENT)).values()) > 0

                await eventually(order_counted)  # (windows close only when the next decisions are made)
                await window_closed(decided_at)

                b = await decided(client, ledger, Shopper(BROWSER_STORE, tag, "b"))
                rewards = await ledger.learning_rewards(BROWSER_STORE, EXPERIMENT, 0)
                assert [r.revenue for r in rewards] == [0.0]  # a's window closed without a verified sale
                assert bandit_probs(b) == pytest.approx([1 / len(bandit_probs(b))] * len(bandit_probs(b)), abs=1e-4)

                d = await decided(client, ledger, Shopper(BACK_END_STORE, tag, "d"))
                rewards = await ledger.learning_rewards(BACK_END_STORE, EXPERIMENT, 0)
                assert [r.revenue for r in rewards] == [389.9]  # c's window closed with its one verified sale
                assert max(bandit_probs(d)) > 0.9  # the verified sale made one incentive the greedy one
    finally:
        await ledger.close()
        worker.stop()
