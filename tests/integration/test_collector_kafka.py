"""The collector against the real Kafka broker: what is accepted lands, what is bad does not."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from cartcoach.settings import Settings
from overlay_api.app import create_app
from scorer.events import collect, decode_batch
from stream.event_records import decode_events
from stream.kafka_sink import KafkaEventSink
from tests.conftest import STORE_ORIGIN, make_batch
from tests.kafka_topic import end_offsets, read_records
from tests.live_server import LiveServer
from tests.services import Services

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def topic() -> str:
    return f"events-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def server(services: Services, stores_file, topic: str) -> Iterator[LiveServer]:
    settings = Settings(
        stores_file=stores_file,
        kafka_bootstrap_servers=services.kafka_bootstrap_servers,
        redis_url=services.redis_url,
        events_topic=topic,
    )
    with LiveServer(create_app(settings)) as live:
        yield live


async def test_accepted_batch_is_one_record_on_the_topic_keyed_by_session(
    server: LiveServer, services: Services, topic: str
) -> None:
    batch = make_batch(n=5)
    before = int(time.time() * 1000)
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            "/v1/collect",
            content=json.dumps(batch),
            headers={"content-type": "text/plain;charset=UTF-8", "origin": STORE_ORIGIN},
        )
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 5}
    assert response.headers["access-control-allow-origin"] == STORE_ORIGIN

    (record,) = await read_records(services.kafka_bootstrap_servers, topic, 1)
    events = decode_events(record.value)
    assert [e.id for e in events] == [e["id"] for e in batch["events"]]
    assert record.key == batch["session_id"].encode()
    for event in events:
        assert event.store_id == "shop"
        assert event.session_id == batch["session_id"]
        assert event.visitor_id == batch["visitor_id"]
        assert before <= event.received_at <= int(time.time() * 1000)
        assert event.page_type == "cart" and event.path == "/cart"


def _events(n: int, **fields: object) -> list[dict]:
    now = int(time.time() * 1000)
    return [
        {"id": f"e-{uuid.uuid4().hex}", "type": "cart_view", "ts": now - 10, **fields}
        for _ in range(n)
    ]


def _body(**changes: object) -> bytes:
    return json.dumps(make_batch(**changes)).encode()


JSON = {"content-type": "application/json", "origin": STORE_ORIGIN}
_dup = f"e-{uuid.uuid4().hex}"
_now = int(time.time() * 1000)

# (name, body, headers, status, path named in the error or None)
BAD_REQUESTS = [
    ("broken JSON", b'{"v": 1, "events": [', JSON, 400, None),
    ("not JSON at all", b"hello", JSON, 400, None),
    ("empty body", b"", JSON, 400, None),
    ("not UTF-8", b'{"v": 1, "write_key": "wk_shop_\xff\xfe_0001"}', JSON, 400, None),
    ("deep nesting", b'{"x": ' + b"[" * 20000 + b"]" * 20000 + b"}", JSON, 400, None),
    ("NaN is not JSON", _body().replace(b'"v": 1', b'"v": NaN'), JSON, 400, None),
    ("array instead of object", b"[]", JSON, 422, "$"),
    ("wrong type", _body(sent_at="yesterday"), JSON, 422, "$.sent_at"),
    ("missing events", json.dumps({k: v for k, v in make_batch().items() if k != "events"}).encode(), JSON, 422, "$"),
    ("missing write key", json.dumps({k: v for k, v in make_batch().items() if k != "write_key"}).encode(), JSON, 422, "$"),
    ("empty event list", _body(events=[]), JSON, 422, "$.events"),
    ("unknown event type", _body(events=[{"id": "e-unknown-1", "type": "mouse_dance", "ts": _now - 5}]), JSON, 422, "$.events[0].type"),
    ("server-only event type", _body(events=[{"id": "e-server-0001", "type": "overlay_decision", "ts": _now - 5}]), JSON, 422, "$.events[0].type"),
    ("huge string", _body(events=_events(1, product_id="x" * 10_000)), JSON, 422, "$.events[0].product_id"),
    ("101 events", _body(events=_events(101)), JSON, 422, "$.events"),
    ("10k events", _body(events=_events(10_000)), JSON, 413, None),
    ("body over 64 KiB", _body(padding="x" * 70_000), JSON, 413, None),
    ("wrong write key", _body(write_key="wk_nobody_0000"), JSON, 401, "$.write_key"),
    ("origin not allowed", _body(), {**JSON, "origin": "https://evil.example"}, 403, None),
    ("another store's origin", _body(), {**JSON, "origin": "https://other.example"}, 403, None),
    ("wrong content type", _body(), {**JSON, "content-type": "application/xml"}, 415, None),
    ("no content type", _body(), {"origin": STORE_ORIGIN}, 415, None),
    ("form encoded", _body(), {**JSON, "content-type": "application/x-www-form-urlencoded"}, 415, None),
    ("duplicate ids", _body(events=[{"id": _dup, "type": "cart_view", "ts": _now - 9}, {"id": _dup, "type": "cart_view", "ts": _now - 8}]), JSON, 422, "$.events[1].id"),
    ("future timestamp", _body(events=_events(1, ts=_now + 3_600_000)), JSON, 422, "$.events[0].ts"),
    ("older than a week", _body(events=_events(1, ts=_now - 8 * 24 * 3_600_000)), JSON, 422, "$.events[0].ts"),
    ("unknown schema version", _body(v=2), JSON, 422, "$.v"),
    ("query string in page path", _body(page={"path": "/cart?email=a@b.example", "type": "cart"}), JSON, 422, "$.page.path"),
    ("email as session id", _body(session_id="shopper@mail.example"), JSON, 422, "$.session_id"),
    ("negative price", _body(events=_events(1, price=-5)), JSON, 422, "$.events[0].price"),
    ("nested custom props", _body(events=[{"id": "e-custom-0001", "type": "custom", "name": "x", "ts": _now - 5, "props": {"a": {"b": 1}}}]), JSON, 422, "$.events[0].props[...]"),
    ("custom event without a name", _body(events=[{"id": "e-custom-0002", "type": "custom", "ts": _now - 5}]), JSON, 422, "$.events[0].name"),
]


@pytest.mark.parametrize(
    ("body", "headers", "status", "path"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
async def test_bad_request_gets_its_status_and_produces_nothing(
    server: LiveServer, services: Services, topic: str, body, headers, status, path
) -> None:
    before = await end_offsets(services.kafka_bootstrap_servers, topic)
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post("/v1/collect", content=body, headers=headers)
    assert response.status_code == status, response.text
    if path is not None:
        assert response.json()["path"] == path
    if status not in (413,):
        assert response.json()["error"]
    assert await end_offsets(services.kafka_bootstrap_servers, topic) == before


async def test_preflight_is_answered_for_the_stores_origins_only(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        ok = await client.options(
            "/v1/collect",
            headers={"origin": STORE_ORIGIN, "access-control-request-method": "POST"},
        )
        refused = await client.options(
            "/v1/collect",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == STORE_ORIGIN
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


async def test_health_and_readiness_report_kafka_and_redis(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.status_code == 200
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"ready": True, "mode": "kafka", "checks": {"events": True, "redis": True}}


async def test_a_full_batch_larger_than_a_kafka_record_batch_arrives_as_one_record_in_order(
    server: LiveServer, services: Services, topic: str
) -> None:
    batch = make_batch(n=0)
    batch["events"] = _events(100, product_id="p" * 64, cart_value=999.5, cart_items=3)
    for i, event in enumerate(batch["events"]):
        event["ts"] += i
    before = await end_offsets(services.kafka_bootstrap_servers, topic)
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post("/v1/collect", content=json.dumps(batch), headers=JSON)
    assert response.status_code == 202, response.text
    records = await read_records(services.kafka_bootstrap_servers, topic, before + 1)
    (mine,) = [decode_events(r.value) for r in records if r.key == batch["session_id"].encode()]
    assert [e.id for e in mine] == [e["id"] for e in batch["events"]]


async def test_batches_of_one_session_that_arrive_together_become_one_record(
    services: Services, topic: str
) -> None:
    """The collector's sink gathers what arrives within its linger: one record per session."""
    session = f"s-{uuid.uuid4().hex[:16]}"
    now = int(time.time() * 1000)
    first, second = (
        collect(decode_batch(json.dumps(make_batch(n=n, session_id=session))), "shop", now) for n in (3, 2)
    )
    other = collect(decode_batch(json.dumps(make_batch(n=4))), "shop", now)
    sink = KafkaEventSink(services.kafka_bootstrap_servers, topic)
    await sink.start()
    before = await end_offsets(services.kafka_bootstrap_servers, topic)
    try:
        await asyncio.gather(sink.publish(first), sink.publish(other), sink.publish(second))
    finally:
        await sink.stop()
    records = await read_records(services.kafka_bootstrap_servers, topic, before + 2)
    assert await end_offsets(services.kafka_bootstrap_servers, topic) == before + 2
    mine = {session.encode(), other[0].session_id.encode()}
    by_key = {r.key: [e.id for e in decode_events(r.value)] for r in records if r.key in mine}
    assert by_key == {
        session.encode(): [e.id for e in first + second],
        other[0].session_id.encode(): [e.id for e in other],
    }
