"""The revenue-poisoning sequence from issue 16, against the real app: every report figure stays.

With the public write key an attacker posts a purchase of 999,999,999 after an overlay,
a browser refund of a real order, a cart worth 999,999,999, a forged order token, and
floods of survey answers. Before the fix these moved arm v1's revenue, net margin and
refund rate. Now the report is byte for byte the same; only the store's back end
(secret key) or its signed order token moves money, and survey answers teach the model
at most what one visitor may. Run embedded and on the full path (real Kafka, Redis and
a ``cartcoach worker`` process).
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from nudges.order_proof import order_token
from overlay_api.app import create_app
from tests.integration.test_overlay_http import session_in
from stream.model_health import ModelHealth, build_model_health
from stream.profile_store import ProfileStore, RedisProfileStore
from tests.live_server import LiveServer
from tests.services import Services
from tests.stream_worker import StreamEnv, WorkerProcess, wait_for_group

KEY = "wk_demo_public_0001"
SECRET = "sk_demo_secret_change_me"
REPORT = "/v1/experiments/nudges-v1/report"
AUTH = {"authorization": f"Bearer {SECRET}"}


async def eventually(probe, timeout_s: float = 30.0):
    """Poll ``probe`` five times a second (the report is rate limited too) until it is truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := await probe():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("timed out waiting for the stream")


@dataclass
class Shopper:
    session: str
    visitor: str

    def batch(self, *events: dict, session: str | None = None) -> dict:
        now = int(time.time() * 1000)
        return {
            "v": 1, "write_key": KEY, "visitor_id": self.visitor, "session_id": session or self.session,
            "sent_at": now, "page": {"path": "/demo/en/cart", "type": "cart", "locale": "en"},
            "events": [{"id": f"e-{uuid.uuid4().hex}", "ts": now - len(events) + i, **e} for i, e in enumerate(events)],
        }


@pytest.fixture(scope="module")
def stores_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("poison")
    shutil.copy(DEFAULT_STORES_FILE, d / "stores.yaml")
    shutil.copy(DEFAULT_STORES_FILE.with_name("demo_catalogue.yaml"), d / "demo_catalogue.yaml")
    return d / "stores.yaml"


async def report(client: httpx.AsyncClient) -> dict:
    response = await client.get(REPORT, headers=AUTH)
    assert response.status_code == 200
    return response.json()


def v1_revenue(body: dict) -> float:
    return next((r["revenue"] for r in body["rows"] if r["arm"] == "v1" and r["reason"] == "all"), 0.0)


async def exposed_buyer(client: httpx.AsyncClient, tag: str) -> Shopper:
    """A shopper in arm v1 who was shown an overlay and whose order the back end reported."""
    shopper = Shopper(session_in("v1", f"s-{tag}"), f"v-{tag}-0001")
    cart = {"type": "cart_view", "cart_value": 389.9, "cart_items": 1}
    shipping = [{"type": "shipping_info_open", "product_id": "p2"} for _ in range(3)]
    assert (await client.post("/v1/collect", json=shopper.batch(cart, *shipping))).status_code == 202

    async def shown():
        params = {"key": KEY, "session": shopper.session, "visitor": shopper.visitor, "trigger": "exit_intent"}
        return (await client.get("/v1/overlay", params=params)).status_code == 200

    await eventually(shown, timeout_s=30)
    before = v1_revenue(await report(client))
    order = {"type": "purchase", "order_id": f"ord-{tag}", "amount": 389.9, "visitor_id": shopper.visitor,
             "session_id": shopper.session}
    assert (await client.post("/v1/outcomes", json=order, headers=AUTH)).status_code == 202

    async def counted():
        return v1_revenue(await report(client)) >= before + 389.9 - 1e-6

    await eventually(counted, timeout_s=30)
    return shopper


async def attack(client: httpx.AsyncClient, shopper: Shopper, tag: str) -> None:
    """Everything the public write key allows an attacker, each answered as designed."""
    post = lambda body: client.post("/v1/collect", json=body)  # noqa: E731
    fake = {"type": "purchase", "order_id": "x", "amount": 999999999}
    assert (await post(shopper.batch(fake))).status_code == 202  # linked, but no money
    forged = {"type": "purchase", "order_id": "y-forged", "amount": 5000.0, "props": {"order_token": "0" * 64}}
    assert (await post(shopper.batch(forged))).status_code == 202
    refund = {"type": "refund", "order_id": f"ord-{tag}", "amount": 389.9}
    assert (await post(shopper.batch(refund))).status_code == 202
    whale = await post(shopper.batch({"type": "cart_view", "cart_value": 999999999, "cart_items": 1}))
    assert whale.status_code == 422 and whale.json()["path"] == "$.events[0].cart_value"
    dear = await post(shopper.batch({"type": "cart_add", "product_id": "p2", "price": 999999.0}))
    assert dear.status_code == 422 and dear.json()["path"] == "$.events[0].price"
    answers = [{"type": "survey_answer", "answer": "price"} for _ in range(30)]
    assert (await post(shopper.batch(*answers))).status_code == 202
    for i in range(20):  # new sessions of the same visitor, one answer each
        batch = shopper.batch({"type": "survey_answer", "answer": "price"}, session=f"s-{tag}-flood-{i:04d}")
        assert (await post(batch)).status_code == 202
    write_key_as_secret = await client.post(
        "/v1/outcomes", json={"type": "purchase", "order_id": "z", "amount": 1e6, "visitor_id": shopper.visitor},
        headers={"authorization": f"Bearer {KEY}"},
    )
    assert write_key_as_secret.status_code == 401


@dataclass
class Readers:
    """What the test reads besides HTTP, bound to the test's own event loop."""

    profiles: ProfileStore
    health: ModelHealth
    survey_budget: int


async def settled(client: httpx.AsyncClient, readers: Readers, shopper: Shopper) -> None:
    """Wait until the stream has applied everything sent so far (a last event reaches the profile)."""
    marker = shopper.batch({"type": "exit_intent"})
    assert (await client.post("/v1/collect", json=marker)).status_code == 202

    async def applied():
        profile = await readers.profiles.get("demo", shopper.session)
        # cart + 3 shipping opens, the exposure, the back end's order, 3 attacks, 30 answers, the marker
        return profile is not None and profile.events_seen >= 4 + 1 + 1 + 3 + 30 + 1

    await eventually(applied, timeout_s=30)


async def run_sequence(client: httpx.AsyncClient, readers: Readers, tag: str) -> None:
    shopper = await exposed_buyer(client, tag)
    before = await report(client)
    health_before = await readers.health.snapshot("demo")

    await attack(client, shopper, tag)
    await settled(client, readers, shopper)

    after = await report(client)
    assert after == before, "a report figure moved"
    assert after["revenue_verified"] is True
    health_after = await readers.health.snapshot("demo")
    # 51 survey answers from one visitor: at most its daily budget was scored and learned.
    assert health_after.answers - health_before.answers <= readers.survey_budget

    # The store's own signed token does move revenue: verified money still counts.
    token = order_token(SECRET, f"signed-{tag}", 120.0)
    signed = {"type": "purchase", "order_id": f"signed-{tag}", "amount": 120.0, "props": {"order_token": token}}
    assert (await client.post("/v1/collect", json=shopper.batch(signed))).status_code == 202

    async def counted():
        return v1_revenue(await report(client)) >= v1_revenue(before) + 120.0 - 1e-6

    await eventually(counted, timeout_s=30)


@pytest.fixture
async def embedded(stores_file: Path) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_app(Settings(stores_file=stores_file))
    with LiveServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as client:
            yield client, app


async def test_poisoning_leaves_every_report_figure_unchanged_embedded(embedded) -> None:
    client, app = embedded
    readers = Readers(app.state.profiles, app.state.model_health, app.state.settings.survey_labels_per_visitor)
    await run_sequence(client, readers, f"emb{uuid.uuid4().hex[:8]}")


@pytest.mark.services
async def test_poisoning_leaves_every_report_figure_unchanged_on_kafka_and_redis(
    services: Services, stores_file: Path, tmp_path: Path
) -> None:
    stream = StreamEnv(services, tmp_path, extra={"CARTCOACH_STORES_FILE": str(stores_file)})
    worker = WorkerProcess(stream, "poison")
    try:
        await wait_for_group(stream, 1)
        settings = stream.settings
        readers = Readers(
            RedisProfileStore.from_url(services.redis_url, settings.profile_ttl_s),
            build_model_health(settings),
            settings.survey_labels_per_visitor,
        )
        with LiveServer(create_app(settings)) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as client:
                await run_sequence(client, readers, f"kfk{uuid.uuid4().hex[:8]}")
        await readers.profiles.close()
        await readers.health.close()
    finally:
        worker.stop()


async def test_demo_traffic_signs_its_orders_as_the_store_back_end_would(embedded) -> None:
    """``cartcoach serve --demo-traffic``: simulated purchases carry the demo store's order token."""
    from cartcoach.traffic import drive

    client, app = embedded
    await drive(str(client.base_url), KEY, rate=50, speed=400, sessions=40, seed=3, secret_key=SECRET)
    purchases = [e for e in list(app.state.sink.pipeline.recent) if e.type == "purchase"]
    assert purchases and all(e.verified and e.amount for e in purchases)
