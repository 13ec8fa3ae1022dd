"""The live stream over real HTTP: Last-Event-ID replays only what is newer, across a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson

from cartcoach.settings import Settings
from cartcoach.watch import parse_sse
from overlay_api.app import create_app
from overlay_api.live_feed import FeedBuffer
from scorer.profile import AbandonmentProfile
from tests.live_server import LiveServer, free_port

SECRET = "sk_shop_test_0001"


def profile(session: str) -> AbandonmentProfile:
    return AbandonmentProfile(store_id="shop", session_id=session, visitor_id="v-00000001", at=1, reasons={},
                              top_reason="trust", confidence=0.7, risk=0.4, evidence=["Read reviews"],
                              cart_value=99.0, device="desktop", events_seen=3, model_version="m")


def app_with(settings: Settings, sessions: list[str], start_s: float):
    """An app whose buffer already holds these profiles, with ids start_s, start_s+1, ..."""
    app = create_app(settings)
    clock = iter(start_s + i for i in range(len(sessions)))
    buffer = FeedBuffer(clock=lambda: next(clock))
    for session in sessions:
        buffer.append(profile(session))
    app.state.live_feed.buffers["shop"] = buffer
    return app


def read(url: str, token: str, count: int, last_event_id: str | None = None) -> list[tuple[str, str]]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    got: list[tuple[str, str]] = []
    with httpx.stream("GET", url + "/dashboard/stream", params={"token": token}, headers=headers, timeout=5) as r:
        assert r.status_code == 200
        events: Iterator = parse_sse(r.iter_lines())
        while len(got) < count:
            event = next(events)
            got.append((event["id"], orjson.loads(event["data"])["session_id"]))
    return got


def test_last_event_id_resumes_after_a_restart(stores_file: Path) -> None:
    port = free_port()
    settings = Settings(stores_file=stores_file, port=port)
    with LiveServer(app_with(settings, ["s-one", "s-two", "s-three"], 1000), port=port, graceful_shutdown_s=0.5) as live:
        token = httpx.post(live.url + "/dashboard/api/token", headers={"Authorization": f"Bearer {SECRET}"}).json()["token"]
        assert read(live.url, token, 3) == [("1000000-0", "s-one"), ("1001000-0", "s-two"), ("1002000-0", "s-three")]
        assert read(live.url, token, 1, last_event_id="1001000-0") == [("1002000-0", "s-three")]
        assert httpx.get(live.url + "/dashboard/stream", params={"token": token + "0"}).status_code == 401

    # A new process holds what arrived since; the token (stateless) and the cursor still work.
    with LiveServer(app_with(settings, ["s-four", "s-five"], 1003), port=port, graceful_shutdown_s=0.5) as live:
        assert read(live.url, token, 2, last_event_id="1002000-0") == [("1003000-0", "s-four"), ("1004000-0", "s-five")]
        assert read(live.url, token, 1, last_event_id="1003000-0") == [("1004000-0", "s-five")]
