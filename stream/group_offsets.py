"""Where a consumer group starts reading a partition: its committed offset, else the log's start.

Also how far that is from the log's end: the group's lag (:mod:`stream.metrics`).

The worker needs this for each partition it is assigned (see
:mod:`stream.offset_continuity`). Faust keeps its own copy of the committed offsets,
but fills it in only when it seeks after recovery, and the first records of the
assignment may reach the agent before that; and its consumer answers such questions
only between two fetches. So the worker asks the
broker with clients of its own: an admin client for the group's offsets, and a
consumer outside any group for the log's start. On a fresh cluster the group's
coordinator takes a moment to appear; retriable errors are tried again for a few
seconds.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

#: Tries of a retriable broker error, and the pause between them.
ATTEMPTS, PAUSE_S = 10, 0.5


class GroupOffsets:
    """Start offsets for one consumer group; the clients start on first use (they need a loop)."""

    def __init__(self, bootstrap_servers: str, group_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers.split(",")
        self._group_id = group_id
        self._admin: AIOKafkaAdminClient | None = None
        self._reader: AIOKafkaConsumer | None = None

    async def start_offset(self, topic: str, partition: int) -> int:
        """The next offset the group reads: the committed one, or the log's start if none."""
        tp = TopicPartition(topic, partition)
        return (await self._start_offsets([tp]))[tp]

    async def lag(self, topic: str, partitions: list[int]) -> dict[int, int]:
        """Per partition, how many records lie between where the group starts reading and the log's end."""
        if not partitions:
            return {}
        tps = [TopicPartition(topic, p) for p in partitions]
        starts = await self._start_offsets(tps)
        assert self._reader is not None
        ends = await self._reader.end_offsets(tps)
        return {tp.partition: max(0, ends[tp] - starts[tp]) for tp in tps}

    async def _start_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        if self._admin is None or self._reader is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers)
            reader = AIOKafkaConsumer(bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False)
            await admin.start()
            try:
                await reader.start()
            except BaseException:
                await admin.close()
                raise
            self._admin, self._reader = admin, reader
        committed = await self._committed(tps)
        starts = {tp: c.offset for tp, c in committed.items() if c is not None and c.offset >= 0}
        never = [tp for tp in tps if tp not in starts]
        if never:
            starts.update(await self._reader.beginning_offsets(never))
        return starts

    async def _committed(self, partitions: list[TopicPartition]) -> dict[TopicPartition, OffsetAndMetadata]:
        assert self._admin is not None
        attempt = 1
        while True:
            try:
                return await self._admin.list_consumer_group_offsets(self._group_id, partitions=partitions)
            except KafkaError as exc:
                if not exc.retriable or attempt == ATTEMPTS:
                    raise
            attempt += 1
            await asyncio.sleep(PAUSE_S)

    async def close(self) -> None:
        if self._admin is not None and self._reader is not None:
            await self._admin.close()
            await self._reader.stop()
            self._admin = self._reader = None
