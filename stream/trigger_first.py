"""A batch's trigger sessions first: the events whose profiles a shopper is waiting for.

A cart, checkout or exit-intent event (:data:`stream.processing.SCORE_ALWAYS`) is
scored at once because a nudge may hang on it; every other event's profile waits for
the scoring debounce (2 s) anyway. A full batch of 500 records took 70 ms and more to
apply on a busy machine, and its trigger profiles waited for all of it (issue 20).
So the worker applies the sessions that have a trigger event in the batch first, a
few sessions at a time, publishing each part's profiles as soon as it is applied,
then the rest. A session's records stay together and in offset order, so its state
is what it would be in offset order, and it is scored once per batch, as before;
sessions are independent of each other.

>>> from types import SimpleNamespace as Event
>>> runs = [[Event(session_id="a", type="page_view")], [Event(session_id="b", type="cart_add")],
...         [Event(session_id="a", type="scroll")], [Event(session_id="b", type="page_view")]]
>>> urgent, rest = trigger_sessions_first(runs)
>>> [[[(e.session_id, e.type) for e in run] for run in session] for session in urgent]
[[[('b', 'cart_add')], [('b', 'page_view')]]]
>>> [[(e.session_id, e.type) for e in run] for run in rest]
[[('a', 'page_view')], [('a', 'scroll')]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from stream.processing import SCORE_ALWAYS

Run = TypeVar("Run", bound=Sequence[Any])


def trigger_sessions_first(runs: Sequence[Run]) -> tuple[list[list[Run]], list[Run]]:
    """Split a batch's records (each one session's events, in offset order) into those of
    sessions with a trigger event anywhere in the batch, grouped by session (a session's
    part is applied, scored and published together), and the others; order kept."""
    urgent_sessions = {
        event.session_id for run in runs for event in run if event.type in SCORE_ALWAYS
    }
    urgent: dict[str, list[Run]] = {}
    rest: list[Run] = []
    for run in runs:
        if run and run[0].session_id in urgent_sessions:
            urgent.setdefault(run[0].session_id, []).append(run)
        else:
            rest.append(run)
    return list(urgent.values()), rest
