"""The broker goes away and comes back: the collector says 503 meanwhile, then recovers by itself."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from cartcoach.settings import Settings
from overlay_api.app import create_app
from stream.event_records import decode_events
from tests.conftest import STORE_ORIGIN, make_batch
from tests.kafka_topic import end_offsets, read_records
from tests.live_server import LiveServer
from tests.services import Services, kafka

pytestmark = pytest.mark.services
HEADERS = {"content-type": "text/plain", "origin": STORE_ORIGIN}


@pytest.fixture
def server(services: Services, stores_file) -> Iterator[tuple[LiveServer, str]]:
    if not services.managed_kafka:
        pytest.skip("KAFKA_BOOTSTRAP_SERVERS points at a broker this test must not stop")
    topic = f"events-outage-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        stores_file=stores_file,
        kafka_bootstrap_servers=services.kafka_bootstrap_servers,
        events_topic=topic,
        produce_timeout_s=2.0,
        retry_after_s=1,
    )
    with LiveServer(create_app(settings)) as live:
        yield live, topic
    kafka("kafka-start")  # whatever happened, leave the broker running for the next tests


async def test_broker_down_gives_503_with_retry_after_then_recovers_without_restart(
    server: tuple[LiveServer, str], services: Services
) -> None:
    live, topic = server
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        first = make_batch(n=2)
        assert (await client.post("/v1/collect", content=json.dumps(first), headers=HEADERS)).status_code == 202

        kafka("kafka-stop")
        refused = make_batch(n=2)
        down = await client.post("/v1/collect", content=json.dumps(refused), headers=HEADERS)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "1"
        assert down.headers["access-control-allow-origin"] == STORE_ORIGIN
        assert "Retry-After" in down.headers["access-control-expose-headers"]
        assert "retry" in down.json()["error"]
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 503

        kafka("kafka-start")
        # The snippet retries the refused batch (same ids) after Retry-After until it is accepted.
        for _ in range(60):
            retry = await client.post("/v1/collect", content=json.dumps(refused), headers=HEADERS)
            if retry.status_code == 202:
                break
            assert retry.status_code == 503
            await asyncio.sleep(1)
        assert retry.status_code == 202, "the collector did not recover without a restart"
        assert (await client.get("/readyz")).status_code == 200

    total = await end_offsets(services.kafka_bootstrap_servers, topic)
    records = await read_records(services.kafka_bootstrap_servers, topic, total)
    ids = [event.id for r in records for event in decode_events(r.value)]
    # Every accepted event is there once; the attempt that got a 503 left nothing behind.
    assert sorted(ids) == sorted(e["id"] for e in first["events"] + refused["events"])
