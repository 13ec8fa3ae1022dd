"""Where the latest abandonment profile of each session lives for the overlay to read.

Two implementations behind one protocol: :class:`RedisProfileStore` for the full path
(written by the stream worker, read by any API instance, expiring after a TTL) and
:class:`MemoryProfileStore` for the embedded default. Every put is also announced on
a per-store channel so live views (the dashboard, ``cartcoach watch``) can follow.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Protocol

import msgspec
import redis.asyncio as aioredis

from scorer.profile import AbandonmentProfile

_decode = msgspec.json.Decoder(AbandonmentProfile).decode
_encode = msgspec.json.Encoder().encode


def profile_key(store_id: str, session_id: str) -> str:
    return f"cartcoach:profile:{store_id}:{session_id}"


def profile_channel(store_id: str) -> str:
    return f"cartcoach:profiles:{store_id}"


class ProfileStore(Protocol):
    async def put(self, profile: AbandonmentProfile) -> None:
        """Store the session's latest profile and announce it."""

    async def get(self, store_id: str, session_id: str) -> AbandonmentProfile | None:
        """The session's latest profile, or None if unknown or expired."""

    def follow(self, store_id: str) -> AsyncIterator[AbandonmentProfile]:
        """Profiles of ``store_id`` as they are put, from now on."""

    async def close(self) -> None: ...


class MemoryProfileStore:
    """In-process store for the embedded default; keeps the newest ``capacity`` sessions."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._profiles: OrderedDict[tuple[str, str], AbandonmentProfile] = OrderedDict()
        self._capacity = capacity
        self._followers: dict[str, set[asyncio.Queue[AbandonmentProfile]]] = {}

    async def put(self, profile: AbandonmentProfile) -> None:
        key = (profile.store_id, profile.session_id)
        self._profiles[key] = profile
        self._profiles.move_to_end(key)
        while len(self._profiles) > self._capacity:
            self._profiles.popitem(last=False)
        for queue in self._followers.get(profile.store_id, ()):
            if not queue.full():
                queue.put_nowait(profile)

    async def get(self, store_id: str, session_id: str) -> AbandonmentProfile | None:
        return self._profiles.get((store_id, session_id))

    async def follow(self, store_id: str) -> AsyncIterator[AbandonmentProfile]:
        queue: asyncio.Queue[AbandonmentProfile] = asyncio.Queue(maxsize=1000)
        self._followers.setdefault(store_id, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._followers[store_id].discard(queue)

    async def close(self) -> None:
        return None


class RedisProfileStore:
    """Profiles as JSON strings with a TTL, announced with PUBLISH on a per-store channel."""

    def __init__(self, client: aioredis.Redis, ttl_s: int) -> None:
        self._redis = client
        self._ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, ttl_s: int) -> RedisProfileStore:
        return cls(aioredis.from_url(url), ttl_s)

    async def put(self, profile: AbandonmentProfile) -> None:
        data = _encode(profile)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(profile_key(profile.store_id, profile.session_id), data, ex=self._ttl_s)
            pipe.publish(profile_channel(profile.store_id), data)
            await pipe.execute()

    async def get(self, store_id: str, session_id: str) -> AbandonmentProfile | None:
        data = await self._redis.get(profile_key(store_id, session_id))
        return None if data is None else _decode(data)

    async def follow(self, store_id: str) -> AsyncIterator[AbandonmentProfile]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(profile_channel(store_id))
        try:
            async for message in pubsub.listen():
                if message["type"] == "message":
                    yield _decode(message["data"])
        finally:
            await pubsub.aclose()

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()
