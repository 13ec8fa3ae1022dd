"""The production event sink: aiokafka producing to the ``events`` topic.

acks=all with the idempotent producer, keyed by session id so one session's events
stay in order on one partition (and so on one stream worker). The producer is
started lazily, so the API keeps running through a broker outage and recovers
without a restart.

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

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from scorer.events import CollectedEvent, encode_event
from stream.event_sink import SinkUnavailable
from stream.metrics import PRODUCE_SECONDS
from stream.topics import ensure_topics

log = logging.getLogger(__name__)


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

    async def start(self) -> None:
        try:
            await self._connected()
        except SinkUnavailable as exc:
            log.warning("Kafka not reachable at start-up, will retry on demand: %s", exc)

    async def stop(self) -> None:
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
                await asyncio.gather(*await self._send_batches(producer, events))
            PRODUCE_SECONDS.labels("acked").observe(time.perf_counter() - started)
        except (SinkUnavailable, KafkaError, OSError, TimeoutError) as exc:
            PRODUCE_SECONDS.labels("failed").observe(time.perf_counter() - started)
            self._unavailable_until = time.monotonic() + self._cooldown_s
            await self._abandon_producer()
            raise SinkUnavailable(f"Kafka did not acknowledge the batch: {exc!r}") from None

    async def _send_batches(
        self, producer: AIOKafkaProducer, events: Sequence[CollectedEvent]
    ) -> list[asyncio.Future]:
        """Queue the events as whole record batches, one future per batch, not per event.

        A collected batch is one session's, so it has one key and one partition; handing
        aiokafka ready-made batches avoids its per-message bookkeeping on the hot path.
        """
        key = events[0].session_id.encode()
        partitions = sorted(await producer.partitions_for(self._topic))
        partition = self._partitioner(key, partitions, partitions)
        acks: list[asyncio.Future] = []
        batch = producer.create_batch()
        for event in events:
            value = encode_event(event)
            if batch.append(key=key, value=value, timestamp=event.received_at) is None:
                batch.close()
                acks.append(await producer.send_batch(batch, self._topic, partition=partition))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=event.received_at)
        batch.close()
        acks.append(await producer.send_batch(batch, self._topic, partition=partition))
        return acks

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
