"""The Faust worker on the real broker and Redis: live profiles, crashes, two workers, poison."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from aiokafka import AIOKafkaProducer

from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile
from stream.embedded_runner import EmbeddedRunner
from stream.event_records import encode_events
from stream.faust_app import SWEEP_CHUNK
from nudges.ledger import MemoryLedger
from stream.model_health import MemoryModelHealth
from stream.processing import decode_label
from stream.profile_store import MemoryProfileStore, RedisProfileStore
from tests.kafka_topic import end_offsets, read_records
from tests.services import Services
from tests.stream_worker import StreamEnv, WorkerProcess, publish, publish_per_event, simulated, wait_for_group

pytestmark = pytest.mark.services
NO_TIMEOUT = {"CARTCOACH_SESSION_IDLE_TIMEOUT_S": "100000000"}


@pytest.fixture
def stream(services: Services, tmp_path: Path) -> StreamEnv:
    return StreamEnv(services, tmp_path, extra=dict(NO_TIMEOUT))


@pytest.fixture
def workers(stream: StreamEnv) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def expected_counts(events: list[CollectedEvent]) -> dict[str, int]:
    counts: dict[str, set[str]] = defaultdict(set)
    for event in events:
        counts[event.session_id].add(event.id)
    return {session: len(ids) for session, ids in counts.items()}


async def redis_profiles(stream: StreamEnv, sessions: list[str]) -> dict[str, AbandonmentProfile]:
    store = RedisProfileStore.from_url(stream.services.redis_url, ttl_s=60)
    try:
        found = {s: await store.get(stream.store_id, s) for s in sessions}
        return {s: p for s, p in found.items() if p is not None}
    finally:
        await store.close()


async def wait_until_complete(stream: StreamEnv, expected: dict[str, int], timeout_s: float) -> dict[str, AbandonmentProfile]:
    """Wait until every session's profile in Redis reflects all its events."""
    deadline = time.monotonic() + timeout_s
    while True:
        profiles = await redis_profiles(stream, list(expected))
        if all(s in profiles and profiles[s].events_seen == n for s, n in expected.items()):
            return profiles
        if time.monotonic() > deadline:
            behind = {s: (profiles[s].events_seen if s in profiles else None, n)
                      for s, n in expected.items() if s not in profiles or profiles[s].events_seen != n}
            raise AssertionError(f"{len(behind)} sessions incomplete (seen, expected): {list(behind.items())[:5]}")
        await asyncio.sleep(0.2)


async def start_worker(stream: StreamEnv, workers: list[WorkerProcess], name: str) -> WorkerProcess:
    """Start a worker and wait until it processes a probe event."""
    worker = WorkerProcess(stream, name)
    workers.append(worker)
    await wait_for_group(stream, members=sum(w.process.poll() is None for w in workers))
    probe = simulated(stream, 1, seed=sum(map(ord, name)))
    await publish(stream, probe)
    # Processing has begun once the probe has a profile.
    deadline = time.monotonic() + 90
    while not await redis_profiles(stream, list(expected_counts(probe))):
        assert time.monotonic() < deadline, f"worker {name} processed nothing"
        await asyncio.sleep(0.2)
    return worker


async def test_events_in_give_a_profile_in_redis_and_on_the_profiles_topic_within_2s(
    stream: StreamEnv, workers: list[WorkerProcess]
) -> None:
    await start_worker(stream, workers, "a")
    events = simulated(stream, 1, seed=42)[:6]
    events[-1] = msgspec.structs.replace(events[-1], type="cart_view")  # a trigger moment
    sent = time.monotonic()
    await publish(stream, events)
    profiles = await wait_until_complete(stream, expected_counts(events), timeout_s=2)
    assert time.monotonic() - sent <= 2
    session = events[0].session_id
    records = await read_records(
        stream.services.kafka_bootstrap_servers,
        stream.settings.profiles_topic,
        await end_offsets(stream.services.kafka_bootstrap_servers, stream.settings.profiles_topic),
    )
    mine = [msgspec.json.decode(r.value, type=AbandonmentProfile) for r in records if r.key == session.encode()]
    assert mine and mine[-1] == profiles[session]


async def sigkill_mid_stream(stream: StreamEnv, workers: list[WorkerProcess]) -> list[CollectedEvent]:
    """Half the traffic processed, 50 more events in flight, SIGKILL, the rest sent while
    the worker is dead, then a new worker; returns every event sent."""
    worker = await start_worker(stream, workers, "a")
    events = simulated(stream, 40, seed=7)
    half = len(events) // 2
    await publish(stream, events[:half])
    await wait_until_complete(stream, expected_counts(events[:half]), timeout_s=60)

    # More events in flight, then the worker dies without any chance to commit or flush.
    await publish(stream, events[half : half + 50])
    worker.kill()
    before_restart = await redis_profiles(stream, list(expected_counts(events[:half])))
    assert len(before_restart) == len(expected_counts(events[:half])), "profiles vanished with the worker"

    await publish(stream, events[half + 50 :])
    await start_worker(stream, workers, "b")
    return events


async def test_after_a_sigkill_no_event_is_lost_and_none_counts_twice(
    stream: StreamEnv, workers: list[WorkerProcess]
) -> None:
    events = await sigkill_mid_stream(stream, workers)  # asserts profiles stayed served meanwhile
    expected = expected_counts(events)
    # Each session counts every distinct event exactly once: the half from before the
    # crash comes back from the changelog, the events in flight are read again (replays
    # recognised), and records Faust dropped are sought back.
    profiles = await wait_until_complete(stream, expected, timeout_s=90)
    assert {s: p.events_seen for s, p in profiles.items()} == expected


async def test_two_workers_share_four_partitions_and_a_rebalance_loses_nothing(
    stream: StreamEnv, workers: list[WorkerProcess]
) -> None:
    first = await start_worker(stream, workers, "a")
    # Sessions last minutes (median ~100 s): spread them so that the last third has its own.
    events = simulated(stream, 60, seed=11, arrival_ms=15_000)
    third = len(events) // 3
    await publish(stream, events[:third])
    # The second worker joins once the first has caught up: a rebalance between bursts.
    await wait_until_complete(stream, expected_counts(events[:third]), timeout_s=60)
    second = await start_worker(stream, workers, "b")
    await publish(stream, events[third:])
    expected = expected_counts(events)
    profiles = await wait_until_complete(stream, expected, timeout_s=120)
    assert {s: p.events_seen for s, p in profiles.items()} == expected

    # After the rebalance each session's profiles come from one worker, and both work.
    records = await read_records(
        stream.services.kafka_bootstrap_servers,
        stream.settings.profiles_topic,
        await end_offsets(stream.services.kafka_bootstrap_servers, stream.settings.profiles_topic),
    )
    late_sessions = set(expected_counts(events[2 * third :])) - set(expected_counts(events[: 2 * third]))
    by_session: dict[bytes, set[bytes]] = defaultdict(set)
    for record in records:
        if record.key.decode() in late_sessions:
            by_session[record.key].add(dict(record.headers)["worker"])
    assert by_session and all(len(ws) == 1 for ws in by_session.values())
    names = {w for ws in by_session.values() for w in ws}
    pids = {int(name.decode().rsplit(":", 1)[1]) for name in names}
    assert pids == {first.pid, second.pid}


async def test_a_rebalance_under_load_loses_nothing(
    stream: StreamEnv, workers: list[WorkerProcess]
) -> None:
    await start_worker(stream, workers, "a")
    # Sessions last minutes (median ~100 s): spread them so that the last third has its own.
    events = simulated(stream, 60, seed=11, arrival_ms=15_000)
    third = len(events) // 3
    await publish(stream, events[:third])
    await start_worker(stream, workers, "b")  # joins while the first still works through the burst
    await publish(stream, events[third:])
    expected = expected_counts(events)
    profiles = await wait_until_complete(stream, expected, timeout_s=120)
    assert {s: p.events_seen for s, p in profiles.items()} == expected


async def test_an_upgrade_from_per_event_records_to_batch_records_while_events_flow_loses_nothing(
    stream: StreamEnv, workers: list[WorkerProcess]
) -> None:
    """An upgrade in place: the topic holds records of the old format (one event each) when
    workers of this version take over, one by one, while the collectors switch to one record
    per batch. Sessions have events in both formats; every event counts exactly once."""
    first = await start_worker(stream, workers, "a")
    events = simulated(stream, 60, seed=17)
    half = len(events) // 2
    switched = asyncio.Event()

    async def traffic() -> None:
        for i in range(0, half, 20):  # the old collectors
            await publish_per_event(stream, events[i : min(i + 20, half)])
            await asyncio.sleep(0.05)
        switched.set()
        for i in range(half, len(events), 20):  # the new ones
            await publish(stream, events[i : i + 20])
            await asyncio.sleep(0.05)

    flowing = asyncio.create_task(traffic())
    await start_worker(stream, workers, "b")  # joins while old-format records flow
    await switched.wait()
    first.stop()  # the last worker of the old generation leaves while batches flow
    await flowing
    assert set(expected_counts(events[:half])) & set(expected_counts(events[half:])), "no session spans both"
    expected = expected_counts(events)
    profiles = await wait_until_complete(stream, expected, timeout_s=120)
    assert {s: p.events_seen for s, p in profiles.items()} == expected


async def test_a_poison_message_is_dead_lettered_with_its_reason_and_the_next_event_processed(
    stream: StreamEnv, workers: list[WorkerProcess]
) -> None:
    await start_worker(stream, workers, "a")
    good = simulated(stream, 1, seed=3)[:3]
    session = good[0].session_id
    someone_else = encode_events(simulated(stream, 1, seed=4)[:2])
    poison = [b'{"not": "an event"', b"\xff\xfe", b'{"v": 3, "events": []}', someone_else]
    producer = AIOKafkaProducer(bootstrap_servers=stream.services.kafka_bootstrap_servers)
    await producer.start()
    try:
        for value in poison:
            await producer.send_and_wait(stream.settings.events_topic, value, key=session.encode())
    finally:
        await producer.stop()
    await publish(stream, good)
    await wait_until_complete(stream, expected_counts(good), timeout_s=30)
    dead = await read_records(stream.services.kafka_bootstrap_servers, stream.settings.dead_letter_topic, 4)
    assert [r.value for r in dead] == poison
    reasons = [dict(r.headers)["reason"] for r in dead]
    assert reasons[0].startswith(b"undecodable event") and reasons[1].startswith(b"undecodable event")
    assert reasons[2:] == [b"unsupported record version 3", b"record key is not the events' session id"]


async def test_embedded_runner_and_faust_worker_give_identical_profiles(
    services: Services, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    stream = StreamEnv(services, tmp_path, extra={**NO_TIMEOUT, "CARTCOACH_LEARNING": "0"})
    events = simulated(stream, 30, seed=5)

    memory = MemoryProfileStore()
    runner = EmbeddedRunner(stream.settings, memory, MemoryLedger(), MemoryModelHealth())
    await runner.handle_batch(events)
    await runner.service.flush()

    await start_worker(stream, workers, "a")
    await publish(stream, events)
    expected = expected_counts(events)
    from_worker = await wait_until_complete(stream, expected, timeout_s=90)
    await asyncio.sleep(stream.settings.score_debounce_ms / 1000 * 2)  # the last flush
    from_worker = await redis_profiles(stream, list(expected))
    from_embedded = {s: await memory.get(stream.store_id, s) for s in expected}
    assert from_worker == from_embedded


async def test_quiet_sessions_are_closed_by_the_idle_sweep_once_each(
    services: Services, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    """More sessions than the sweep looks at between two yields to the event loop."""
    stream = StreamEnv(services, tmp_path, extra={"CARTCOACH_SESSION_IDLE_TIMEOUT_S": "15"})
    await start_worker(stream, workers, "a")
    # Each session's last event happens now, its events within the last few seconds (a
    # session lasts minutes, the idle timeout is 15 s), published session after session:
    # none is quiet before the worker has them all.
    now = int(time.time() * 1000)
    sessions_events: dict[str, list[CollectedEvent]] = {}
    for e in simulated(stream, SWEEP_CHUNK + 100, seed=13, arrival_ms=200):
        sessions_events.setdefault(e.session_id, []).append(e)
    events: list[CollectedEvent] = []
    for session in sessions_events.values():
        last = max(e.at for e in session)
        for e in session:
            at = now - (last - e.at) // 50
            events.append(msgspec.structs.replace(e, at=at, ts=e.ts + at - e.at, received_at=now))
    bought = {e.session_id for e in events if e.type == "purchase"}
    sessions = set(expected_counts(events))
    assert bought and bought != sessions
    await publish(stream, events)

    deadline = time.monotonic() + 90
    while True:
        profiles = await redis_profiles(stream, list(sessions))
        outcomes = {s: p.outcome for s, p in profiles.items()}
        if len(outcomes) == len(sessions) and None not in outcomes.values():
            break
        assert time.monotonic() < deadline, f"{sum(o is None for o in outcomes.values())} sessions still open"
        await asyncio.sleep(0.5)
    assert outcomes == {s: "purchased" if s in bought else "abandoned" for s in sessions}

    # One outcome to learn from per session, even though the sweep kept running meanwhile.
    await asyncio.sleep(stream.settings.sweep_interval_s * 2)
    bootstrap = stream.services.kafka_bootstrap_servers
    records = await read_records(bootstrap, stream.settings.labels_topic,
                                 await end_offsets(bootstrap, stream.settings.labels_topic))
    learned = Counter(
        (label.state.session_id, label.purchased)
        for label in map(decode_label, (r.value for r in records))
        if label.kind == "outcome" and label.state.session_id in sessions
    )
    assert learned == Counter({(s, s in bought): 1 for s in sessions})


async def test_a_closed_session_is_forgotten_with_a_tombstone_and_a_late_refund_starts_no_state(
    services: Services, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    """The table does not grow for ever: closed sessions quiet for CARTCOACH_SESSION_FORGET_AFTER_S
    leave it, each outcome is still learned once, and a refund for a forgotten session is no new session."""
    stream = StreamEnv(services, tmp_path, extra={"CARTCOACH_SESSION_IDLE_TIMEOUT_S": "4",
                                                  "CARTCOACH_SESSION_FORGET_AFTER_S": "8",
                                                  "CARTCOACH_PROFILE_TTL_S": "8"})
    await start_worker(stream, workers, "a")
    events = simulated(stream, 12, seed=21)  # shoppers of the last hour: all quiet for minutes
    sessions = set(expected_counts(events))
    await publish(stream, events)

    bootstrap = stream.services.kafka_bootstrap_servers
    changelog = f"{stream.settings.stream_app_id}-sessions-changelog"
    deadline = time.monotonic() + 90
    while True:
        records = await read_records(bootstrap, changelog, await end_offsets(bootstrap, changelog))
        last = {r.key.decode(): r.value for r in records}
        if all(s in last and last[s] is None for s in sessions):
            break
        assert time.monotonic() < deadline, f"{sum(last.get(s) is not None for s in sessions)} sessions not forgotten"
        await asyncio.sleep(0.5)
    # Closed (as abandoned or purchased) before they were forgotten: one outcome each, learned once.
    records = await read_records(bootstrap, stream.settings.labels_topic,
                                 await end_offsets(bootstrap, stream.settings.labels_topic))
    learned = Counter(label.state.session_id for label in map(decode_label, (r.value for r in records))
                      if label.kind == "outcome" and label.state.session_id in sessions)
    assert learned == Counter({s: 1 for s in sessions})

    # Days later: a refund for a forgotten session, then the same session id seen again
    # (as by default, its old profile has expired by then: puts keep the most events seen).
    session = sorted(sessions)[0]
    while await redis_profiles(stream, [session]):
        assert time.monotonic() < deadline + 30, "the profile never expired"
        await asyncio.sleep(0.5)
    template = next(e for e in events if e.session_id == session)
    now = int(time.time() * 1000)
    refund = msgspec.structs.replace(template, id="late-refund", type="refund", at=now, ts=now, received_at=now)
    comeback = msgspec.structs.replace(template, id="late-view", type="page_view", at=now + 1, ts=now + 1,
                                       received_at=now + 1)
    await publish(stream, [refund])
    await publish(stream, [comeback])  # same key, same partition: applied after the refund
    profiles = await wait_until_complete(stream, {session: 1}, timeout_s=60)
    assert profiles[session].events_seen == 1  # the page view alone: the refund started nothing
    assert await end_offsets(bootstrap, stream.settings.dead_letter_topic) == 0  # and was applied, not refused
