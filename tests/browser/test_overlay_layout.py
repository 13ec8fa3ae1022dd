"""The overlay's layout on small and short windows, and its accessibility (axe-core).

The dialogs are the engine's own copy (``nudges.scenarios.propose``, both locales),
the wordiest of each locale's variants with the survey block, as the server would
send them (``overlay_body``): the worst case for fitting the call to action in view.
axe-core comes from npm (``tracker/package.json``, pinned) and is injected into the page.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from playwright.sync_api import Page

from nudges.scenarios import propose
from overlay_api.overlay import overlay_body
from scorer.events import REASONS
from tests.browser.conftest import new_shop
from tests.unit.overlay_helpers import ctx, make_product, make_profile, make_store

AXE = Path(__file__).resolve().parents[2] / "tracker" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = [(320, 480), (1280, 500)]


def wordiest_overlay(locale: str) -> dict:
    """The longest dialog with a call to action the engine writes in this locale."""
    store = make_store()
    bodies = []
    for reason in REASONS:
        profile = make_profile(reason, confidence=0.3)  # unsure: the survey block is added
        for variant in propose(profile, ctx(store, make_product(), locale=locale)):
            if variant.cta_label and variant.cta_href:
                body = msgspec.to_builtins(overlay_body("ov-layout-1", "layout", "v1", variant))
                body["cta"]["href"] = f"/demo/{locale}/cart"
                bodies.append(body)
    return max(bodies, key=lambda b: len(json.dumps(b, ensure_ascii=False)))


def serious_violations(page: Page, include: str | None = None) -> list[str]:
    """axe-core's serious and critical findings, as 'rule: target' lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not a <script> tag: the dashboard's Content-Security-Policy forbids those.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    context = json.dumps({"include": [[include]]} if include else None)
    result = page.evaluate(f"axe.run({context} || document)")
    return [
        f"{v['id']}: {node['target']}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


def open_overlay(browser, server, accepted, locale: str, width: int, height: int):
    shop = new_shop(browser, server, accepted, viewport={"width": width, "height": height})
    body = wordiest_overlay(locale)
    shop.context.route("**/v1/overlay?*", lambda route: route.fulfill(
        status=200, headers={"Access-Control-Allow-Origin": "*"}, content_type="application/json", body=json.dumps(body)))
    page = shop.open(f"/demo/{locale}/cart")
    page.wait_for_selector("#main > *")
    page.evaluate("cartcoach('overlay', 'cart_idle')")
    page.locator("cartcoach-overlay dialog").wait_for()
    page.wait_for_timeout(300)  # the opening animation
    return shop, page, body


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: cd tracker && npm ci")
@pytest.mark.parametrize("width,height", VIEWPORTS)
@pytest.mark.parametrize("locale", ["en", "tr"])
def test_actions_are_in_view_equal_and_centred_and_axe_finds_nothing_serious(
    browser, server, accepted, locale: str, width: int, height: int
) -> None:
    shop, page, body = open_overlay(browser, server, accepted, locale, width, height)
    try:
        cta = page.locator("cartcoach-overlay .cta")
        dismiss = page.locator("cartcoach-overlay .dm")
        assert cta.inner_text() == body["cta"]["label"] and dismiss.inner_text() == body["dismiss_label"]
        boxes = {"cta": cta.bounding_box(), "dismiss": dismiss.bounding_box()}
        for name, box in boxes.items():
            assert box is not None, name
            assert box["x"] >= 0 and box["y"] >= 0, (name, box)
            assert box["x"] + box["width"] <= width + 0.5 and box["y"] + box["height"] <= height + 0.5, (name, box)
            assert box["height"] >= 44, (name, box)  # a thumb's target
        assert abs(boxes["cta"]["height"] - boxes["dismiss"]["height"]) < 1, boxes
        # The label sits in the middle of its button, not pinned to the top.
        for button in (cta, dismiss):
            top, bottom = button.evaluate(
                "el => { const r = document.createRange(); r.selectNodeContents(el); const t = r.getBoundingClientRect();"
                " const b = el.getBoundingClientRect(); return [t.top - b.top, b.bottom - t.bottom] }"
            )
            assert abs(top - bottom) < 2, (top, bottom)
        found = serious_violations(page, "cartcoach-overlay")
        assert not found, "\n".join(found)
    finally:
        shop.context.close()
