"""The session-state reducer: ``apply(state, event) -> state``.

Why it is shaped like this: the stream processor keeps one state per session in a
Faust table (a dict with a compacted changelog), events arrive at least once and
not always in order, and two runners (embedded and Faust) must reach identical
states. So every field is an order-free aggregate (a count, a sum, a maximum, the
value of the latest or earliest event by ``(at, id hash)``, the *k* smallest hashes
of a set, the *k* latest events), and a bounded set of recent event id hashes
makes replays idempotent. The result: for events that arrive no later than
:data:`WINDOW_MS` behind the newest one seen, the state does not depend on
arrival order, and a duplicate changes nothing.

Events older than the window are ignored (the collector's retries arrive within
seconds; a week-old event replayed from the snippet's storage belongs to a session
that has already been scored).

Size is bounded whatever the shopper does (see ``docs/scorer.md``): at most
``len(EVENT_TYPES)`` keys in each per-type map, :data:`MAX_SEEN` id hashes,
:data:`RECENT` sequence entries, :data:`MAX_DISTINCT` hashes per distinct-set,
and a fixed set of registers.

>>> from scorer.events import CollectedEvent
>>> def ev(i, type, at, **kw):
...     return CollectedEvent(id=f"e-{i:06d}", type=type, ts=at, at=at, received_at=at,
...                           store_id="demo", visitor_id="v-000001", session_id="s-000001", **kw)
>>> s = None
>>> for e in [ev(1, "cart_add", 1_000, price=120.0, cart_value=120.0),
...           ev(2, "shipping_info_open", 2_000), ev(2, "shipping_info_open", 2_000)]:
...     s = apply(s, e)
>>> s.counts["shipping_info_open"], s.events, s.latest["cart_value"][2]
(1, 2, 120.0)
"""

from __future__ import annotations

import bisect
import hashlib
import math
from typing import Final

import msgspec

from scorer.events import EVENT_TYPES, CollectedEvent

STATE_VERSION: Final = 1
#: How far behind the newest event an event may arrive and still count (10 minutes).
WINDOW_MS: Final = 10 * 60 * 1000
#: Recent event id hashes kept for de-duplication (within the window).
MAX_SEEN: Final = 256
#: Latest events kept as a sequence, for order-dependent features.
RECENT: Final = 16
#: Hashes kept per distinct-set (products viewed, whose reviews were read, with any product signal).
MAX_DISTINCT: Final = 32

#: Event types in a fixed order; ``recent`` stores indexes into this tuple.
TOKENS: Final[tuple[str, ...]] = tuple(sorted(EVENT_TYPES)) + (
    "page_view:product",
    "page_view:cart",
    "page_view:checkout",
)

# The order-free key of an event: when two events share ``at``, the id hash breaks the tie.
Register = tuple[int, int, float | str]


class SessionState(msgspec.Struct, kw_only=True):
    """Everything the scorer remembers about one session (bounded, order-free)."""

    version: int = STATE_VERSION
    store_id: str
    session_id: str
    visitor_id: str
    first_at: int
    last_at: int
    #: Events accepted (duplicates and too-late events excluded).
    events: int = 0
    counts: dict[str, int] = {}
    dwell_ms: dict[str, int] = {}
    #: Named maxima (prices in cents, depth in per-mille, step numbers, ``at`` per signal group).
    maxima: dict[str, int] = {}
    #: Named integer sums (depth in per-mille, product prices and the value added to the cart in cents).
    sums: dict[str, int] = {}
    #: Latest value by (at, id hash): cart value, cart items, device, stock, brand tier...
    latest: dict[str, Register] = {}
    #: Earliest value by (at, id hash): the first cart value.
    earliest: dict[str, Register] = {}
    #: The MAX_DISTINCT smallest product-id hashes seen, per set.
    distinct: dict[str, list[int]] = {}
    #: Latest RECENT events as (at, id hash, token index), oldest first.
    recent: list[tuple[int, int, int]] = []
    #: (at, id hash) of events inside the window, sorted, at most MAX_SEEN (JSON-friendly).
    seen: list[tuple[int, int]] = []


def id_hash(text: str) -> int:
    """A stable 63-bit hash (Python's ``hash`` is salted per process, so unusable here)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1


# Signal groups whose latest time drives recency features.
_GROUPS: Final[dict[str, str]] = {
    "cart_add": "cart",
    "cart_remove": "cart",
    "cart_view": "cart",
    "cart_dwell": "cart",
    "cart_to_product": "cart",
    "shipping_info_open": "shipping",
    "review_view": "trust",
    "return_policy_view": "trust",
    "warranty_view": "trust",
    "price_filter": "price",
    "price_sort": "price",
    "coupon_focus": "price",
    "installment_view": "price",
    "checkout_step_enter": "checkout",
    "checkout_step_leave": "checkout",
    "form_error": "checkout",
    "payment_failed": "checkout",
    "exit_intent": "exit",
}
_TOKEN_INDEX: Final = {token: i for i, token in enumerate(TOKENS)}
#: Signals a shopper gives about one product (its reviews, delivery, returns...).
_PRODUCT_SIGNALS: Final = frozenset(
    {"review_view", "return_policy_view", "warranty_view", "shipping_info_open", "installment_view"}
)


def _cents(money: float) -> int:
    return round(money * 100)


def _put_latest(registers: dict[str, Register], name: str, key: tuple[int, int], value) -> None:
    old = registers.get(name)
    if old is None or (old[0], old[1]) < key:
        registers[name] = (key[0], key[1], value)


def _put_earliest(registers: dict[str, Register], name: str, key: tuple[int, int], value) -> None:
    old = registers.get(name)
    if old is None or (old[0], old[1]) > key:
        registers[name] = (key[0], key[1], value)


def _put_max(maxima: dict[str, int], name: str, value: int) -> None:
    if value > maxima.get(name, -1):
        maxima[name] = value


def _add_distinct(distinct: dict[str, list[int]], name: str, h: int) -> None:
    values = distinct.get(name, [])
    if h in values or (len(values) >= MAX_DISTINCT and h > values[-1]):
        return
    values = sorted([*values, h])[:MAX_DISTINCT]
    distinct[name] = values


def _token(event: CollectedEvent) -> int:
    if event.type == "page_view" and event.page_type in ("product", "cart", "checkout"):
        return _TOKEN_INDEX[f"page_view:{event.page_type}"]
    return _TOKEN_INDEX[event.type]


def _new_state(event: CollectedEvent) -> SessionState:
    return SessionState(
        store_id=event.store_id,
        session_id=event.session_id,
        visitor_id=event.visitor_id,
        first_at=event.at,
        last_at=event.at,
    )


def apply(state: SessionState | None, event: CollectedEvent) -> SessionState:
    """Fold one collected event into a session's state and return the new state.

    Pure: ``state`` is never modified. A duplicate (same event id within the window)
    or an event older than :data:`WINDOW_MS` behind the newest returns ``state`` itself.
    Raises ``ValueError`` if the event belongs to another session.
    """
    h = id_hash(event.id)
    if state is None:
        state = _new_state(event)
    elif event.session_id != state.session_id or event.store_id != state.store_id:
        raise ValueError(
            f"event {event.id} belongs to session {event.session_id}, not {state.session_id}"
        )
    elif event.at < state.last_at - WINDOW_MS or any(seen_h == h for _, seen_h in state.seen):
        # Too late, or a duplicate (matched by id alone: a retried batch may be re-stamped).
        return state

    at, kind = event.at, event.type
    key = (at, h)
    counts = dict(state.counts)
    counts[kind] = counts.get(kind, 0) + 1
    dwell_ms = state.dwell_ms
    if event.dwell_ms:
        dwell_ms = dict(dwell_ms)
        dwell_ms[kind] = dwell_ms.get(kind, 0) + event.dwell_ms
    maxima, sums = dict(state.maxima), dict(state.sums)
    latest, earliest = dict(state.latest), dict(state.earliest)
    distinct = state.distinct

    group = _GROUPS.get(kind)
    if group is not None:
        _put_max(maxima, f"at:{group}", at)
    if event.device is not None:
        _put_latest(latest, "device", key, event.device)
    if event.cart_value is not None:
        _put_latest(latest, "cart_value", key, event.cart_value)
        _put_earliest(earliest, "cart_value", key, event.cart_value)
        _put_max(maxima, "cart_value", _cents(event.cart_value))
    if event.cart_items is not None:
        _put_latest(latest, "cart_items", key, float(event.cart_items))
    if event.price is not None:
        cents = _cents(event.price)
        _put_max(maxima, f"price:{kind}", cents)
        if kind in ("cart_add", "cart_remove"):
            # What the session put in the cart (one unit per add, less what it took out),
            # for a cart whose value no page showed.
            sums["added_cents"] = sums.get("added_cents", 0) + (cents if kind == "cart_add" else -cents)
        if kind in ("page_view", "cart_add"):
            sums["price_cents"] = sums.get("price_cents", 0) + cents
            sums["priced"] = sums.get("priced", 0) + 1
            sums["log_price_milli"] = sums.get("log_price_milli", 0) + round(1000 * math.log1p(event.price))
    if event.product_id is not None and (kind in ("page_view", "cart_add") or kind in _PRODUCT_SIGNALS):
        distinct = {k: list(v) for k, v in distinct.items()}
        product = id_hash(event.product_id)
        if kind in ("page_view", "review_view", "cart_add"):
            _add_distinct(distinct, "products", product)
        if kind == "review_view":
            _add_distinct(distinct, "reviewed", product)
        if kind in _PRODUCT_SIGNALS:
            _add_distinct(distinct, "signalled", product)
    if event.depth is not None:
        permille = round(event.depth * 1000)
        _put_max(maxima, f"depth:{kind}", permille)
        sums[f"depth:{kind}"] = sums.get(f"depth:{kind}", 0) + permille
    if event.step is not None:
        _put_max(maxima, f"step:{kind}", event.step)
    if kind == "survey_answer" and event.answer is not None:
        _put_latest(latest, "answer", key, event.answer)
    if event.props:
        for name in ("stock", "brand_tier"):
            value = event.props.get(name)
            if isinstance(value, str):
                _put_latest(latest, name, key, value[:16])
        price_index = event.props.get("price_index")
        if isinstance(price_index, (int, float)) and not isinstance(price_index, bool):
            _put_latest(latest, "price_index", key, float(min(max(price_index, 0.0), 100.0)))

    recent = state.recent
    entry = (at, h, _token(event))
    if len(recent) < RECENT or entry > recent[0]:
        recent = sorted([*recent, entry])[-RECENT:]

    last_at = max(state.last_at, at)
    seen = list(state.seen)
    bisect.insort(seen, key)
    start = max(bisect.bisect_left(seen, (last_at - WINDOW_MS, -1)), len(seen) - MAX_SEEN)

    return SessionState(
        store_id=state.store_id,
        session_id=state.session_id,
        visitor_id=state.visitor_id,
        first_at=min(state.first_at, at),
        last_at=last_at,
        events=state.events + 1,
        counts=counts,
        dwell_ms=dwell_ms,
        maxima=maxima,
        sums=sums,
        latest=latest,
        earliest=earliest,
        distinct=distinct,
        recent=recent,
        seen=seen[start:],
    )
