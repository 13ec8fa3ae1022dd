"""Where the latest abandonment profile of each session lives for the overlay to read.

Two implementations behind one protocol: :class:`RedisProfileStore` for the full path
(written by the stream worker, read by any API instance, expiring after a TTL) and
:class:`MemoryProfileStore` for the embedded default. Every put is also announced on
a per-store channel so live views (the dashboard, ``cartcoach watch``) can follow.

Puts are monotonic: a profile that reflects fewer events than the stored one is
dropped. A debounce flush racing the next event, a worker that just lost the
session's partition, or a replay after a crash can therefore never roll a
session's profile back.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
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
    async def put(self, profile: AbandonmentProfile) -> bool:
        """Store and announce the profile unless a newer one is stored; True if stored."""

    async def put_many(self, profiles: Sequence[AbandonmentProfile]) -> list[bool]:
        """:meth:`put` for each, in one round trip where the store allows."""

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

    async def put(self, profile: AbandonmentProfile) -> bool:
        key = (profile.store_id, profile.session_id)
        stored = self._profiles.get(key)
        if stored is not None and stored.events_seen > profile.events_seen:
            return False
        self._profiles[key] = profile
        self._profiles.move_to_end(key)
        while len(self._profiles) > self._capacity:
            self._profiles.popitem(last=False)
        for queue in self._followers.get(profile.store_id, ()):
            if not queue.full():
                queue.put_nowait(profile)
        return True

    async def put_many(self, profiles: Sequence[AbandonmentProfile]) -> list[bool]:
        return [await self.put(profile) for profile in profiles]

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


#: KEYS: profile key, channel, per profile; ARGV: the TTL, then events seen and the
#: profile JSON per profile. Returns 1 per profile stored, 0 per profile refused.
_PUT_IF_NOT_OLDER = """
local ttl = ARGV[1]
local stored = {}
for i = 1, #KEYS, 2 do
  local seen, profile = tonumber(ARGV[i + 1]), ARGV[i + 2]
  if seen < tonumber(redis.call('HGET', KEYS[i], 'seen') or '-1') then
    stored[#stored + 1] = 0
  else
    redis.call('HSET', KEYS[i], 'seen', seen, 'profile', profile)
    redis.call('EXPIRE', KEYS[i], ttl)
    redis.call('PUBLISH', KEYS[i + 1], profile)
    stored[#stored + 1] = 1
  end
end
return stored
"""

#: Profiles per script call: one command for many (redis-py packs each command in
#: Python), without holding Redis for long.
PUT_CHUNK = 200


class RedisProfileStore:
    """Profiles in a hash (``seen``, ``profile`` JSON) with a TTL; announced with PUBLISH.

    The compare-and-set runs as one Lua script, atomic in Redis, for up to
    :data:`PUT_CHUNK` profiles a call.
    """

    def __init__(self, client: aioredis.Redis, ttl_s: int) -> None:
        self._redis = client
        self._ttl_s = ttl_s
        self._put_if_not_older = client.register_script(_PUT_IF_NOT_OLDER)

    @classmethod
    def from_url(cls, url: str, ttl_s: int) -> RedisProfileStore:
        return cls(aioredis.from_url(url), ttl_s)

    async def put(self, profile: AbandonmentProfile) -> bool:
        return (await self.put_many([profile]))[0]

    async def put_many(self, profiles: Sequence[AbandonmentProfile]) -> list[bool]:
        stored: list[bool] = []
        for start in range(0, len(profiles), PUT_CHUNK):
            keys: list[str] = []
            args: list[int | bytes] = [self._ttl_s]
            for profile in profiles[start : start + PUT_CHUNK]:
                keys += [profile_key(profile.store_id, profile.session_id), profile_channel(profile.store_id)]
                args += [profile.events_seen, _encode(profile)]
            stored += [bool(flag) for flag in await self._put_if_not_older(keys=keys, args=args)]
        return stored

    async def get(self, store_id: str, session_id: str) -> AbandonmentProfile | None:
        data = await self._redis.hget(profile_key(store_id, session_id), "profile")
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
