"""The worker's batches: full under a backlog even when the process is starved, prompt without one.

A Faust stream over an in-memory channel (no broker), whose records reach the batch
through a processor that takes 1 ms each: a worker that gets little of a core.
"""

from __future__ import annotations

import asyncio
import time

import faust
from faust.types.tuples import Message

from stream.batching import take_batches

WITHIN_S = 0.01


async def _stream_with_queued(records: int) -> faust.StreamT:
    app = faust.App("test-batching", broker="kafka://127.0.0.1:9", web_enabled=False,
                    key_serializer="raw", value_serializer="raw")
    app.flow_control.resume()
    channel = app.channel(key_type=bytes, value_type=bytes, maxsize=records + 1).clone(is_iterator=True)
    for offset in range(records):  # as the consumer delivers fetched records
        await channel.deliver(Message("events", 0, offset, time.time(), 0, [], b"session", b"batch-%d" % offset,
                                      None, generation_id=app.consumer_generation_id))
    stream = app.stream(channel)
    stream.add_processor(lambda value: (time.sleep(0.001), value)[1])  # a starved process: 1 ms a record
    return stream


async def _batch_sizes(batches, total: int) -> list[int]:
    sizes: list[int] = []
    async for batch in batches:
        sizes.append(len(batch))
        if sum(sizes) >= total:
            return sizes
    return sizes


async def test_a_backlog_fills_whole_batches_however_slowly_records_reach_them() -> None:
    stream = await _stream_with_queued(600)
    sizes = await asyncio.wait_for(_batch_sizes(take_batches(stream, 300, WITHIN_S), 600), 60)
    assert sizes == [300, 300]


async def test_faust_take_events_cuts_the_same_backlog_into_small_batches() -> None:
    """What take_batches replaces: 10 ms of wall time holds about 10 records at 1 ms each."""
    stream = await _stream_with_queued(600)
    sizes = await asyncio.wait_for(_batch_sizes(stream.take_events(300, WITHIN_S), 600), 60)
    assert max(sizes) < 300 and len(sizes) > 2


async def test_with_nothing_more_fetched_a_batch_goes_without_waiting_to_fill() -> None:
    stream = await _stream_with_queued(3)
    batches = take_batches(stream, 500, WITHIN_S)
    first = await asyncio.wait_for(batches.__anext__(), 30)
    assert [event.message.offset for event in first] == [0, 1, 2]
    await batches.aclose()
