"""End to end in Chromium on the demo store: behaviour in, the matching nudge out.

The real app in embedded mode (collector, in-process stream with the scorer, profile
store, overlay endpoint, experiment ledger), the real snippet on the demo storefront,
Debian's chromium. Two servers differ only in their experiment: one shows every
session the first-ranked variant (no holdout), the other holds (almost) everyone out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from overlay_api.app import create_app
from tests.browser.conftest import new_shop
from tests.live_server import LiveServer, free_port


def _server(tmp_path_factory, name: str, experiment: dict) -> Iterator[tuple[LiveServer, object]]:
    port = free_port()
    raw = yaml.safe_load(DEFAULT_STORES_FILE.read_text(encoding="utf-8"))
    store = raw["stores"][0]
    store["allowed_origins"] = [f"http://127.0.0.1:{port}"]
    store["experiment"].update(experiment)
    store["catalogue"]["file"] = str(DEFAULT_STORES_FILE.with_name("demo_catalogue.yaml"))
    path = tmp_path_factory.mktemp(name) / "stores.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    # Its own database, not the checkout's .cartcoach-data (other test runs may be using it).
    app = create_app(Settings(stores_file=path, port=port, score_debounce_ms=300, data_dir=path.parent / "data"))
    with LiveServer(app, port=port) as live:
        yield live, app


@pytest.fixture(scope="module")
def showing(tmp_path_factory):
    yield from _server(tmp_path_factory, "showing", {"holdout": 0.0, "weights": [1, 0, 0]})


@pytest.fixture(scope="module")
def holding_out(tmp_path_factory):
    yield from _server(tmp_path_factory, "holdout", {"holdout": 0.9999999})


def run(coroutine):
    """Run a coroutine to completion from sync Playwright code (which owns this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_for_profile(app, session: str, reason: str, timeout_s: float = 10.0) -> None:
    """The stream has scored the session and found ``reason`` (profiles live on the server's thread)."""
    profiles = app.state.profiles
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        profile = run(profiles.get("demo", session))
        if profile is not None and profile.top_reason == reason:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {reason} profile for {session}: {profile}")


def reread_shipping_info(shop, add_to_cart: bool = True) -> str:
    page = shop.open("/demo/en/product/p2")
    page.wait_for_selector("details[data-cartcoach=shipping-info]")
    if add_to_cart:  # an empty cart gets no overlay: nothing to recover
        page.click("text=Add to cart")
        shop.wait_for("cart_add")
    summary = page.locator("details[data-cartcoach=shipping-info] summary")
    for _ in range(3):
        summary.click()  # open: a look
        summary.click()  # close: not a look
    shop.wait_for("shipping_info_open", 3)
    return shop.batches[-1]["session_id"]


def reread_reviews(shop) -> str:
    page = shop.open("/demo/en/product/p2")
    reviews = page.locator("#reviews")
    reviews.wait_for()
    page.click("text=Add to cart")
    shop.wait_for("cart_add")
    for _ in range(4):
        reviews.scroll_into_view_if_needed()
        page.wait_for_timeout(700)  # longer than minViewMs: a reading
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(400)
    shop.wait_for("review_view", 3)
    return shop.batches[-1]["session_id"]


def ask_for_overlay(shop):
    with shop.page.expect_response("**/v1/overlay?*") as response:
        shop.page.evaluate("cartcoach('overlay', 'cart_idle')")
    return response.value


def test_shipping_info_rereads_bring_a_shipping_speed_overlay(browser, showing) -> None:
    live, app = showing
    shop = new_shop(browser, live, [], viewport={"width": 1000, "height": 500})
    try:
        session = reread_shipping_info(shop)
        wait_for_profile(app, session, "shipping_speed")
        response = ask_for_overlay(shop)
        assert response.status == 200
        body = response.json()
        assert body["reason"] == "shipping_speed" and body["incentive"] == "delivery_promise"
        dialog = shop.page.get_by_role("dialog", name=body["title"])
        dialog.wait_for()
        assert "15:00" in dialog.inner_text()
        impression = shop.wait_for("overlay_impression")[-1]
        assert impression["incentive"] == "delivery_promise" and impression["arm"] == "v1"
    finally:
        shop.context.close()


def test_review_rereads_bring_a_trust_overlay(browser, showing) -> None:
    live, app = showing
    shop = new_shop(browser, live, [], viewport={"width": 1000, "height": 500})
    try:
        session = reread_reviews(shop)
        wait_for_profile(app, session, "trust")
        response = ask_for_overlay(shop)
        assert response.status == 200
        body = response.json()
        assert body["reason"] == "trust" and body["incentive"] in ("reviews", "return_guarantee")
        shop.page.get_by_role("dialog", name=body["title"]).wait_for()
    finally:
        shop.context.close()


def test_in_the_holdout_nothing_is_shown(browser, holding_out) -> None:
    live, app = holding_out
    shop = new_shop(browser, live, [], viewport={"width": 1000, "height": 500})
    try:
        session = reread_shipping_info(shop)
        wait_for_profile(app, session, "shipping_speed")
        response = ask_for_overlay(shop)
        assert response.status == 204
        shop.page.wait_for_timeout(500)
        assert shop.page.locator("cartcoach-overlay").count() == 0
        assert not shop.events("overlay_impression")
        exposure = run(app.state.ledger.exposure("demo", "nudges-v1", session))
        assert exposure is not None and exposure.arm == "holdout"
    finally:
        shop.context.close()


def test_an_empty_cart_gets_no_overlay(browser, showing) -> None:
    live, app = showing
    shop = new_shop(browser, live, [], viewport={"width": 1000, "height": 500})
    try:
        session = reread_shipping_info(shop, add_to_cart=False)
        wait_for_profile(app, session, "shipping_speed")
        assert ask_for_overlay(shop).status == 204
        assert run(app.state.ledger.exposure("demo", "nudges-v1", session)) is None
    finally:
        shop.context.close()
