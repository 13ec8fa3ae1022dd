"""What the worker may commit: only offsets whose session state reached the changelog."""

from __future__ import annotations

import asyncio
import doctest

import stream.durable_offsets
from stream.durable_offsets import DurableOffsets


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(stream.durable_offsets)
    assert result.failed == 0 and result.attempted > 0


async def test_an_offset_is_committable_only_when_every_send_of_its_batch_is_acknowledged() -> None:
    loop = asyncio.get_running_loop()
    offsets: DurableOffsets[str] = DurableOffsets()
    a, b = loop.create_future(), loop.create_future()
    offsets.processed("p0", 4, [a, b])
    offsets.processed("p1", 9, [])
    assert offsets.committable() == {"p1": 10}
    a.set_result(None)
    assert offsets.committable() == {}
    b.set_result(None)
    assert offsets.committable() == {"p0": 5}
    assert offsets.committable() == {}  # reported once


async def test_a_failed_send_holds_its_partition_back_but_not_the_others() -> None:
    loop = asyncio.get_running_loop()
    offsets: DurableOffsets[str] = DurableOffsets()
    failed, fine = loop.create_future(), loop.create_future()
    failed.set_exception(RuntimeError("broker said no"))
    fine.set_result(None)
    offsets.processed("p0", 1, [failed])
    offsets.processed("p0", 2, [fine])
    offsets.processed("p1", 7, [fine])
    assert offsets.committable() == {"p1": 8}
    assert offsets.committable(["p0"]) == {}


async def test_a_seek_back_drops_what_will_be_processed_again() -> None:
    loop = asyncio.get_running_loop()
    offsets: DurableOffsets[str] = DurableOffsets()
    never = loop.create_future()
    offsets.processed("p0", 10, [never])
    offsets.processed("p0", 20, [never])
    offsets.processed("p0", 12, [])  # the consumer was sought back to 11
    assert offsets.committable() == {}  # 10 still waits
    never.set_result(None)
    assert offsets.committable() == {"p0": 13}


async def test_settled_waits_for_the_sends_and_forget_drops_a_partition() -> None:
    loop = asyncio.get_running_loop()
    offsets: DurableOffsets[str] = DurableOffsets()
    slow = loop.create_future()
    offsets.processed("p0", 3, [slow])
    offsets.processed("p1", 5, [loop.create_future()])
    loop.call_later(0.01, slow.set_result, None)
    await asyncio.wait_for(offsets.settled(["p0"]), timeout=5)
    assert offsets.committable(["p0"]) == {"p0": 4}
    offsets.forget(["p1"])
    assert offsets.committable() == {}
