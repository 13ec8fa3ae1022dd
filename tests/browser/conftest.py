"""Browser tests: Debian's chromium driven by Playwright against the real app.

One uvicorn server per session runs ``create_app`` in embedded mode with a stores
file that allows the server's own origin, so the demo store's snippet posts to
the real collector. Tests assert on what the browser actually sent (requests
seen by Playwright) and on what the collector accepted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, sync_playwright

from cartcoach.settings import Settings
from overlay_api.app import create_app
from overlay_api.storefront import TRACKER_DIR
from scorer.events import CollectedEvent
from stream.embedded import EmbeddedPipeline
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.live_server import LiveServer, free_port

WRITE_KEY = "wk_demo_public_0001"
# Test tunables, queued before the snippet loads exactly as a store would:
# Playwright sets navigator.webdriver, which the snippet otherwise ignores as a bot.
FAST = {"allowBots": True, "flushMs": 300, "idleMs": 1500, "minViewMs": 300}

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def snippet_built() -> None:
    """The committed dist/ must be what the source builds (when npm is available)."""
    if shutil.which("node") and (TRACKER_DIR / "node_modules").exists():
        subprocess.run(["node", "build.mjs", "--check"], cwd=TRACKER_DIR, check=True)


@pytest.fixture(scope="session")
def accepted() -> list[CollectedEvent]:
    """Every event the collector accepted, as the embedded pipeline received it."""
    return []


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, accepted: list[CollectedEvent]) -> Iterator[LiveServer]:
    port = free_port()
    stores = tmp_path_factory.mktemp("browser") / "stores.yaml"
    stores.write_text(
        f"""
# Every tab of every test is a different shopper from this machine's one address:
# rate limits (tested in tests/integration/test_rate_limits.py) are lifted here.
rate_limits: {{collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}}
unauthenticated_rate_limit: "100000/minute"
stores:
  - id: demo
    write_key: {WRITE_KEY}
    secret_key: sk_demo_secret_for_tests
    allowed_origins: ["http://127.0.0.1:{port}"]
""",
        encoding="utf-8",
    )
    # Its own database: a store saved from a dashboard in the developer's .cartcoach-data must not
    # replace this file's (the database wins over the stores file, docs/dashboard.md).
    settings = Settings(stores_file=stores, port=port, retry_after_s=1, data_dir=stores.parent / "data")

    async def record(events: list[CollectedEvent]) -> None:
        accepted.extend(events)

    app = create_app(settings, sink=EmbeddedPipeline(handler=record))
    with LiveServer(app, port=port) as live:
        yield live


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The one Playwright driver of the session: its sync API cannot start a second one while it runs."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Shop:
    """A shopper's browser tab on the demo store, recording every batch it sends.

    Playwright does not report requests a page makes while it unloads (the
    sendBeacon on pagehide), so those are read from what the collector accepted.
    """

    def __init__(self, context: BrowserContext, base: str, accepted: list[CollectedEvent]) -> None:
        self.context = context
        self.base = base
        self.accepted = accepted
        context.set_default_timeout(5000)
        self.page: Page = context.new_page()
        self.batches: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        context.on("request", self._record)

    def _record(self, request: Request) -> None:
        if request.url.endswith("/v1/collect") and request.method == "POST":
            self.batches.append(json.loads(request.post_data or "{}"))

    def open(self, path: str) -> Page:
        self.page.goto(self.base + path)
        self.page.wait_for_function("window.cartcoach && window.cartcoach.loaded")
        return self.page

    def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        """Events sent by this shopper, in order: seen in requests or accepted by the collector."""
        seen = {e["id"]: dict(e, _page=b["page"]) for b in self.batches for e in b["events"]}
        visitors = {b["visitor_id"] for b in self.batches}
        for event in list(self.accepted):
            if event.visitor_id in visitors and event.id not in seen:
                fields = msgspec.structs.asdict(event)
                seen[event.id] = dict(fields, _page={"path": event.path, "type": event.page_type})
        every = sorted(seen.values(), key=lambda e: e["ts"])
        return [e for e in every if type_ is None or e["type"] == type_]

    def sent(self, type_: str) -> list[dict[str, Any]]:
        """Events of this type as the browser's own requests carried them (fields the collector drops included)."""
        return [dict(e, _page=b["page"]) for b in self.batches for e in b["events"] if e["type"] == type_]

    def wait_for(self, type_: str, count: int = 1, timeout_s: float = 5, as_sent: bool = False) -> list[dict[str, Any]]:
        """Wait until the browser has sent `count` events of this type.

        ``as_sent``: only as seen in the browser's requests (the collector may hold an event
        before Playwright reports its request, and it drops what a browser may not set, e.g. money)."""
        for _ in range(int(timeout_s * 20)):
            found = self.sent(type_) if as_sent else self.events(type_)
            if len(found) >= count:
                return found
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no {type_} sent; sent: {[e['type'] for e in self.events()]}")


def new_shop(
    browser: Browser,
    server: LiveServer,
    accepted: list[CollectedEvent],
    config: dict[str, Any] | None = None,
    **context_args: Any,
) -> Shop:
    context = browser.new_context(**context_args)
    cfg = json.dumps({**FAST, **(config or {})})
    context.add_init_script(
        "window.cartcoach=window.cartcoach||function(){(cartcoach.q=cartcoach.q||[]).push(arguments)};"
        f"cartcoach('config',{cfg});"
    )
    return Shop(context, server.url, accepted)


@pytest.fixture
def shop(browser: Browser, server: LiveServer, accepted: list[CollectedEvent]) -> Iterator[Shop]:
    s = new_shop(browser, server, accepted)
    yield s
    s.context.close()
