"""The Installation view's census: counts per page type and detector, a 24-hour window, suggestions."""

from __future__ import annotations

import asyncio

from overlay_api.installation import HOUR_MS, MAX_OTHER_PATHS, MemoryCensus
from scorer.events import CollectedEvent

NOW = 500 * HOUR_MS


def event(type_: str, page: str, src: str | None = None, path: str = "/x", store: str = "shop", n: int = 0) -> CollectedEvent:
    return CollectedEvent(
        id=f"e-{type_}-{page}-{n:04d}", type=type_, ts=1, page_type=page, src=src, store_id=store,
        visitor_id="v-0000-0001", session_id="s-0000-0001", received_at=1, at=1, path=path,
    )  # fmt: skip


def report(census: MemoryCensus, now: int = NOW, store: str = "shop") -> dict:
    return asyncio.run(census.report(store, now_ms=now))


def test_signals_are_counted_per_page_type_and_detector() -> None:
    census = MemoryCensus()
    asyncio.run(census.record([event("review_view", "product", "text", n=i) for i in range(3)]
                              + [event("review_view", "product", "attr"), event("cart_add", "product", "schema")],
                              now_ms=NOW))  # fmt: skip
    rows = report(census)["pages"]["product"]["signals"]
    assert {"type": "review_view", "src": "text", "count": 3} in rows
    assert {"type": "review_view", "src": "attr", "count": 1} in rows
    assert {"type": "cart_add", "src": "schema", "count": 1} in rows


def test_each_missing_signal_gets_the_attribute_to_add() -> None:
    census = MemoryCensus()
    asyncio.run(census.record([event("cart_view", "cart", "url")], now_ms=NOW))
    missing = {m["signal"]: m["suggestion"] for m in report(census)["pages"]["cart"]["missing"]}
    assert set(missing) == {"coupon_focus", "cart_remove"}
    assert 'data-cartcoach="coupon"' in missing["coupon_focus"]
    assert 'data-cartcoach="remove-from-cart"' in missing["cart_remove"]


def test_pages_typed_other_are_listed_with_what_to_do() -> None:
    census = MemoryCensus()
    asyncio.run(census.record([event("page_view", "other", "url", path="/shop-details.html")], now_ms=NOW))
    view = report(census)
    assert view["other_pages"] == [{"path": "/shop-details.html", "count": 1}]
    assert 'data-cartcoach-page="product"' in view["other_suggestion"]


def test_only_the_last_24_hours_count() -> None:
    census = MemoryCensus()
    asyncio.run(census.record([event("cart_add", "product", "text")], now_ms=NOW - 24 * HOUR_MS))
    asyncio.run(census.record([event("cart_add", "product", "attr")], now_ms=NOW - 23 * HOUR_MS))
    rows = report(census)["pages"]["product"]["signals"]
    assert rows == [{"type": "cart_add", "src": "attr", "count": 1}]


def test_stores_do_not_see_each_other_and_overlay_events_are_not_signals() -> None:
    census = MemoryCensus()
    asyncio.run(census.record([event("cart_add", "product", "text", store="other"),
                               event("overlay_impression", "cart", None)], now_ms=NOW))  # fmt: skip
    assert report(census)["pages"] == {}
    assert report(census, store="other")["pages"]["product"]["signals"][0]["type"] == "cart_add"


def test_the_list_of_other_paths_is_bounded() -> None:
    census = MemoryCensus()
    asyncio.run(census.record([event("page_view", "other", path=f"/p{i}", n=i) for i in range(MAX_OTHER_PATHS + 20)],
                              now_ms=NOW))  # fmt: skip
    assert len(report(census)["other_pages"]) == MAX_OTHER_PATHS


def test_the_module_examples_hold() -> None:
    import doctest

    import overlay_api.installation

    assert doctest.testmod(overlay_api.installation).failed == 0
