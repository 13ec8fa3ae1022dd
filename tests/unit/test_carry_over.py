"""Carrying a batch's rest over: same states and profiles as offset order, and no offset reported early."""

from __future__ import annotations

import doctest
import random
import zlib
from itertools import groupby
from types import SimpleNamespace as Event

import pytest

import stream.carry_over
from nudges.ledger import MemoryLedger
from scorer.profile import Scorer
from scorer.simulator import SimulatorConfig, collected, simulate
from stream.carry_over import CarryOver, RecordRun
from stream.model_health import MemoryModelHealth
from stream.processing import SessionRecord
from stream.profile_store import MemoryProfileStore
from stream.session_service import SessionService

HOUR_MS = 3_600_000
PARTITIONS = 3


def test_the_doctest_runs() -> None:
    assert doctest.testmod(stream.carry_over).failed == 0


def _service(store: MemoryProfileStore) -> SessionService:
    return SessionService(Scorer(), store, MemoryLedger(), MemoryModelHealth(),
                          debounce_ms=2000, idle_timeout_ms=HOUR_MS // 2)


def _records() -> list[RecordRun]:
    """Simulated traffic as the collector writes it (one record per run of one session's
    events), spread over partitions by session, with each partition's own offsets."""
    events = collected(simulate(SimulatorConfig(sessions=80, seed=11, start_ms=1_000_000, arrival_ms=300)), "s")
    next_offset = [0] * PARTITIONS
    records = []
    for session_id, run in groupby(events, key=lambda e: e.session_id):
        partition = zlib.crc32(session_id.encode()) % PARTITIONS
        records.append(RecordRun(run, partition=partition, offset=next_offset[partition]))
        next_offset[partition] += 1
    return records


async def _in_offset_order(records: list[RecordRun]) -> tuple[dict[str, SessionRecord], dict]:
    store = MemoryProfileStore()
    service = _service(store)
    saved: dict[str, SessionRecord] = {}
    for start in range(0, len(records), 25):
        await service.apply([e for run in records[start : start + 25] for e in run], saved.get, saved.__setitem__)
        await service.publish_scored()
    await service.flush()
    return saved, {key: await store.get("s", key) for key in saved}


async def test_carried_batches_end_in_the_states_and_profiles_of_offset_order_and_report_no_offset_early() -> None:
    records = _records()
    expected_states, expected_profiles = await _in_offset_order(records)
    store = MemoryProfileStore()
    service = _service(store)
    saved: dict[str, SessionRecord] = {}
    carry: CarryOver[int] = CarryOver(limit=30)
    chance = random.Random(5)
    applied_offsets: dict[int, set[int]] = {p: set() for p in range(PARTITIONS)}
    reported: dict[int, int] = {}
    carried_at_all = 0
    for batch_number, start in enumerate(range(0, len(records), 25)):
        urgent, rest = carry.schedule(records[start : start + 25])
        for session in urgent:
            await service.apply([e for run in session for e in run], saved.get, saved.__setitem__)
            applied_offsets[session[0].partition].update(run.offset for run in session)
        keep = min(len(rest), chance.randrange(0, carry.limit + 1))
        if start + 25 >= len(records):
            keep = 0  # the last batch: nothing newer waits
        applying, carried = rest[: len(rest) - keep], rest[len(rest) - keep :]
        await service.apply([e for run in applying for e in run], saved.get, saved.__setitem__)
        for run in applying:
            applied_offsets[run.partition].add(run.offset)
        carry.carry(carried)
        carried_at_all += len(carried)
        await service.publish_scored()
        for partition, (through, sends) in carry.applied(sends=[f"batch-{batch_number}"]).items():
            assert through > reported.get(partition, -1)
            assert set(range(through + 1)) <= applied_offsets[partition], "an offset reported before its record was applied"
            assert f"batch-{batch_number}" in sends
            reported[partition] = through
    await service.flush()
    assert carried_at_all > 50, "the test carried records over"
    assert saved == expected_states
    assert {key: await store.get("s", key) for key in saved} == expected_profiles
    assert reported == {p: max(applied_offsets[p]) for p in range(PARTITIONS)}, "every offset is reported in the end"


def test_an_offset_waits_for_the_sends_of_every_batch_that_applied_part_of_the_way_to_it() -> None:
    def run(session: str, offset: int) -> RecordRun:
        return RecordRun([Event(session_id=session, type="page_view")], partition=0, offset=offset)

    carry: CarryOver[int] = CarryOver(limit=5)
    urgent, rest = carry.schedule([run("a", 0), run("b", 1)])
    carry.carry(rest[:1])  # a carried, b applied
    assert carry.applied(sends=["first"]) == {}
    assert carry.holds("a") and not carry.holds("b")
    carry.schedule([run("c", 2)])
    assert carry.applied(sends=["second"]) == {0: (2, ["first", "second"])}


def test_no_more_than_the_limit_is_carried() -> None:
    carry: CarryOver[int] = CarryOver(limit=1)
    runs = [RecordRun([Event(session_id=s, type="page_view")], partition=0, offset=i)
            for i, s in enumerate("ab")]
    with pytest.raises(ValueError, match="more than the limit"):
        carry.carry(runs)


def test_a_partition_that_leaves_takes_its_carried_records_and_its_count_with_it() -> None:
    def run(session: str, partition: int, offset: int) -> RecordRun:
        return RecordRun([Event(session_id=session, type="page_view")],
                         partition=partition, offset=offset)

    carry: CarryOver[int] = CarryOver(limit=5)
    urgent, rest = carry.schedule([run("a", 0, 40), run("b", 1, 7)])
    carry.carry(rest)
    carry.forget([0])
    assert len(carry) == 1 and not carry.holds("a")
    # The partition comes back from its committed offset: counted afresh, not against 40.
    urgent, rest = carry.schedule([run("a", 0, 38)])
    assert [r.offset for r in rest] == [7, 38]
    assert carry.applied(sends=[])[0] == (38, [])
