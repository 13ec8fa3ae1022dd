"""Building collected events by hand for the scorer's tests."""

from __future__ import annotations

from scorer.events import CollectedEvent
from scorer.session import SessionState, apply


def event(session: str, n: int, kind: str, at: int, **fields) -> CollectedEvent:
    """A collected event of session ``session`` with a unique id."""
    return CollectedEvent(
        id=f"e-{session}-{n:04d}", type=kind, ts=at, at=at, received_at=at, store_id="demo",
        visitor_id=f"v-{session}-0000", session_id=f"s-{session}-0000", **fields,
    )  # fmt: skip


def session(name: str, *kinds: str, **fields) -> SessionState:
    """A state after one event of each kind, a second apart (``fields`` go on every event)."""
    state = None
    for i, kind in enumerate(kinds):
        state = apply(state, event(name, i, kind, 1_000_000 + 1000 * i, **fields))
    return state
