"""The idle sweep's catch-up: a never-published session gets its profile; an expired one stays expired."""

from __future__ import annotations

from scorer.profile import Scorer
from scorer.simulator import SimulatorConfig, collected, simulate
from nudges.ledger import MemoryLedger
from stream.model_health import MemoryModelHealth
from stream.processing import SessionRecord
from stream.profile_store import MemoryProfileStore
from stream.session_service import SessionService

HOUR_MS = 3_600_000
TTL_MS = 24 * HOUR_MS


def _service(store: MemoryProfileStore) -> SessionService:
    # A fresh service: what a worker has in memory after a restart, or once a session has
    # been pushed out of its memory of what it published.
    return SessionService(Scorer(), store, MemoryLedger(), MemoryModelHealth(),
                          debounce_ms=2000, idle_timeout_ms=HOUR_MS // 2, profile_ttl_ms=TTL_MS)


async def _stored_session(store_id: str) -> SessionRecord:
    """A simulated shopper's session record, as the worker's table holds it."""
    saved: dict[str, SessionRecord] = {}
    events = list(collected(simulate(SimulatorConfig(sessions=1, seed=3, start_ms=1_000_000)), store_id=store_id))
    await _service(MemoryProfileStore()).apply(events, saved.get, saved.__setitem__)
    (record,) = saved.values()
    return record


async def test_a_session_whose_profile_was_never_published_is_published() -> None:
    record = await _stored_session("s1")
    store = MemoryProfileStore()
    an_hour_later = record.state.last_at + HOUR_MS
    assert await _service(store).catch_up(record, an_hour_later)
    profile = await store.get("s1", record.state.session_id)
    assert profile is not None and profile.events_seen == record.state.events


async def test_a_session_quiet_longer_than_the_profile_ttl_is_not_brought_back() -> None:
    record = await _stored_session("s2")
    store = MemoryProfileStore()
    a_day_later = record.state.last_at + TTL_MS
    assert not await _service(store).catch_up(record, a_day_later)
    assert await store.get("s2", record.state.session_id) is None
