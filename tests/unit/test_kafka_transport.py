"""The worker's Kafka transport: Faust finds it, and its consumer does not park fetches for 1.5 s."""

from __future__ import annotations

import asyncio
import doctest

import stream.kafka_transport
from cartcoach.settings import Settings
from stream.faust_app import create_stream_app
from stream.kafka_transport import FETCH_MAX_WAIT_MS, Transport


def test_doctests_pass() -> None:
    result = doctest.testmod(stream.kafka_transport)
    assert result.attempted and not result.failed


def test_the_worker_consumer_asks_the_broker_to_wait_at_most_50_ms_for_an_empty_fetch() -> None:
    async def consumer_fetch_wait() -> tuple[type, int]:
        settings = Settings(kafka_bootstrap_servers="127.0.0.1:9", redis_url="redis://127.0.0.1:9/0")
        app = create_stream_app(settings)
        consumer = app.consumer._thread._create_worker_consumer(app.transport)  # not started: no I/O
        try:
            return type(app.transport), consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    transport, wait_ms = asyncio.run(consumer_fetch_wait())
    assert transport is Transport  # resolved through the faust.transports entry point
    assert wait_ms == FETCH_MAX_WAIT_MS == 50


def test_a_delivery_that_waits_is_finished_as_a_task_would_finish_it() -> None:
    """The fetch loop steps a delivery once by hand; one that waits then finishes under a task."""
    from stream.kafka_transport import _finish

    async def scenario() -> tuple[list[str], bool]:
        loop = asyncio.get_running_loop()
        gate, stuck = loop.create_future(), loop.create_future()
        seen: list[str] = []

        async def delivery(until: asyncio.Future) -> None:
            seen.append("started")
            seen.append(await until)

        first = delivery(gate)
        task = asyncio.ensure_future(_finish(first, first.send(None)))
        loop.call_later(0.01, gate.set_result, "delivered")
        await task
        second = delivery(stuck)
        waiting = asyncio.ensure_future(_finish(second, second.send(None)))
        await asyncio.sleep(0.01)
        waiting.cancel()  # what wait_first does when a rebalance cuts in
        await asyncio.gather(waiting, return_exceptions=True)
        return seen, waiting.cancelled() and stuck.cancelled()

    assert asyncio.run(scenario()) == (["started", "delivered", "started"], True)


class _PartitionRecords:
    """Stands in for aiokafka's PartitionRecords: offsets, and where the next fetch starts."""

    def __init__(self, offsets: list[int]) -> None:
        self._offsets = offsets
        self.next_fetch_offset = offsets[0]

    def __iter__(self) -> "_PartitionRecords":
        return self

    def __next__(self) -> int:
        if not self._offsets:
            raise StopIteration
        offset = self._offsets.pop(0)
        self.next_fetch_offset = offset + 1
        return offset


class _Subscriptions:
    reassignment_in_progress = False

    def __init__(self, assignment: object) -> None:
        self.assignment = assignment

    def is_assigned(self, tp: object) -> bool:
        return True


class _Fetcher:
    """What aiokafka's ``Fetcher.fetched_records`` reads of its fetcher, and nothing else."""

    _closed = False
    _wait_consume_future = None

    def __init__(self, subscriptions: _Subscriptions, records: dict) -> None:
        self._subscriptions = subscriptions
        self._records = records

    def _notify(self, future: object) -> None:
        pass

    def _create_fetch_waiter(self) -> asyncio.Future:
        return asyncio.get_running_loop().create_future()


def test_a_fetch_asked_before_a_rebalance_takes_no_changelog_record_recovery_needs_after_it() -> None:
    """The race behind a table recovery that waited forever (see AskedUnder): a fetch asked
    while events-0 was active is answered after the reassignment, once Faust has paused every
    partition (its active set is empty) and recovery has sought the changelog back to 0."""
    from aiokafka.consumer.fetcher import FetchResult, Fetcher
    from aiokafka.consumer.subscription_state import Assignment
    from aiokafka.structs import TopicPartition

    from stream.kafka_transport import AskedUnder

    events, changelog = TopicPartition("events", 0), TopicPartition("sessions-changelog", 0)

    async def answer(asked_as: str) -> tuple[dict, int]:
        before = Assignment({events, changelog})
        active = {events}  # Faust's live set of active partitions
        subscriptions = _Subscriptions(before)
        asked = active if asked_as == "faust" else AskedUnder(active, lambda: subscriptions.assignment)
        after = subscriptions.assignment = Assignment({events, changelog})  # the rebalance
        active.clear()  # Faust pauses every partition until recovery resumes the changelog
        after.state_value(changelog).seek(0)  # recovery reads the changelog from its start
        records = {changelog: FetchResult(changelog, assignment=after, backoff=0,
                                          partition_records=_PartitionRecords([0, 1, 2]))}
        fetched = await Fetcher.fetched_records(_Fetcher(subscriptions, records), asked, timeout=0)
        return fetched, after.state_value(changelog).position

    fetched, position = asyncio.run(answer("faust"))  # Faust's own fetch: the records are gone
    assert fetched == {changelog: [0, 1, 2]} and position == 3
    fetched, position = asyncio.run(answer("asked under"))  # the worker's: they wait for recovery
    assert fetched == {} and position == 0
