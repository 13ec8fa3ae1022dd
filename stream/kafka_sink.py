"""The production event sink: aiokafka producing to the ``events`` topic.

acks=all with the idempotent producer, keyed by session id so one session's events
stay in order on one partition (and so on one stream worker). Each session's events
of a publication become one record (:mod:`stream.event_records`): a tracker batch is
one record, not one per event, because the worker pays per record. Publications
that arrive within ``linger_s`` of each other are sent together: one record per
session (several tracker batches of one session, say a page's last beacons, become
one) and one record batch per partition; each request is answered once its round is
acknowledged. Rounds go to the producer one after another: aiokafka keeps one produce
request in flight per broker and takes one record batch per partition into it, so a
round waits for the one before it to be taken, and while it waits it keeps gathering.
A slow broker thus gets fewer, fuller rounds, not a queue of 2 ms rounds that each
wait a round trip (which used to grow until requests timed out). The producer is started lazily, so the API keeps running through a
broker outage and recovers without a restart.

During an outage each request would wait the full timeout; instead, after a failed
publish the sink answers "unavailable" at once for ``cooldown_s`` (the Retry-After
the collector sends), then tries the broker again.

A 503 means "not stored": the idempotent producer would otherwise keep retrying an
unacknowledged batch forever and deliver it when the broker returns, next to the
snippet's own retry. So after a failed publish the producer is abandoned (its
pending batches are dropped unsent) and a fresh one is connected on the next try.
Duplicates can still arise in the rare case where the broker stored a batch but its
acknowledgement was lost; the session reducer applies each event id once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from scorer.events import CollectedEvent
from stream.event_records import MAX_EVENTS_PER_RECORD, encode_events
from stream.event_sink import SinkUnavailable
from stream.metrics import PRODUCE_SECONDS
from stream.record_batches import MAX_BATCH_BYTES, Record, send_in_batches
from stream.topics import ensure_topics

log = logging.getLogger(__name__)


@dataclass
class _Round:
    """Publications gathered within one linger, sent together: per session key, its records."""

    producer: AIOKafkaProducer
    acked: asyncio.Future[None]
    records: dict[bytes, list[list[CollectedEvent]]] = field(default_factory=dict)
    #: The linger is over: sent as soon as the round before it is in the producer's hands.
    lingered: bool = False


def _retrieve(acked: asyncio.Future[None]) -> None:
    """Mark a round's failure as seen even when every request of it timed out first."""
    if not acked.cancelled():
        acked.exception()


class KafkaEventSink:
    """Publishes collected events to Kafka and answers only after the broker's ack."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        *,
        partitions: int = 4,
        timeout_s: float = 5.0,
        cooldown_s: float = 5.0,
        linger_s: float = 0.002,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topic = topic
        self._partitions = partitions
        self._timeout_s = timeout_s
        self._cooldown_s = cooldown_s
        self._unavailable_until = 0.0
        self._producer: AIOKafkaProducer | None = None
        self._connecting = asyncio.Lock()
        self._partitioner = DefaultPartitioner()
        self._linger_s = linger_s
        #: The round of publications gathering now, sent ``linger_s`` after it opened.
        self._gathering: _Round | None = None
        #: A round is being handed to the producer (waiting for the one before it to be taken).
        self._handing_over = False
        self._sending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            await self._connected()
        except SinkUnavailable as exc:
            log.warning("Kafka not reachable at start-up, will retry on demand: %s", exc)

    async def stop(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def _connected(self) -> AIOKafkaProducer:
        if self._producer is not None:
            return self._producer
        async with self._connecting:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap_servers,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=2,
                    max_batch_size=MAX_BATCH_BYTES,
                    request_timeout_ms=int(self._timeout_s * 1000),
                    client_id="cartcoach-collector",
                )
                try:
                    async with asyncio.timeout(self._timeout_s):
                        await producer.start()
                        await ensure_topics(self._bootstrap_servers, {self._topic: self._partitions})
                except (KafkaError, OSError, TimeoutError) as exc:
                    await producer.stop()
                    raise SinkUnavailable(f"cannot connect to Kafka: {exc!r}") from None
                self._producer = producer
        return self._producer

    async def publish(self, events: Sequence[CollectedEvent]) -> None:
        if time.monotonic() < self._unavailable_until:
            raise SinkUnavailable("Kafka failed recently; cooling down before trying again")
        started = time.perf_counter()
        try:
            producer = await self._connected()
            async with asyncio.timeout(self._timeout_s):
                await asyncio.shield(self._join_round(producer, events))
            PRODUCE_SECONDS.labels("acked").observe(time.perf_counter() - started)
        except (SinkUnavailable, KafkaError, OSError, TimeoutError) as exc:
            PRODUCE_SECONDS.labels("failed").observe(time.perf_counter() - started)
            self._unavailable_until = time.monotonic() + self._cooldown_s
            await self._abandon_producer()
            raise SinkUnavailable(f"Kafka did not acknowledge the batch: {exc!r}") from None

    def _join_round(self, producer: AIOKafkaProducer, events: Sequence[CollectedEvent]) -> asyncio.Future[None]:
        """Add the events to the round being gathered (opening one if none is); returns its ack.

        A session's events join its record in the round (up to
        :data:`~stream.event_records.MAX_EVENTS_PER_RECORD`), after those already there.
        """
        gathering = self._gathering
        if gathering is not None and gathering.producer is not producer and gathering.lingered:
            self._start_sending(gathering)  # an abandoned producer's round: it fails at once
        if gathering is None or gathering.producer is not producer:
            gathering = self._gathering = _Round(producer, asyncio.get_running_loop().create_future())
            gathering.acked.add_done_callback(_retrieve)
            asyncio.get_running_loop().call_later(self._linger_s, self._send_soon, gathering)
        for event in events:
            records = gathering.records.setdefault(event.session_id.encode(), [[]])
            if len(records[-1]) == MAX_EVENTS_PER_RECORD:
                records.append([])
            records[-1].append(event)
        return gathering.acked

    def _send_soon(self, gathering: _Round) -> None:
        """The linger is over: send the round, or let it gather on until the round before
        it is in the producer's hands."""
        gathering.lingered = True
        if not self._handing_over or gathering.producer is not self._producer:
            self._start_sending(gathering)

    def _start_sending(self, gathering: _Round) -> None:
        if self._gathering is gathering:
            self._gathering = None
        self._handing_over = True
        task = asyncio.ensure_future(self._send_round(gathering))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def _handed_over(self) -> None:
        """The round is in the producer's hands: the next one, if its linger is over, goes now."""
        self._handing_over = False
        waiting = self._gathering
        if waiting is not None and waiting.lingered:
            self._start_sending(waiting)

    async def _send_round(self, gathering: _Round) -> None:
        """One record per session of the round, as one record batch per partition."""
        try:
            async with asyncio.timeout(self._timeout_s):  # an abandoned producer never answers
                try:
                    acks = await self._send_records(gathering)
                finally:
                    self._handed_over()
                await asyncio.gather(*acks)
        except Exception as exc:  # every request of the round learns why, then answers 503
            gathering.acked.set_exception(exc)
        except asyncio.CancelledError:
            gathering.acked.cancel()
            raise
        else:
            gathering.acked.set_result(None)

    async def _send_records(self, gathering: _Round) -> list[asyncio.Future]:
        """Hand the round to the producer; returns its batches' acknowledgements."""
        producer = gathering.producer
        partitions = sorted(await producer.partitions_for(self._topic))
        by_partition: dict[int, list[Record]] = {}
        for key, records in gathering.records.items():
            partition = self._partitioner(key, partitions, partitions)
            for events in records:
                by_partition.setdefault(partition, []).append((key, encode_events(events), events[-1].received_at))
        return [sent.ack for sent in await send_in_batches(producer, self._topic, by_partition)]

    async def _abandon_producer(self) -> None:
        """Drop the producer without flushing, so no batch we refused is sent later.

        ``AIOKafkaProducer.stop()`` flushes pending batches first, which never ends
        while the broker is down; stopping its sender task first skips the flush.
        This reaches into aiokafka's sender (pinned to 0.14.x; the outage
        integration test fails if this stops working).
        """
        producer, self._producer = self._producer, None
        if producer is None:
            return
        sender_task = producer._sender.sender_task
        if sender_task is not None:
            sender_task.cancel()
        await producer.stop()

    async def ready(self) -> bool:
        try:
            producer = await self._connected()
            async with asyncio.timeout(min(2.0, self._timeout_s)):
                return await producer.client.fetch_all_metadata() is not None
        except (SinkUnavailable, KafkaError, OSError, TimeoutError):
            return False
