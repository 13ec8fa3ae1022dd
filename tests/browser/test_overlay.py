"""The overlay, rendered from fixtures of GET /v1/overlay (docs/overlay.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Route

from tests.browser.conftest import new_shop

OVERLAY = {
    "overlay_id": "ov-1",
    "experiment": "exp-trust-1",
    "arm": "reviews",
    "variant": "v2",
    "reason": "trust",
    "incentive": "reviews_returns",
    "locale": "en",
    "title": "Loved by 1,200 customers",
    "body": "Free returns for 30 days, 2-year warranty.",
    "cta": {"label": "Back to my cart", "href": "/demo/en/cart"},
    "dismiss_label": "No thanks",
    "blocks": [
        {"type": "reviews", "items": [{"author": "Ayşe K.", "rating": 5, "text": "Arrived well packed."}]},
        {"type": "badges", "items": ["Free returns", "2-year warranty"]},
        {"type": "countdown", "label": "Price held for", "ends_at": 4102444800000},
        {
            "type": "survey",
            "question": "What's holding you back?",
            "options": [
                {"value": "price", "label": "Price"},
                {"value": "trust", "label": "Trust"},
                {"value": "shipping_speed", "label": "Delivery time"},
                {"value": "indecision", "label": "Not sure yet"},
                {"value": "checkout_friction", "label": "Checkout is hard"},
                {"value": "other", "label": "Something else"},
            ],
        },
    ],
}
XSS = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=1</script>"


@pytest.fixture
def overlay_shop(browser, server, accepted):
    """A shop whose /v1/overlay answers with `shop.overlay` (or 204 when None)."""
    shop = new_shop(browser, server, accepted)
    shop.overlay = OVERLAY
    shop.overlay_requests = []

    def answer(route: Route) -> None:
        shop.overlay_requests.append(route.request.url)
        headers = {"Access-Control-Allow-Origin": "*"}
        if shop.overlay is None:
            route.fulfill(status=204, headers=headers)
        else:
            route.fulfill(status=200, headers=headers, content_type="application/json", body=json.dumps(shop.overlay))

    shop.context.route("**/v1/overlay?*", answer)
    yield shop
    shop.context.close()


def show(shop, path: str = "/demo/en/cart", overlay: dict[str, Any] | None = OVERLAY):
    shop.overlay = overlay
    page = shop.open(path)
    page.wait_for_selector("#main > *")
    page.evaluate("cartcoach('overlay', 'cart_idle')")
    return page


def test_exit_intent_asks_for_an_overlay_and_shows_it(overlay_shop):
    page = overlay_shop.open("/demo/en/cart")
    page.wait_for_selector("#main > *")
    page.mouse.move(500, 300)
    page.mouse.move(500, -10)
    dialog = page.get_by_role("dialog", name="Loved by 1,200 customers")
    dialog.wait_for()
    assert "trigger=exit_intent" in overlay_shop.overlay_requests[0]
    assert "key=wk_demo_public_0001" in overlay_shop.overlay_requests[0]
    assert dialog.get_by_text("Arrived well packed.").is_visible()
    assert dialog.get_by_text("Free returns", exact=True).is_visible()
    impression = overlay_shop.wait_for("overlay_impression")[0]
    assert (impression["experiment"], impression["arm"], impression["variant"], impression["incentive"]) == (
        "exp-trust-1",
        "reviews",
        "v2",
        "reviews_returns",
    )


def test_keyboard_tab_stays_inside_esc_closes_focus_returns(overlay_shop):
    page = show(overlay_shop, "/demo/en/product/p2", overlay=None)
    page.focus("text=Add to cart")
    overlay_shop.overlay = OVERLAY
    page.evaluate("cartcoach('overlay', 'exit_intent')")
    page.get_by_role("dialog").wait_for()
    inside = "document.activeElement.tagName == 'CARTCOACH-OVERLAY'"
    assert page.evaluate(inside), "focus moves into the overlay"
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate(inside), "Tab stays inside"
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(inside), "Shift+Tab stays inside"
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")
    assert page.evaluate("document.activeElement.dataset.cartcoach") == "add-to-cart", "focus returns"
    assert overlay_shop.wait_for("overlay_dismiss")[0]["arm"] == "reviews"


def test_survey_answer_and_cta_click_are_reported(overlay_shop):
    page = show(overlay_shop)
    page.get_by_role("button", name="Delivery time").click()
    page.get_by_role("dialog").wait_for(state="detached")
    assert overlay_shop.wait_for("survey_answer")[0]["answer"] == "shipping_speed"
    assert overlay_shop.events("overlay_dismiss") == []
    # A new session may be shown one again; its call to action is a same-origin link.
    page.evaluate("localStorage.removeItem('cartcoach.s')")
    page = show(overlay_shop, "/demo/en/product/p1")
    page.get_by_role("link", name="Back to my cart").click()
    page.wait_for_url("**/demo/en/cart")
    assert overlay_shop.wait_for("overlay_click")[0]["experiment"] == "exp-trust-1"


def test_at_most_one_overlay_per_session_interval_and_nothing_on_204(overlay_shop):
    page = show(overlay_shop, overlay=None)
    page.wait_for_timeout(500)
    assert page.locator("cartcoach-overlay").count() == 0
    overlay_shop.overlay = OVERLAY
    page.evaluate("cartcoach('overlay', 'exit_intent')")
    page.locator("cartcoach-overlay .dm").click()
    page.evaluate("cartcoach('overlay', 'checkout_back')")
    page.goto(overlay_shop.base + "/demo/en/cart")
    page.evaluate("cartcoach('overlay', 'cart_idle')")
    page.wait_for_timeout(500)
    assert len(overlay_shop.overlay_requests) == 2, "no request after one was shown in this session"
    assert page.locator("cartcoach-overlay").count() == 0


def test_server_text_is_shown_literally_and_never_runs(overlay_shop):
    hostile = dict(
        OVERLAY,
        title=XSS,
        body="<b>bold?</b>",
        dismiss_label="\"><svg onload=window.pwned=1>",
        cta={"label": "Go", "href": "javascript:window.pwned=1"},
        blocks=[{"type": "reviews", "items": [{"author": XSS, "rating": "9", "text": XSS}]}, {"type": "badges", "items": [XSS]}],
    )
    page = show(overlay_shop, overlay=hostile)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert page.locator("cartcoach-overlay h2").inner_text() == XSS
    assert page.locator("cartcoach-overlay #b").inner_text() == "<b>bold?</b>"
    assert page.locator("cartcoach-overlay img, cartcoach-overlay script, cartcoach-overlay svg, cartcoach-overlay b").count() == 0
    assert page.locator("cartcoach-overlay a").count() == 0, "a javascript: link is dropped"
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    page.keyboard.press("Escape")
    # Links to other origins are dropped too.
    page.evaluate("localStorage.removeItem('cartcoach.s')")
    page = show(overlay_shop, overlay=dict(OVERLAY, cta={"label": "Elsewhere", "href": "https://evil.example/cart"}))
    page.get_by_role("dialog").wait_for()
    assert page.locator("cartcoach-overlay a").count() == 0


def test_styles_do_not_cross_the_shadow_boundary(overlay_shop):
    page = show(overlay_shop, overlay=None)
    host_before = page.evaluate("getComputedStyle(document.querySelector('h1')).cssText || [getComputedStyle(document.querySelector('h1')).color, getComputedStyle(document.querySelector('h1')).fontSize].join()")
    sheets_before = page.evaluate("document.styleSheets.length")
    page.add_style_tag(
        content="* { color: rgb(255, 0, 0) !important; font-size: 40px !important; letter-spacing: 9px !important; }"
        " cartcoach-overlay, dialog, h2, button { display: none !important; visibility: hidden !important; }"
    )
    overlay_shop.overlay = OVERLAY
    page.evaluate("cartcoach('overlay', 'exit_intent')")
    title = page.locator("cartcoach-overlay h2")
    title.wait_for()
    assert title.is_visible()
    style = title.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.fontSize, s.letterSpacing] }")
    assert style == ["rgb(28, 28, 30)", "20px", "normal"]
    assert page.locator("cartcoach-overlay .dm").is_visible()
    # And the other way: the overlay adds no stylesheet to the page and changes none of its styles.
    page.evaluate("document.querySelector('style:last-of-type').remove()")
    assert page.evaluate("document.styleSheets.length") == sheets_before
    host_after = page.evaluate("getComputedStyle(document.querySelector('h1')).cssText || [getComputedStyle(document.querySelector('h1')).color, getComputedStyle(document.querySelector('h1')).fontSize].join()")
    assert host_after == host_before


def test_reduced_motion_and_mobile_layout(browser, server, accepted):
    shop = new_shop(browser, server, accepted, viewport={"width": 390, "height": 760}, is_mobile=True, has_touch=True, reduced_motion="reduce")
    shop.context.route("**/v1/overlay?*", lambda route: route.fulfill(status=200, headers={"Access-Control-Allow-Origin": "*"}, content_type="application/json", body=json.dumps(OVERLAY)))
    page = shop.open("/demo/en/cart")
    page.evaluate("cartcoach('overlay', 'cart_idle')")
    dialog = page.locator("cartcoach-overlay dialog")
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["width"] == 390 and abs(box["y"] + box["height"] - 760) < 2, "a bottom sheet on phones"
    assert dialog.evaluate("e => getComputedStyle(e).animationName") == "none"
    assert shop.wait_for("page_view")[0]["_page"]["device"] == "mobile"
    shop.context.close()
