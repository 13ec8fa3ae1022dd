"""The embedded default: the same collector, an in-process pipeline, no servers."""

from __future__ import annotations

import asyncio
import json

import httpx

from cartcoach.settings import Settings
from overlay_api.app import create_app
from scorer.events import collect, decode_batch
from stream.embedded_runner import EmbeddedRunner
from nudges.ledger import MemoryLedger
from stream.model_health import MemoryModelHealth
from stream.processing import timeout_event
from stream.profile_store import MemoryProfileStore
from tests.conftest import STORE_ORIGIN, make_batch
from tests.live_server import LiveServer


async def test_embedded_mode_accepts_the_same_batch_and_hands_it_to_the_pipeline(stores_file) -> None:
    settings = Settings(stores_file=stores_file)
    app = create_app(settings)
    runner = app.state.sink
    assert isinstance(runner, EmbeddedRunner)
    batch = make_batch(n=4)
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            response = await client.post(
                "/v1/collect",
                content=json.dumps(batch),
                headers={"content-type": "text/plain", "origin": STORE_ORIGIN},
            )
            ready = await client.get("/readyz")
            bad = await client.post(
                "/v1/collect", content=b"{", headers={"content-type": "application/json"}
            )
    assert response.status_code == 202
    assert ready.json()["mode"] == "embedded" and ready.status_code == 200
    assert bad.status_code == 400
    received = [e for e in runner.pipeline.recent if e.session_id == batch["session_id"]]
    assert [e.id for e in received] == [e["id"] for e in batch["events"]]
    assert {e.store_id for e in received} == {"shop"}


async def test_embedded_mode_turns_events_into_a_profile_without_any_server(stores_file) -> None:
    app = create_app(Settings(stores_file=stores_file))
    batch = make_batch(n=3)  # three shipping-info opens on the cart page
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            await client.post("/v1/collect", json=batch, headers={"origin": STORE_ORIGIN})
        for _ in range(100):
            profile = await app.state.profiles.get("shop", batch["session_id"])
            if profile is not None and profile.events_seen == 3:
                break
            await asyncio.sleep(0.02)
    assert profile is not None and profile.events_seen == 3
    assert profile.top_reason == "shipping_speed"
    assert any("shipping" in line.lower() for line in profile.evidence)


async def test_a_survey_answer_is_scored_against_the_model_before_it_learns(stores_file) -> None:
    app = create_app(Settings(stores_file=stores_file))
    batch = make_batch(n=3)  # three shipping-info opens: the model says shipping_speed
    batch["events"].append(
        {"id": "e-survey-answer-01", "type": "survey_answer", "ts": batch["sent_at"] - 1, "answer": "price"}
    )
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            await client.post("/v1/collect", json=batch, headers={"origin": STORE_ORIGIN})
        for _ in range(100):
            health = await app.state.model_health.snapshot("shop")
            if health.answers:
                break
            await asyncio.sleep(0.02)
    assert health.answers == 1
    assert health.accuracy == 0.0  # it predicted shipping_speed; the shopper said price
    assert app.state.sink.labels_learned == 1


async def test_profiles_carry_the_outcome_purchase_or_abandonment() -> None:
    profiles = MemoryProfileStore()
    runner = EmbeddedRunner(Settings(session_idle_timeout_s=60), profiles, MemoryLedger(), MemoryModelHealth())
    bought, left = make_batch(n=2), make_batch(n=2)
    now = bought["sent_at"]
    bought["events"].append({"id": "e-purchase-0001", "type": "purchase", "ts": now - 1, "order_id": "o-1", "amount": 10.0})
    events = [e for batch in (bought, left) for e in collect(decode_batch(json.dumps(batch)), "shop", now)]
    await runner.handle_batch(events)
    assert (await profiles.get("shop", bought["session_id"])).outcome == "purchased"
    assert (await profiles.get("shop", left["session_id"])).outcome is None

    quiet = [timeout_event(record, now + 61_000) for record in runner.records.values()]
    await runner.handle_batch(quiet)
    assert (await profiles.get("shop", left["session_id"])).outcome == "abandoned"
    assert (await profiles.get("shop", bought["session_id"])).outcome == "purchased"
    assert runner.labels_learned == 2  # one outcome label each, none twice
