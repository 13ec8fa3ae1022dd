"""How much one visitor and one client may teach the reason model: a daily budget of labels.

Why: survey answers come from browsers, and the write key is public. One session
teaches one answer at most (:func:`stream.processing.step`); this budget bounds the
rest: at most ``per_visitor`` answers per visitor id and ``per_client`` per client
(the collector's daily pseudonym of the sender's address) per UTC day. A script that
invents visitors still sends from one client, so what it can teach is capped at
``per_client`` answers a day, the weight of a handful of shoppers, against the many
thousands a store's model learns from. Outcome labels (risk) are not budgeted here:
a session has one outcome, and purchases and abandonments are behaviour, not opinion.

Counts live in memory, newest keys kept (at most ``max_keys``): the learner is a
single consumer of the one-partition ``labels`` topic (or the embedded runner), so
it sees every label.

>>> from scorer.session import SessionState
>>> def label(visitor, client):
...     state = SessionState(store_id="shop", session_id="s-00000001", visitor_id=visitor, first_at=0, last_at=0)
...     return Label(kind="reason", state=state, reason="price", client=client)
>>> budget = LabelBudget(per_visitor=2, per_client=3, clock=lambda: 0.0)
>>> [budget.admit(label("v-00000001", "c1")) for _ in range(3)]
[True, True, False]
>>> budget.admit(label("v-00000002", "c1")), budget.admit(label("v-00000003", "c1"))
(True, False)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from stream.processing import Label

MAX_KEYS: Final = 200_000


class LabelBudget:
    def __init__(
        self,
        per_visitor: int,
        per_client: int,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limits = {"visitor": per_visitor, "client": per_client}
        self._max_keys = max_keys
        self._clock = clock
        self._counts: OrderedDict[tuple[str, str, str, int], int] = OrderedDict()
        #: Labels refused because a visitor or client had spent its budget.
        self.refused = 0

    def admit(self, label: Label) -> bool:
        """Whether to learn this label (and count it if so)."""
        if label.kind != "reason":
            return True
        day = int(self._clock() // 86400)
        store = label.state.store_id
        keys = [("visitor", store, label.state.visitor_id, day)]
        if label.client is not None:
            keys.append(("client", store, label.client, day))
        if any(self._counts.get(key, 0) >= self._limits[key[0]] for key in keys):
            self.refused += 1
            return False
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1
            self._counts.move_to_end(key)
        while len(self._counts) > self._max_keys:
            self._counts.popitem(last=False)
        return True
