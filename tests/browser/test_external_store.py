"""An external store (one the corpus measures at its address, e.g. the held-out OpenCart): the
shopper's browser adds the tag, and nothing else of the store's answer changes.

The store here is a page of our own on loopback, so CI checks the path that OpenCart and
Male Fashion take (``benchmarks/themes.py --store-url``) without either being installed: the tag
goes in once, before ``</body>``; a redirect and its cookie reach the browser as the store sent
them; the tag loads from the API and its first batch arrives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from tests.live_server import free_port
from tests.themes.corpus import Theme
from tests.chromium import CHROMIUM, SHOPPER_ARGS
from tests.themes.harness import EXTERNAL_STORE_ARGS, Visit
from tests.themes.server import corpus_site

pytestmark = pytest.mark.browser

PAGE = b"""<!DOCTYPE html><html><head><title>Own store</title></head>
<body><h1 id="own">A store we did not write</h1><script>document.title += ' ok'</script></body></html>"""


class _Store(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        return None

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == "/go":  # the store's own redirect, with a cookie of its own
            self.send_response(302)
            self.send_header("Location", "/page")
            self.send_header("Set-Cookie", "STORESESSION=abc123; Path=/")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


@pytest.fixture()
def store_url() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_browser_adds_only_the_tag_to_an_external_store(store_url: str, playwright: Playwright) -> None:
    theme = Theme("own-store", "a page of our own", "external", (), {"product": "/go"})
    # The session's driver (tests/browser/conftest.py), with the theme shoppers' launch arguments.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*SHOPPER_ARGS, *EXTERNAL_STORE_ARGS])
    with corpus_site([theme], {theme.name: store_url}) as site:
        visit = Visit(browser, site, theme)
        try:
            page = visit.open("product")
            assert page.url == f"{store_url}/page"  # the redirect was the store's, followed by the browser
            assert "STORESESSION=abc123" in page.evaluate("document.cookie")
            assert page.title() == "Own store ok"  # the store's own script ran
            assert page.inner_text("#own") == "A store we did not write"
            tags = page.locator(f"script[src='{site.api.url}/cartcoach.js']")
            assert tags.count() == 1
            assert page.evaluate("document.body.lastElementChild.src") == f"{site.api.url}/cartcoach.js"
            deadline = time.monotonic() + 20  # a condition, not a sleep: the first batch under load
            while time.monotonic() < deadline and not visit.batches:
                visit.pause(200)
            sent = [e["type"] for b in visit.batches for e in b.get("events", [])]
            assert "page_view" in sent, sent
        finally:
            visit.close()
            browser.close()
