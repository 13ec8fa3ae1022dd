"""The API's Prometheus metrics, scraped over HTTP after real traffic (embedded mode).

The counters are process-wide and other tests in this process move them too, so each
test compares a scrape after its own traffic with one taken before it. The worker's
side on the full path (consumer lag, the worker's own endpoint) is checked by
tests/integration/test_installed_wheel.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cartcoach.metrics_endpoint import serve_metrics
from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from nudges.assignment import assign
from nudges.stores import StoreRegistry
from overlay_api.app import create_app
from tests.live_server import LiveServer, free_port

KEY = "wk_demo_public_0001"
ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def metrics_url() -> str:
    port = free_port()
    assert serve_metrics("127.0.0.1", port)
    return f"http://127.0.0.1:{port}/metrics"


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    settings = Settings(stores_reload_s=0, learning=True)
    with LiveServer(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    text = httpx.get(url, timeout=5).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    """How much ``name`` (summed over the samples whose labels include ``labels``) grew."""
    wanted = set(labels.items())

    def total(samples: dict) -> float:
        return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)

    return total(after) - total(before)


def batch(events: list[dict], session: str | None = None, **envelope: object) -> dict:
    now = int(time.time() * 1000)
    return {
        "v": 1, "write_key": KEY, "visitor_id": "v-metrics-0001",
        "session_id": session or f"s-metrics-{uuid.uuid4().hex[:12]}", "sent_at": now,
        "page": {"path": "/demo/en/cart", "type": "cart", "locale": "en", "device": "desktop"},
        "events": [{"id": f"e-{uuid.uuid4().hex}", "ts": now - 1000 + i, **e} for i, e in enumerate(events)],
        **envelope,
    }  # fmt: skip


SHIPPING_DOUBTS = [{"type": "cart_view", "cart_value": 389.9, "cart_items": 1}] + [
    {"type": "shipping_info_open", "product_id": "p2"} for _ in range(3)
]


def test_refused_batches_are_counted_by_reason_and_every_response_by_route_and_status(
    api: httpx.Client, metrics_url: str
) -> None:
    before = scrape(metrics_url)
    headers = {"origin": ORIGIN}
    assert api.post("/v1/collect", json=batch(SHIPPING_DOUBTS), headers=headers).status_code == 202
    refusals = {
        "unsupported_media_type": api.post("/v1/collect", content=b"{}", headers={**headers, "content-type": "text/html"}),
        "malformed": api.post("/v1/collect", content=b"{not json", headers={**headers, "content-type": "application/json"}),
        "invalid": api.post("/v1/collect", json=batch([{"type": "no_such_event"}]), headers=headers),
        "unknown_write_key": api.post("/v1/collect", json=batch(SHIPPING_DOUBTS, write_key="wk_nobody_0001"), headers=headers),
        "origin_not_allowed": api.post("/v1/collect", json=batch(SHIPPING_DOUBTS), headers={"origin": "https://evil.example"}),
        "too_large": api.post("/v1/collect", content=b" " * (70 * 1024), headers={**headers, "content-type": "application/json"}),
    }  # fmt: skip
    assert {reason: r.status_code for reason, r in refusals.items()} == {
        "unsupported_media_type": 415, "malformed": 400, "invalid": 422,
        "unknown_write_key": 401, "origin_not_allowed": 403, "too_large": 413,
    }  # fmt: skip
    assert api.get("/wp-login.php").status_code == 404
    after = scrape(metrics_url)

    assert moved(before, after, "cartcoach_events_accepted_total") == len(SHIPPING_DOUBTS)
    for reason in refusals:
        assert moved(before, after, "cartcoach_batches_rejected_total", reason=reason) == 1, reason
    collect = {"path": "/v1/collect", "method": "POST"}
    assert moved(before, after, "cartcoach_http_requests_total", **collect, status_code="202") == 1
    assert moved(before, after, "cartcoach_http_requests_total", **collect, status_code="422") == 1
    # A scanner's paths are one series, not one per path.
    assert moved(before, after, "cartcoach_http_requests_total", path="__unknown__", status_code="404") == 1
    assert not any(dict(labels).get("path") == "/wp-login.php" for _, labels in after)
    assert moved(before, after, "cartcoach_http_request_duration_seconds_count", **collect) == 7


def test_overlay_decisions_are_counted_by_arm_and_the_stream_counts_what_it_applied_and_learned(
    api: httpx.Client, metrics_url: str
) -> None:
    experiment = StoreRegistry.from_file(DEFAULT_STORES_FILE).by_id("demo").experiment
    session = next(s for i in range(10_000) if assign("demo", experiment, s := f"s-arm-{uuid.uuid4().hex[:8]}-{i}").name == "v2")
    headers = {"origin": ORIGIN}
    before = scrape(metrics_url)
    assert api.post("/v1/collect", json=batch(SHIPPING_DOUBTS, session), headers=headers).status_code == 202
    params = {"key": KEY, "session": session, "visitor": "v-metrics-0001", "trigger": "exit_intent", "locale": "en"}
    deadline = time.monotonic() + 10
    while (overlay := api.get("/v1/overlay", params=params, headers=headers)).status_code == 204:
        assert time.monotonic() < deadline, "no overlay: the embedded stream has no profile"
        time.sleep(0.05)
    assert overlay.status_code == 200 and overlay.json()["arm"] == "v2"
    answer = [{"type": "survey_answer", "answer": "shipping_speed"}]
    assert api.post("/v1/collect", json=batch(answer, session), headers=headers).status_code == 202
    nobody = f"s-nobody-{uuid.uuid4().hex[:8]}"
    assert api.get("/v1/overlay", params={**params, "session": nobody}, headers=headers).status_code == 204

    deadline = time.monotonic() + 10
    while moved(before, after := scrape(metrics_url), "cartcoach_learner_updates_total", kind="reason") < 1:
        assert time.monotonic() < deadline, "the survey answer was not learned"
        time.sleep(0.1)
    assert moved(before, after, "cartcoach_overlay_decisions_total", experiment=experiment.name, arm="v2") == 1
    assert moved(before, after, "cartcoach_overlay_decisions_total", arm="none") >= 1
    # The four signals, the decision the overlay logged and the answer.
    assert moved(before, after, "cartcoach_events_applied_total") == len(SHIPPING_DOUBTS) + 2
    assert moved(before, after, "cartcoach_profiles_published_total") >= 1
