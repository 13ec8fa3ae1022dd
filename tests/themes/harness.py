"""Run scripted shoppers on a theme and measure what the tag made of them.

A :class:`Visit` is one shopper's own browser context (Debian's Chromium, headless,
``--disable-blink-features=AutomationControlled``, a desktop window). It records every
batch the page sends to ``/v1/collect`` and every overlay the page asks for, so a
:class:`ShopperResult` can say which expected signals fired, how many exit intents the
shopper did not make, the profile's top reason (from the API's profile store) and
whether an overlay appeared at the trigger. Shopper scripts live in
:mod:`tests.themes.shoppers`; they click what a person clicks.

On an *external* store (one this repository does not serve, e.g. OpenCart) the tag is added
by the browser itself: Chromium fetches every page from the store, and each HTML document it
receives gets the tag before ``</body>`` and nothing else (DevTools' Fetch domain, paused at the
response), the same edit :mod:`tests.themes.server` makes on the stores it serves. Redirects,
cookies and every other request are the store's own. Nothing on the store's side is touched:
no file, setting or proxy. An answer replaced that way has no network address, so Chromium's
Local Network Access checks rank the page public and would stop its requests to the loopback
API; the browsers that play an external store's shoppers run with those checks off
(``EXTERNAL_STORE_ARGS``), as a page served from loopback, like the API, is never checked.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, Page, Request, sync_playwright

from tests.chromium import CHROMIUM, SHOPPER_ARGS
from tests.themes.corpus import Theme
from tests.themes.server import Site, tag

#: Quicker batches than a store's default so a run takes seconds; nothing else is tuned.
SHOPPER_CONFIG = {"flushMs": 1000}
VIEWPORT = {"width": 1280, "height": 800}
#: An external store's pages get the tag through DevTools, which leaves them no address: Chromium
#: then ranks them public and its Local Network Access checks stop the tag reaching the loopback
#: API (and its beacons as the page unloads). Served from loopback, as the corpus's other stores
#: are, a page is not checked at all; turning the checks off restores that.
EXTERNAL_STORE_ARGS = ("--disable-features=LocalNetworkAccessChecks",)


@dataclass(frozen=True)
class Shopper:
    """A scripted shopper: who they are, what they should make the tag send, and the walk."""

    name: str
    intended: str
    expected: frozenset[str]
    walk: Callable[[Visit], None]
    #: why an expected signal is missing from this theme (e.g. "no delivery information on the page")
    note: str = ""


@dataclass
class ShopperResult:
    theme: str
    shopper: str
    intended: str
    expected: frozenset[str]
    fired: frozenset[str]
    false_exits: int
    top_reason: str | None
    overlay_shown: bool
    sent: list[str] = field(default_factory=list)
    error: str | None = None
    note: str = ""
    #: the top reason's probability; below the experiment's min_confidence (0.35) no overlay is shown
    confidence: float | None = None

    @property
    def missed(self) -> frozenset[str]:
        return self.expected - self.fired

    @property
    def reason_ok(self) -> bool:
        return self.top_reason == self.intended


class Visit:
    """One shopper's tab on one theme; the scripts call these as a person acts."""

    def __init__(self, browser: Browser, site: Site, theme: Theme) -> None:
        self.site = site
        self.theme = theme
        self.context = browser.new_context(viewport=VIEWPORT, locale="tr-TR" if theme.language == "tr" else "en-GB")
        # Patient as a shopper on a slow store: under load (CI, 2 shared cores) a page can take seconds.
        self.context.set_default_timeout(30000)
        cfg = json.dumps(SHOPPER_CONFIG)
        self.context.add_init_script(
            "window.cartcoach=window.cartcoach||function(){(cartcoach.q=cartcoach.q||[]).push(arguments)};"
            f"cartcoach('config',{cfg});"
        )
        self.batches: list[dict[str, Any]] = []
        self.overlay_requests: list[str] = []
        self.context.on("request", self._record)
        self.page: Page = self.context.new_page()
        if theme.kind == "external":
            self._tag = tag(site.api.url).encode()
            self._cdp = self.context.new_cdp_session(self.page)
            self._cdp.on("Fetch.requestPaused", self._add_tag)
            pattern = {"urlPattern": f"{site.bases[theme.name]}/*", "resourceType": "Document", "requestStage": "Response"}
            self._cdp.send("Fetch.enable", {"patterns": [pattern]})
        #: the page clock when the shopper's own exit began (None: not yet)
        self.trigger_ts: float | None = None

    def _record(self, request: Request) -> None:
        if request.url.endswith("/v1/collect") and request.method == "POST":
            try:
                self.batches.append(json.loads(request.post_data or "{}"))
            except ValueError:
                pass
        elif "/v1/overlay?" in request.url:
            self.overlay_requests.append(request.url)

    def _add_tag(self, paused: dict[str, Any]) -> None:
        """The store's own page with the tag before ``</body>``, as if its owner had pasted it in
        the footer. The browser fetches every page from the store itself (redirects included:
        their next page is paused here too); only an HTML document's body is changed."""
        request_id = paused["requestId"]
        status = paused.get("responseStatusCode")
        headers = paused.get("responseHeaders", [])
        html = any(h["name"].lower() == "content-type" and "text/html" in h["value"] for h in headers)
        if status is None or not 200 <= status < 300 or not html:
            self._cdp.send("Fetch.continueRequest", {"requestId": request_id})
            return
        answer = self._cdp.send("Fetch.getResponseBody", {"requestId": request_id})
        body = base64.b64decode(answer["body"]) if answer["base64Encoded"] else answer["body"].encode()
        at = body.rfind(b"</body>")
        if at >= 0:
            body = body[:at] + self._tag + body[at:]
        skip = {"content-length", "content-encoding", "transfer-encoding"}  # the body is sent whole, decoded
        kept = [h for h in headers if h["name"].lower() not in skip]
        self._cdp.send("Fetch.fulfillRequest", {"requestId": request_id, "responseCode": status,
                                                "responseHeaders": kept, "body": base64.b64encode(body).decode()})

    # --- what a shopper does -------------------------------------------------------
    def open(self, page_type: str, **parts: str) -> Page:
        """Type the address of one of the theme's pages (or follow a bookmark)."""
        self.page.goto(self.site.url(self.theme, page_type, **parts))
        self.page.wait_for_load_state("load")
        self.pause(600)
        return self.page

    def pause(self, ms: int) -> None:
        self.page.wait_for_timeout(ms)

    def click(self, selector: str) -> None:
        """Move the pointer to the element and click it, as a person does."""
        target = self.page.locator(selector).first
        target.scroll_into_view_if_needed()
        target.click()
        self.pause(400)

    def follow(self, selector: str) -> None:
        """Click a link or a submit button that loads another page, and wait for that page."""
        target = self.page.locator(selector).first
        target.scroll_into_view_if_needed()
        with self.page.expect_navigation(wait_until="load"):
            target.click()
        self.pause(600)

    def scroll_to(self, selector: str, dwell_ms: int = 1500) -> None:
        self.page.locator(selector).first.scroll_into_view_if_needed()
        self.page.mouse.wheel(0, 200)
        self.pause(dwell_ms)

    def scroll_top(self, dwell_ms: int = 800) -> None:
        self.page.mouse.wheel(0, -20000)
        self.pause(dwell_ms)

    def leave_through_top(self) -> None:
        """The trigger moment: the pointer leaves the window through the top edge."""
        self.page.mouse.move(640, 300)
        self.trigger_ts = self.page.evaluate("Date.now()")
        self.page.mouse.move(640, 40, steps=5)
        self.page.mouse.move(640, -10, steps=2)

    # --- what the tag made of it ----------------------------------------------------
    def events(self) -> list[dict[str, Any]]:
        """Every event this shopper's tab sent: seen in requests or accepted by the collector."""
        seen = {e["id"]: e for b in self.batches for e in b.get("events", [])}
        for visitor in {b["visitor_id"] for b in self.batches}:
            for event in list(self.site.api.sink.by_visitor.get(visitor, ())):
                seen.setdefault(event.id, {"id": event.id, "type": event.type, "ts": event.ts, "src": event.src})
        return sorted(seen.values(), key=lambda e: e["ts"])

    def session_id(self) -> str | None:
        return self.batches[-1]["session_id"] if self.batches else None

    def where(self) -> str:
        """The page the shopper is on, by address and title: a walk that stops says where."""
        try:
            title = self.page.title()
        except Exception as exc:  # the page may be gone with the error that stopped the walk
            title = f"(no title: {type(exc).__name__})"
        return f"{self.page.url} {title!r}"

    def overlay_visible(self) -> bool:
        return self.page.locator("cartcoach-overlay").count() > 0

    def close(self) -> None:
        self.context.close()


def run_shopper(browser: Browser, site: Site, theme: Theme, shopper: Shopper) -> ShopperResult:
    visit = Visit(browser, site, theme)
    error = None
    overlay = False
    try:
        shopper.walk(visit)
        # The overlay is waited for, not slept for: under load its request and UI chunk take seconds.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (overlay := visit.overlay_visible()):
            visit.pause(200)
        visit.pause(1200)  # the impression's batch
    except Exception as exc:  # a broken walk is a result, not a crash of the whole table
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]} on {visit.where()}"
        error += "".join(f"\n    store: {line[:200]}" for line in site.server_errors(theme))
    events = visit.events()
    types = [e["type"] for e in events]
    session = visit.session_id()
    profile = site.api.profile(session) if session else None
    cutoff = visit.trigger_ts if visit.trigger_ts is not None else float("inf")
    false_exits = sum(1 for e in events if e["type"] == "exit_intent" and e["ts"] < cutoff)
    result = ShopperResult(
        theme=theme.name,
        shopper=shopper.name,
        intended=shopper.intended,
        expected=shopper.expected,
        fired=frozenset(types) & shopper.expected,
        false_exits=false_exits,
        top_reason=profile.top_reason if profile else None,
        overlay_shown=overlay or "overlay_impression" in types,
        sent=types,
        error=error,
        note=shopper.note,
        confidence=profile.confidence if profile else None,
    )
    visit.close()
    return result


def run_shoppers(site: Site, theme: Theme, shoppers: list[Shopper], workers: int = 3) -> list[ShopperResult]:
    """Every shopper of a theme, ``workers`` at a time, each worker with its own browser.

    Shoppers are independent visitors (own context, own session), as on a real store;
    Playwright's sync API wants one instance per thread, hence a browser per worker.
    """
    args = EXTERNAL_STORE_ARGS if theme.kind == "external" else ()
    if workers <= 1:
        with chromium(args) as browser:
            return [run_shopper(browser, site, theme, shopper) for shopper in shoppers]
    queue = list(enumerate(shoppers))
    results: dict[int, ShopperResult] = {}
    lock = threading.Lock()

    def work() -> None:
        with chromium(args) as browser:
            while True:
                with lock:
                    if not queue:
                        return
                    index, shopper = queue.pop(0)
                results[index] = run_shopper(browser, site, theme, shopper)

    threads = [threading.Thread(target=work, name=f"shopper-{n}") for n in range(min(workers, len(shoppers)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[index] for index in range(len(shoppers))]


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*SHOPPER_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
