"""The dashboard's pure parts: feed ids and replay, stream tokens, reason mix drift, model health, SSE parsing."""

from __future__ import annotations

import asyncio

from rich.console import Console

from cartcoach.traffic import _restamp
from cartcoach.watch import parse_sse, render
from overlay_api.dashboard_token import TokenSigner
from overlay_api.live_feed import FeedBuffer, matches, parse_cursor
from overlay_api.reason_mix import reason_mix
from scorer.profile import AbandonmentProfile
from scorer.simulator import SimulatorConfig, simulate, to_batches
from stream.model_health import MemoryModelHealth


def profile(session: str, at: int = 0, reason: str = "price", device: str = "mobile", seen: int = 1) -> AbandonmentProfile:
    return AbandonmentProfile(store_id="demo", session_id=session, visitor_id="v-00000001", at=at,
                              reasons={reason: 0.6}, top_reason=reason, confidence=0.6, risk=0.5,
                              evidence=["x"], cart_value=10.0, device=device, events_seen=seen, model_version="m")


def test_feed_ids_grow_within_one_millisecond_and_replay_after_a_cursor() -> None:
    now = [1000.0]
    buffer = FeedBuffer(size=3, clock=lambda: now[0])
    ids = [buffer.append(profile(f"s-{i}")).id for i in range(2)]
    now[0] = 1000.5
    ids.append(buffer.append(profile("s-2")).id)
    assert ids == ["1000000-0", "1000000-1", "1000500-0"]
    assert [e.id for e in buffer.after(parse_cursor("1000000-0"))] == ["1000000-1", "1000500-0"]
    assert buffer.after(parse_cursor("1000500-0")) == []
    buffer.append(profile("s-3"))  # the buffer keeps the newest three
    assert [e.profile.session_id for e in buffer.after(None)] == ["s-1", "s-2", "s-3"]
    assert [e.profile.session_id for e in buffer.after(None, backlog=1)] == ["s-3"]


def test_a_clock_that_steps_back_still_gives_increasing_ids() -> None:
    now = [2.0]
    buffer = FeedBuffer(clock=lambda: now[0])
    first = buffer.append(profile("s-a"))
    now[0] = 1.0
    assert buffer.append(profile("s-b")).cursor > first.cursor


def test_cursors_from_the_client_are_parsed_strictly() -> None:
    assert parse_cursor("1735689600000-3") == (1735689600000, 3)
    for bad in (None, "", "abc", "1-", "-1", "1-2-3", "1;DROP"):
        assert parse_cursor(bad) is None


def test_filters_match_reason_and_device() -> None:
    p = profile("s-1", reason="trust", device="desktop")
    assert matches(p, None, None) and matches(p, "trust", "desktop")
    assert not matches(p, "price", None) and not matches(p, None, "mobile")


def test_tokens_name_their_store_and_expire() -> None:
    signer = TokenSigner(b"server", ttl_s=60, clock=lambda: 100.0)
    token = signer.issue("demo")
    assert signer.verify(token) == "demo"
    assert TokenSigner(b"other", clock=lambda: 100.0).verify(token) is None
    assert signer.verify(token.replace("demo", "evil", 1)) is None
    assert TokenSigner(b"server", clock=lambda: 161.0).verify(token) is None
    for junk in ("", "demo", "demo.1", "..", "demo.x.y"):
        assert signer.verify(junk) is None


def test_reason_mix_raises_a_drift_alarm_when_the_newest_minute_differs() -> None:
    before = [profile(f"s-a{i}", at=1_000, reason="price") for i in range(30)]
    steady = reason_mix(before + [profile(f"s-b{i}", at=61_000, reason="price") for i in range(30)])
    assert steady.alarm is None and steady.series["price"] == [30, 30]
    shifted = reason_mix(before + [profile(f"s-c{i}", at=61_000, reason="trust") for i in range(30)])
    assert shifted.alarm is not None and "price now 0%, was 100%" in shifted.alarm


def test_model_health_alarms_when_accuracy_falls() -> None:
    health = MemoryModelHealth(window=80)

    async def feed() -> None:
        for i in range(40):
            await health.record("demo", "price", "price", "m@r1")
        for i in range(40):
            await health.record("demo", "price", "trust" if i % 2 else "price", "m@r2")

    asyncio.run(feed())
    snapshot = asyncio.run(health.snapshot("demo"))
    assert snapshot.accuracy == 0.75 and snapshot.accuracy_newer == 0.5
    assert snapshot.alarm is not None and snapshot.model_versions == ["m@r2", "m@r1"]
    assert asyncio.run(health.snapshot("other")).accuracy is None


def test_sse_parsing_joins_data_lines_and_skips_comments() -> None:
    lines = [": connected", "retry: 1000", "", "id: 5-0", "event: profile", "data: a", "data: b", "", "data: c", ""]
    assert [dict(e) for e in parse_sse(lines)] == [
        {"id": "5-0", "event": "profile", "data": "a\nb"},
        {"data": "c"},
    ]


def test_the_terminal_table_shows_a_profile() -> None:
    import msgspec

    item = {**msgspec.to_builtins(profile("s-shown-01", at=1_700_000_000_000)), "overlay": {"arm": "v1", "incentive": "reviews"}}
    console = Console(record=True, width=200)
    console.print(render([item], "t"))
    text = console.export_text()
    assert "s-shown-01" in text and "price 60%" in text and "reviews (v1)" in text


def test_traffic_moves_a_batch_to_now_keeping_its_gaps() -> None:
    batch = to_batches(simulate(SimulatorConfig(sessions=1, seed=3))[0], "wk_demo_public_0001")[0]
    moved = _restamp(batch, 2_000_000_000_000)
    assert moved.sent_at == 2_000_000_000_000
    assert [moved.sent_at - e.ts for e in moved.events] == [batch.sent_at - e.ts for e in batch.events]
