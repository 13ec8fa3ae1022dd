"""Model checkpoints in Redis: one lineage, newer sequence numbers only.

The learner saves ``(seq, blob)`` where ``seq`` counts the labels the lineage has
learned; a save with a ``seq`` not above the stored one is refused atomically (a Lua
script), so a slow or stale learner can never roll the model back. Serving workers
poll the sequence number (cheap) and fetch the blob only when it grew. Blobs are
signed by ``scorer.persistence``; a worker loads only what a key-holder wrote.
"""

from __future__ import annotations

import redis.asyncio as aioredis

_SAVE_IF_NEWER = """
local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'blob', ARGV[2])
  return 1
end
return 0
"""


class RedisCheckpoints:
    def __init__(self, client: aioredis.Redis, key: str) -> None:
        self._redis = client
        self._key = key
        self._save_if_newer = client.register_script(_SAVE_IF_NEWER)

    async def save(self, seq: int, blob: bytes) -> bool:
        """Store the checkpoint if ``seq`` is newer than the stored one; True if stored."""
        return bool(await self._save_if_newer(keys=[self._key], args=[seq, blob]))

    async def latest_seq(self) -> int:
        """-1 when there is no checkpoint yet."""
        seq = await self._redis.hget(self._key, "seq")
        return -1 if seq is None else int(seq)

    async def load(self) -> tuple[int, bytes] | None:
        seq, blob = await self._redis.hmget(self._key, ["seq", "blob"])
        return None if seq is None or blob is None else (int(seq), blob)
