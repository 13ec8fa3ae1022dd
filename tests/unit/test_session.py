"""The session reducer: duplicates, reordering within the window, idempotence, bounds."""

from __future__ import annotations

import random

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorer.events import EVENT_TYPES, CollectedEvent
from scorer.session import MAX_SEEN, WINDOW_MS, SessionState, apply

#: The bound promised in docs/scorer.md for a JSON-encoded state.
MAX_STATE_JSON_BYTES = 16 * 1024

_TYPES = sorted(EVENT_TYPES - {"custom"})


@st.composite
def _events(draw, max_span: int = 3 * WINDOW_MS, max_size: int = 40) -> list[CollectedEvent]:
    n = draw(st.integers(1, max_size))
    events = []
    for i in range(n):
        at = draw(st.integers(1_000_000, 1_000_000 + max_span))
        kind = draw(st.sampled_from(_TYPES))
        extra = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "price": st.floats(0, 5000, allow_nan=False).map(lambda v: round(v, 2)),
                    "cart_value": st.floats(0, 9000, allow_nan=False).map(lambda v: round(v, 2)),
                    "cart_items": st.integers(0, 20),
                    "depth": st.floats(0, 1),
                    "dwell_ms": st.integers(0, 300_000),
                    "product_id": st.sampled_from(["p1", "p2", "p3", "p4"]),
                    "step": st.integers(1, 4),
                    "device": st.sampled_from(["desktop", "mobile", "tablet"]),
                    "props": st.sampled_from(
                        [{"stock": "low"}, {"brand_tier": "premium"}, {"price_index": 1.4}]
                    ),
                    "answer": st.sampled_from(["price", "trust", "other"]),
                },
            )
        )
        events.append(
            CollectedEvent(
                id=f"e-{i:06d}-x",
                type=kind,
                ts=at,
                at=at,
                received_at=at,
                store_id="demo",
                visitor_id="v-000001",
                session_id="s-000001",
                **extra,
            )
        )
    return events


def _replay(events) -> SessionState | None:
    state = None
    for event in events:
        state = apply(state, event)
    return state


@settings(max_examples=60, deadline=None)
@given(_events(), st.randoms(use_true_random=False))
def test_duplicates_change_nothing(events, rnd):
    events = sorted(events, key=lambda e: e.at)
    with_dups = list(events)
    for event in rnd.sample(events, k=len(events) // 2 + 1):
        position = with_dups.index(event) + 1
        with_dups.insert(rnd.randint(position, len(with_dups)), event)
    assert _replay(with_dups) == _replay(events)


@settings(max_examples=60, deadline=None)
@given(_events(), st.randoms(use_true_random=False))
def test_reordering_within_the_window_changes_nothing(events, rnd):
    # Each event arrives less than WINDOW_MS after any later-stamped one: the contract.
    in_order = sorted(events, key=lambda e: (e.at, e.id))
    shuffled = sorted(events, key=lambda e: e.at + rnd.randrange(WINDOW_MS))
    assert _replay(shuffled) == _replay(in_order)


@settings(max_examples=60, deadline=None)
@given(_events(max_size=15), st.data())
def test_apply_is_idempotent_and_pure(events, data):
    state = _replay(events[:-1])
    before = msgspec.json.encode(state) if state is not None else None
    once = apply(state, events[-1])
    assert apply(once, events[-1]) == once
    if state is not None:
        assert msgspec.json.encode(state) == before  # the input state was not modified


def test_events_older_than_the_window_are_ignored():
    events = _replay_ids([("a", "cart_add", 10 * WINDOW_MS), ("b", "shipping_info_open", 1_000)])
    assert events.counts == {"cart_add": 1}
    assert events.events == 1


def _replay_ids(spec):
    return _replay(
        CollectedEvent(
            id=f"e-{name}-000000", type=kind, ts=at, at=at, received_at=at,
            store_id="demo", visitor_id="v-000001", session_id="s-000001",
        )
        for name, kind, at in spec
    )


def test_an_event_of_another_session_is_refused():
    state = _replay_ids([("a", "cart_add", 1_000)])
    stranger = CollectedEvent(
        id="e-other-000", type="cart_add", ts=1, at=1, received_at=1,
        store_id="demo", visitor_id="v-000002", session_id="s-000002",
    )
    with pytest.raises(ValueError, match="belongs to session s-000002"):
        apply(state, stranger)


def test_state_survives_json_and_msgpack_round_trips():
    rnd = random.Random(7)
    state = _replay(_flood(rnd, 300))
    for codec in (msgspec.json, msgspec.msgpack):
        assert codec.decode(codec.encode(state), type=SessionState) == state
    assert msgspec.json.decode(orjson.dumps(msgspec.to_builtins(state)), type=SessionState) == state


def _flood(rnd: random.Random, n: int) -> list[CollectedEvent]:
    return [
        CollectedEvent(
            id=f"e-{i:08d}-{rnd.getrandbits(32):08x}",
            type=rnd.choice(_TYPES),
            ts=i * 50,
            at=i * 50,
            received_at=i * 50,
            store_id="s" * 64,
            visitor_id="v" * 64,
            session_id="x" * 64,
            product_id=f"product-{rnd.randrange(10_000)}",
            price=rnd.uniform(0, 1e6),
            cart_value=rnd.uniform(0, 1e6),
            cart_items=rnd.randrange(10_000),
            depth=rnd.random(),
            dwell_ms=rnd.randrange(10**7),
            step=rnd.randint(1, 10),
            device=rnd.choice(["desktop", "mobile", "tablet"]),
            props={"stock": "overstock", "brand_tier": "premium", "price_index": 3.5},
        )
        for i in range(n)
    ]


def test_state_size_is_bounded_however_long_the_session():
    rnd = random.Random(1)
    state = _replay(_flood(rnd, 5_000))
    assert len(state.seen) == MAX_SEEN
    assert len(msgspec.json.encode(state)) <= MAX_STATE_JSON_BYTES
    assert state.events == 5_000
