"""The demo tells the truth: its simulated shoppers move the experiment panel, and the panel is the API.

This is what ``make run`` (``cartcoach serve --demo-traffic``) does, bounded: the
embedded app with the shipped demo stores file, driven by :func:`cartcoach.traffic.drive`
with the demo store's secret key (as ``serve`` passes it), for a fixed number of shoppers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from cartcoach.cli import DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD
from cartcoach.settings import Settings
from cartcoach.traffic import drive
from nudges.stores import Store, StoreRegistry
from overlay_api.app import create_app
from tests.browser.test_overlay_layout import AXE, serious_violations
from tests.live_server import LiveServer, free_port

DEMO_WRITE_KEY = "wk_demo_public_0001"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def settled_report(url: str, secret: str, experiment: str) -> dict:
    """The report once the stream has handled every event (two equal reads in a row)."""
    headers = {"Authorization": f"Bearer {secret}"}
    previous = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        report = httpx.get(f"{url}/v1/experiments/{experiment}/report", headers=headers).raise_for_status().json()
        if report == previous:
            return report
        previous = report
        time.sleep(1.0)
    raise AssertionError("the experiment report did not settle")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """The embedded app with the shipped demo stores file, after 60 simulated shoppers."""
    port = free_port()
    # The shipped demo stores file, embedded, with the demo owner `cartcoach serve` makes.
    settings = Settings(port=port, data_dir=tmp_path_factory.mktemp("demo-data"),
                        owner_email=DEMO_OWNER_EMAIL, owner_password=DEMO_OWNER_PASSWORD)
    store = StoreRegistry.from_file(settings.stores_file).by_write_key(DEMO_WRITE_KEY)
    assert store is not None
    with LiveServer(create_app(settings), port=port, graceful_shutdown_s=0.5) as live:
        # In a thread of its own: Playwright's sync API holds this thread's event loop.
        with ThreadPoolExecutor(1) as pool:
            stats = pool.submit(asyncio.run, drive(
                live.url, DEMO_WRITE_KEY, rate=4, speed=40, sessions=60, seed=11, secret_key=store.secret_key,
            )).result(timeout=120)
        assert stats.rejected == 0 and stats.failed == 0 and stats.overlays > 0
        yield live.url, store


def sign_in(page: Page, url: str, store: Store) -> None:
    page.goto(url + "/dashboard")
    page.fill("#email", DEMO_OWNER_EMAIL)
    page.fill("#password", DEMO_OWNER_PASSWORD)
    page.click("#login-form button[type=submit]")


def test_demo_traffic_produces_clicks_and_recoveries_the_dashboard_shows(page: Page, demo: tuple[str, Store]) -> None:
    url, store = demo
    report = settled_report(url, store.secret_key, store.experiment.name)
    rows = {r["arm"]: r for r in report["rows"] if r["reason"] == "all"}
    assert sum(r["clicks"] for r in rows.values()) > 0
    assert sum(r["recoveries"] for r in rows.values()) > 0
    assert sum(r["revenue"] for r in rows.values()) > 0

    sign_in(page, url, store)
    table = page.locator("#exp-counts tbody")
    expect(table.locator("tr")).to_have_count(len(rows))
    for arm, row in rows.items():
        cells = table.locator(f'tr[data-arm="{arm}"]')
        for metric in ("exposures", "clicks", "recoveries", "orders"):
            expect(cells.locator(f'td[data-metric="{metric}"]')).to_have_text(str(row[metric]))
        revenue = cells.locator('td[data-metric="revenue"]')
        assert float(revenue.get_attribute("data-value") or "nan") == row["revenue"]
        expect(revenue).to_contain_text(f"{row['revenue']:,.2f}".rstrip("0").rstrip("."))


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: cd tracker && npm ci")
def test_the_dashboard_with_data_has_no_serious_accessibility_violation(page: Page, demo: tuple[str, Store]) -> None:
    url, store = demo
    sign_in(page, url, store)
    page.locator("#exp-counts tbody tr").first.wait_for()
    page.locator("#feed tbody tr").first.wait_for()
    found = serious_violations(page)
    assert not found, "\n".join(found)
