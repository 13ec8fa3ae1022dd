"""Profiles in the real Redis: puts never go backwards, many in one call, each announced once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from scorer.profile import AbandonmentProfile
from stream.profile_store import PUT_CHUNK, RedisProfileStore
from tests.services import Services

pytestmark = pytest.mark.services


def profile(store: str, session: str, seen: int) -> AbandonmentProfile:
    return AbandonmentProfile(
        store_id=store, session_id=session, visitor_id="v-00000001", at=seen, reasons={"price": 1.0},
        top_reason="price", confidence=1.0, risk=0.5, evidence=[], cart_value=0.0, device=None,
        events_seen=seen, model_version="test",
    )


async def test_a_put_of_many_profiles_stores_the_newer_refuses_the_older_and_announces_what_it_stores(
    services: Services,
) -> None:
    store_id = f"test-{uuid.uuid4().hex[:8]}"
    store = RedisProfileStore.from_url(services.redis_url, ttl_s=60)
    heard: list[AbandonmentProfile] = []

    async def listen() -> None:
        async for announced in store.follow(store_id):
            heard.append(announced)

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.2)  # subscribed
    try:
        sessions = [f"s-{i:08d}" for i in range(PUT_CHUNK + 50)]  # more than one script call
        assert await store.put_many([profile(store_id, s, 5) for s in sessions]) == [True] * len(sessions)
        # Older than stored, equal, newer: refused, stored, stored.
        assert await store.put_many([profile(store_id, sessions[0], 4), profile(store_id, sessions[1], 5),
                                     profile(store_id, sessions[2], 6)]) == [False, True, True]
        assert (await store.get(store_id, sessions[0])).events_seen == 5
        assert (await store.get(store_id, sessions[2])).events_seen == 6
        for _ in range(50):
            if len(heard) == len(sessions) + 2:
                break
            await asyncio.sleep(0.1)
        assert len(heard) == len(sessions) + 2
    finally:
        listener.cancel()
        await store.close()
