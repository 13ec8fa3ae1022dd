"""The collector's sink under a slow broker: rounds that wait keep gathering."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka.partitioner import DefaultPartitioner

from scorer.events import CollectedEvent
from stream.kafka_sink import KafkaEventSink

PARTITIONS = [0, 1, 2, 3]


@dataclass
class _Batch:
    records: list[bytes] = field(default_factory=list)

    def append(self, *, key: bytes, value: bytes, timestamp: int | None, headers: list) -> object:
        self.records.append(key)
        return object()

    def close(self) -> None:
        pass


class OneRequestInFlight:
    """Stand-in for aiokafka's producer talking to one broker, as its accumulator and
    sender behave: a partition holds one batch waiting to be sent, and a batch handed
    to a partition whose waiting batch is not yet taken waits for it (``wait_drain``);
    one produce request is in flight at a time. The test plays the sender: ``take``
    puts every waiting batch into a request, ``answer`` acknowledges it."""

    def __init__(self) -> None:
        self.waiting: dict[int, tuple[_Batch, asyncio.Future, asyncio.Event]] = {}
        self.requests: list[list[_Batch]] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return set(PARTITIONS)

    def create_batch(self) -> _Batch:
        return _Batch()

    async def send_batch(self, batch: _Batch, topic: str, *, partition: int) -> asyncio.Future:
        while partition in self.waiting:
            await self.waiting[partition][2].wait()
        ack = asyncio.get_running_loop().create_future()
        self.waiting[partition] = (batch, ack, asyncio.Event())
        return ack

    def take(self) -> list[asyncio.Future]:
        taken, self.waiting = self.waiting, {}
        self.requests.append([batch for batch, _, _ in taken.values()])
        for _, _, drained in taken.values():
            drained.set()
        return [ack for _, ack, _ in taken.values()]


def _sessions_on_one_partition(n: int) -> list[str]:
    partitioner, found, i = DefaultPartitioner(), [], 0
    while len(found) < n:
        session = f"s{i}"
        if partitioner(session.encode(), PARTITIONS, PARTITIONS) == 0:
            found.append(session)
        i += 1
    return found


def _event(session: str) -> CollectedEvent:
    return CollectedEvent(id=f"e-{session}", store_id="st", session_id=session, visitor_id="v", type="page_view",
                          at=1, received_at=1, ts=1)


async def test_batches_that_arrive_while_the_broker_is_slow_go_in_one_request_not_one_each() -> None:
    producer = OneRequestInFlight()
    sink = KafkaEventSink("unused:9092", "events")
    sink._producer = producer  # type: ignore[assignment]
    first, *later = _sessions_on_one_partition(21)

    publishing = [asyncio.create_task(sink.publish([_event(first)]))]
    while not producer.waiting:
        await asyncio.sleep(0.001)
    in_flight = producer.take()  # the broker is slow to answer this request
    for session in later:  # twenty requests to the collector, each after the linger is over
        publishing.append(asyncio.create_task(sink.publish([_event(session)])))
        await asyncio.sleep(0.005)
    for ack in in_flight:
        ack.set_result(None)
    while not all(task.done() for task in publishing):
        if producer.waiting:
            for ack in producer.take():
                ack.set_result(None)
        await asyncio.sleep(0.001)

    await asyncio.gather(*publishing)  # every batch acknowledged: 202 for each
    assert sum(len(batch.records) for request in producer.requests for batch in request) == 21
    # The request in flight, the batch waiting in the producer, the round waiting to be
    # handed over, and the one that gathered all the rest meanwhile: not a request per
    # 2 ms round, each a round trip behind the one before (21 before this was fixed).
    assert len(producer.requests) <= 4
