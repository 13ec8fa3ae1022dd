"""Records handed to aiokafka as whole record batches, one per partition, not one send per record.

A send per record costs the worker about as much as applying an event: aiokafka
makes a future and a metadata object and logs a debug line per message, and Faust's
topic send wraps that in its own future, callbacks and sensors. Appending a record to
an aiokafka record batch costs a few microseconds, and the broker acknowledges the
batch as a whole. The collector's sink, the worker's changelog writes and its
profile announcements all send this way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

#: The largest record batch to build (under the broker's 1 MiB message limit). aiokafka's
#: 16 KiB default cuts a full round into many batches, and a partition's next batch waits
#: for the request before it (one produce request in flight per broker).
MAX_BATCH_BYTES = 512 * 1024

#: A record: key, value (None: a tombstone), timestamp in ms (None: now).
Record = tuple[bytes, bytes | None, int | None]


@dataclass(frozen=True, slots=True)
class SentBatch:
    """One record batch on its way: acknowledged when ``ack`` is done."""

    partition: int
    records: int
    #: Resolves to the batch's :class:`aiokafka.structs.RecordMetadata` (its first offset).
    ack: asyncio.Future


async def send_in_batches(
    producer: AIOKafkaProducer,
    topic: str,
    by_partition: Mapping[int, Sequence[Record]],
    headers: Sequence[tuple[str, bytes]] = (),
) -> list[SentBatch]:
    """Queue each partition's records, in order, as as few record batches as fit."""
    header_list = list(headers)  # aiokafka's C batch builder takes a list only
    sent: list[SentBatch] = []
    for partition, records in by_partition.items():
        batch, count = producer.create_batch(), 0
        for key, value, timestamp in records:
            if batch.append(key=key, value=value, timestamp=timestamp, headers=header_list) is None:
                batch.close()
                sent.append(SentBatch(partition, count, await producer.send_batch(batch, topic, partition=partition)))
                batch, count = producer.create_batch(), 0
                batch.append(key=key, value=value, timestamp=timestamp, headers=header_list)  # a lone record always fits
            count += 1
        batch.close()
        sent.append(SentBatch(partition, count, await producer.send_batch(batch, topic, partition=partition)))
    return sent
