"""The Installation view: what the tag sees on a store's pages, and what to add where it sees nothing.

A store owner pastes one tag into a theme we have never seen. This census tells them,
per page type, which signals fired in the last 24 hours and which detector (``src``:
``attr``, ``api``, a platform, ``datalayer``, ``schema``, ``text``, ``url`` ...) found
each, which paths came out as ``other``, and one concrete suggestion per signal that
never fired (the ``data-cartcoach`` attribute to add).

Counted at the collector, after the sink accepted a batch: counting never delays or
fails collection. Storage: hourly buckets covering 24 hours, in memory (embedded) or in
Redis hashes that expire on their own (the full path, shared by every API process).

>>> census = MemoryCensus()
>>> from scorer.events import CollectedEvent
>>> e = CollectedEvent(id="e-0000-0001", type="review_view", ts=1, page_type="product", src="text",
...     store_id="demo", visitor_id="v-0000-0001", session_id="s-0000-0001", received_at=1, at=1, path="/p/1")
>>> import asyncio
>>> report = asyncio.run(census.record([e], now_ms=3_600_000)) or asyncio.run(census.report("demo", now_ms=3_600_000))
>>> report["pages"]["product"]["signals"]
[{'type': 'review_view', 'src': 'text', 'count': 1}]
>>> [s["signal"] for s in report["pages"]["product"]["missing"]][:2]
['cart_add', 'shipping_info_open']
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Final, Protocol

import redis.asyncio as aioredis

from scorer.events import CollectedEvent

HOUR_MS: Final = 3_600_000
WINDOW_HOURS: Final = 24
#: Paths typed ``other`` kept per store and hour (the rest are counted, not listed).
MAX_OTHER_PATHS: Final = 50
#: Events that say nothing about the page's markup.
NOT_SIGNALS: Final = frozenset(
    {"overlay_impression", "overlay_click", "overlay_dismiss", "survey_answer", "tab_hidden", "tab_visible",
     "idle", "custom", "purchase", "refund"}
)  # fmt: skip

#: What each page type can show, and how to mark it up when the tag did not find it.
#: (signal, data-cartcoach value, where it goes)
EXPECTED: Final[dict[str, list[tuple[str, str, str]]]] = {
    "product": [
        ("cart_add", "add-to-cart", "the add-to-cart button"),
        ("shipping_info_open", "shipping-info", "the delivery/shipping tab, link or accordion header"),
        ("review_view", "reviews", "the reviews section (or the tab panel holding it)"),
        ("return_policy_view", "return-policy", "the returns link or tab"),
    ],
    "cart": [
        ("cart_view", "", "the cart page itself"),
        ("coupon_focus", "coupon", "the coupon / discount code input"),
        ("cart_remove", "remove-from-cart", "each line's remove button or link"),
    ],
    "checkout": [
        ("checkout_step_enter", "", "each checkout step"),
        ("form_error", "", "the checkout form's fields"),
    ],
    "listing": [
        ("price_sort", "price-sort", "the sort control (select, dropdown or links)"),
        ("price_filter", "price-filter", "the price filter (range, slider or links)"),
    ],
}


def _suggestion(page_type: str, signal: str, name: str, where: str) -> str:
    if name:
        return f'Add data-cartcoach="{name}" to {where}.'
    if signal == "cart_view":
        return 'Add data-cartcoach-page="cart" to the <html> element of your cart page.'
    if signal == "checkout_step_enter":
        return ('Add data-cartcoach-page="checkout" and data-cartcoach-step="N" to the <html> element of '
                "each checkout step, or call cartcoach('page', {type: 'checkout', step: N}).")  # fmt: skip
    return f"Mark {where} with the browser's own validation (required, type=email ...): errors are read from it."


def build_report(store_id: str, counts: Counter[tuple[str, str, str]], others: Counter[str]) -> dict:
    """The view's JSON from the 24 hours' counts of (page type, signal, detector) and paths typed other."""
    pages: dict[str, dict] = {}
    for page in sorted({page for page, _, _ in counts}):
        rows = sorted(
            ({"type": t, "src": s, "count": n} for (p, t, s), n in counts.items() if p == page),
            key=lambda r: (r["type"], -r["count"], r["src"]),
        )
        fired = {r["type"] for r in rows}
        missing = [
            {"signal": signal, "suggestion": _suggestion(page, signal, name, where)}
            for signal, name, where in EXPECTED.get(page, [])
            if signal not in fired
        ]
        pages[page] = {"signals": rows, "missing": missing}
    other = [{"path": path, "count": n} for path, n in others.most_common(MAX_OTHER_PATHS)]
    return {
        "store_id": store_id,
        "window_hours": WINDOW_HOURS,
        "pages": pages,
        "other_pages": other,
        "other_suggestion": (
            "These pages were typed 'other': if one is a product, cart or checkout page, add "
            'data-cartcoach-page="product" (or cart, checkout) to its <html> element.'
        ) if other else None,
    }  # fmt: skip


def _keys(events: Sequence[CollectedEvent]) -> tuple[Counter[tuple[str, str, str]], Counter[str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    others: Counter[str] = Counter()
    for event in events:
        page = event.page_type or "other"
        if event.type == "page_view" and page == "other" and event.path:
            others[event.path] += 1
        if event.type in NOT_SIGNALS:
            continue
        counts[(page, event.type, event.src or "-")] += 1
    return counts, others


class InstallationCensus(Protocol):
    async def record(self, events: Sequence[CollectedEvent], now_ms: int | None = None) -> None: ...

    async def report(self, store_id: str, now_ms: int | None = None) -> dict: ...

    async def events_last_hour(self, store_id: str, now_ms: int | None = None) -> int: ...

    async def close(self) -> None: ...


def _hour(now_ms: int | None) -> int:
    return (now_ms if now_ms is not None else int(time.time() * 1000)) // HOUR_MS


def _minute(now_ms: int | None) -> int:
    """Events are also counted per minute, for the agency page's "events in the last hour"."""
    return (now_ms if now_ms is not None else int(time.time() * 1000)) // 60_000


class MemoryCensus:
    """The embedded census: per store, the last 24 hourly buckets in this process."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, int], tuple[Counter[tuple[str, str, str]], Counter[str]]] = {}
        self._minutes: Counter[tuple[str, int]] = Counter()

    async def record(self, events: Sequence[CollectedEvent], now_ms: int | None = None) -> None:
        hour = _hour(now_ms)
        by_store: dict[str, list[CollectedEvent]] = {}
        for event in events:
            by_store.setdefault(event.store_id, []).append(event)
        for store_id, store_events in by_store.items():
            counts, others = self._buckets.setdefault((store_id, hour), (Counter(), Counter()))
            new_counts, new_others = _keys(store_events)
            counts.update(new_counts)
            for path, n in new_others.items():
                if path in others or len(others) < MAX_OTHER_PATHS:
                    others[path] += n
        for key in [k for k in self._buckets if k[1] <= hour - WINDOW_HOURS]:
            del self._buckets[key]
        minute = _minute(now_ms)
        for store_id, store_events in by_store.items():
            self._minutes[(store_id, minute)] += len(store_events)
        for key in [k for k in self._minutes if k[1] <= minute - 60]:
            del self._minutes[key]

    async def events_last_hour(self, store_id: str, now_ms: int | None = None) -> int:
        minute = _minute(now_ms)
        return sum(n for (store, m), n in self._minutes.items() if store == store_id and m > minute - 60)

    async def report(self, store_id: str, now_ms: int | None = None) -> dict:
        hour = _hour(now_ms)
        counts: Counter[tuple[str, str, str]] = Counter()
        others: Counter[str] = Counter()
        for (store, bucket_hour), (c, o) in self._buckets.items():
            if store == store_id and bucket_hour > hour - WINDOW_HOURS:
                counts.update(c)
                others.update(o)
        return build_report(store_id, counts, others)

    async def close(self) -> None:
        return None


class RedisCensus:
    """The full path's census: one Redis hash per store and hour, expiring after 25 hours.

    Fields are ``page|signal|src`` (counts) and ``other|PATH`` (paths typed other, at most
    :data:`MAX_OTHER_PATHS` new ones per batch); every API process adds to the same hashes.
    """

    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client

    @classmethod
    def from_url(cls, url: str) -> RedisCensus:
        return cls(aioredis.from_url(url))

    @staticmethod
    def _key(store_id: str, hour: int) -> str:
        return f"cartcoach:installation:{store_id}:{hour}"

    async def record(self, events: Sequence[CollectedEvent], now_ms: int | None = None) -> None:
        hour = _hour(now_ms)
        by_store: dict[str, list[CollectedEvent]] = {}
        for event in events:
            by_store.setdefault(event.store_id, []).append(event)
        async with self._redis.pipeline(transaction=False) as pipe:
            for store_id, store_events in by_store.items():
                key = self._key(store_id, hour)
                counts, others = _keys(store_events)
                for (page, signal, src), n in counts.items():
                    pipe.hincrby(key, f"{page}|{signal}|{src}", n)
                for path, n in list(others.items())[:MAX_OTHER_PATHS]:
                    pipe.hincrby(key, f"other|{path}", n)
                pipe.expire(key, (WINDOW_HOURS + 1) * 3600)
                minute_key = self._minute_key(store_id, _minute(now_ms))
                pipe.incrby(minute_key, len(store_events))
                pipe.expire(minute_key, 2 * 3600)
            await pipe.execute()

    @staticmethod
    def _minute_key(store_id: str, minute: int) -> str:
        return f"cartcoach:events-per-minute:{store_id}:{minute}"

    async def events_last_hour(self, store_id: str, now_ms: int | None = None) -> int:
        minute = _minute(now_ms)
        values = await self._redis.mget([self._minute_key(store_id, m) for m in range(minute - 59, minute + 1)])
        return sum(int(v) for v in values if v is not None)

    async def report(self, store_id: str, now_ms: int | None = None) -> dict:
        hour = _hour(now_ms)
        async with self._redis.pipeline(transaction=False) as pipe:
            for h in range(hour - WINDOW_HOURS + 1, hour + 1):
                pipe.hgetall(self._key(store_id, h))
            buckets = await pipe.execute()
        counts: Counter[tuple[str, str, str]] = Counter()
        others: Counter[str] = Counter()
        for bucket in buckets:
            for raw_field, raw_count in bucket.items():
                field = raw_field.decode() if isinstance(raw_field, bytes) else raw_field
                n = int(raw_count)
                if field.startswith("other|"):
                    others[field[len("other|"):]] += n
                else:
                    page, signal, src = field.split("|", 2)
                    counts[(page, signal, src)] += n
        return build_report(store_id, counts, others)

    async def close(self) -> None:
        await self._redis.aclose()
