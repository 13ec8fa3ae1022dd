"""Trigger sessions first: a batch applied out of offset order across sessions ends in the same states and profiles."""

from __future__ import annotations

import doctest
from itertools import groupby

import stream.trigger_first
from nudges.ledger import MemoryLedger
from scorer.events import CollectedEvent
from scorer.profile import Scorer
from scorer.simulator import SimulatorConfig, collected, simulate
from stream.model_health import MemoryModelHealth
from stream.processing import SCORE_ALWAYS, SessionRecord
from stream.profile_store import MemoryProfileStore
from stream.session_service import SessionService
from stream.trigger_first import trigger_sessions_first

HOUR_MS = 3_600_000


def test_the_doctest_runs() -> None:
    assert doctest.testmod(stream.trigger_first).failed == 0


def _service(store: MemoryProfileStore) -> SessionService:
    return SessionService(Scorer(), store, MemoryLedger(), MemoryModelHealth(),
                          debounce_ms=2000, idle_timeout_ms=HOUR_MS // 2)


def _records() -> list[list[CollectedEvent]]:
    """Simulated traffic as the collector writes it: one record per run of one session's events."""
    events = collected(simulate(SimulatorConfig(sessions=60, seed=7, start_ms=1_000_000, arrival_ms=300)), "s")
    return [list(run) for _, run in groupby(events, key=lambda e: e.session_id)]


async def _apply(parts: list[list[list[CollectedEvent]]]) -> tuple[dict[str, SessionRecord], MemoryProfileStore]:
    store = MemoryProfileStore()
    service = _service(store)
    saved: dict[str, SessionRecord] = {}
    for part in parts:
        await service.apply([event for run in part for event in run], saved.get, saved.__setitem__)
        await service.publish_scored()
    await service.flush()
    return saved, store


async def test_trigger_sessions_first_in_parts_gives_the_states_and_profiles_of_offset_order() -> None:
    records = _records()
    batches = [records[i : i + 40] for i in range(0, len(records), 40)]
    in_order, in_order_store = await _apply(batches)
    parts: list[list[list[CollectedEvent]]] = []
    moved = 0
    for batch in batches:
        urgent, rest = trigger_sessions_first(batch)
        runs = [run for session in urgent for run in session]
        moved += runs + rest != batch
        parts += [[run for session in urgent[i : i + 3] for run in session] for i in range(0, len(urgent), 3)]
        parts.append(rest)
    assert moved, "some batch is applied in another order than its offsets"
    reordered, reordered_store = await _apply(parts)

    assert reordered == in_order
    for session_id in in_order:
        assert await reordered_store.get("s", session_id) == await in_order_store.get("s", session_id)


def test_every_record_of_a_trigger_session_goes_first_with_its_session_in_its_order() -> None:
    batch = _records()[:80]
    sessions, rest = trigger_sessions_first(batch)
    assert all(len({run[0].session_id for run in session}) == 1 for session in sessions)
    urgent = [run for session in sessions for run in session]
    urgent_sessions = {run[0].session_id for run in urgent}
    assert all(any(event.type in SCORE_ALWAYS for run in batch for event in run if event.session_id == session)
               for session in urgent_sessions)
    assert not any(event.type in SCORE_ALWAYS for run in rest for event in run)
    assert sorted(urgent + rest, key=batch.index) == batch  # nothing lost or doubled
    for session in sessions:
        assert [batch.index(run) for run in session] == sorted(batch.index(run) for run in session)
    assert [batch.index(run) for run in rest] == sorted(batch.index(run) for run in rest)
