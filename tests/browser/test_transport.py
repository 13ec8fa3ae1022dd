"""Delivery, privacy and robustness, as the collector and the host page see them."""

from __future__ import annotations

import json

from playwright.sync_api import Request, Route

from tests.browser.conftest import new_shop


def test_events_are_batched_and_sent_as_text_plain(browser, server, accepted):
    shop = new_shop(browser, server, accepted, config={"flushMs": 3000})
    page = shop.open("/demo/en/product/p2")
    page.wait_for_selector("#reviews")
    # Wait on the browser's own request (the collector may have the events before Playwright
    # reports the request to this thread).
    def carries(request: Request) -> bool:
        return request.url.endswith("/v1/collect") and "installment_view" in (request.post_data or "")

    with page.expect_request(carries, timeout=15_000) as sent:
        for summary in ["Shipping & delivery", "Return policy", "Warranty", "Installments"]:
            page.click(f"summary:has-text('{summary}')")
    last = sent.value
    assert len(json.loads(last.post_data)["events"]) >= 2, "several events travel in one batch"
    # A CORS-simple request: no preflight for the collector to answer.
    assert last.headers["content-type"].startswith("text/plain")
    shop.context.close()


def test_a_503_is_retried_until_the_collector_is_back(browser, server, accepted):
    shop = new_shop(browser, server, accepted)
    answers = []

    def flaky(route: Route) -> None:
        if len(answers) < 2:
            answers.append(503)
            route.fulfill(status=503, headers={"Retry-After": "1", "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Retry-After"})
        else:
            answers.append("through")
            route.continue_()

    shop.context.route("**/v1/collect", flaky)
    page = shop.open("/demo/en/cart")
    view = shop.wait_for("page_view")[0]
    page.wait_for_timeout(3000)
    assert answers[:3] == [503, 503, "through"]
    assert view["id"] in {e.id for e in accepted}
    shop.context.close()


def test_the_queue_survives_a_reload_while_the_collector_is_down(browser, server, accepted):
    shop = new_shop(browser, server, accepted)
    shop.context.route("**/v1/collect", lambda route: route.abort())
    page = shop.open("/demo/en/product/p1")
    page.wait_for_selector("#reviews")
    page.click("summary:has-text('Shipping & delivery')")
    page.wait_for_timeout(800)
    queued = page.evaluate("JSON.parse(localStorage.getItem('cartcoach.q')).items.map(i => i.e.type)")
    assert "shipping_info_open" in queued
    page.reload()
    page.wait_for_selector("#reviews")
    shop.context.unroute("**/v1/collect")
    page.reload()
    opened = shop.wait_for("shipping_info_open")[0]
    page.wait_for_timeout(500)
    assert opened["id"] in {e.id for e in accepted}
    assert page.evaluate("JSON.parse(localStorage.getItem('cartcoach.q')).items.length") == 0
    shop.context.close()


def test_nothing_leaves_or_is_stored_before_consent(browser, server, accepted):
    shop = new_shop(browser, server, accepted, config={"consent": True})
    page = shop.open("/demo/en/product/p6")
    page.wait_for_selector("#reviews")
    page.click("summary:has-text('Shipping & delivery')")
    page.wait_for_timeout(800)
    assert shop.batches == []
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cartcoach.'))") == []
    page.evaluate("cartcoach('consent', true)")
    view = shop.wait_for("page_view")[0]
    assert view["product_id"] == "p6"
    # Consent is remembered; withdrawing it forgets the ids and stops sending.
    page.evaluate("cartcoach('consent', false)")
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cartcoach.'))")
    assert stored == ["cartcoach.consent"]
    sent = len(shop.batches)
    page.click("summary:has-text('Return policy')")
    page.wait_for_timeout(800)
    assert len(shop.batches) == sent
    shop.context.close()


def test_no_pii_query_strings_or_bots(browser, server, accepted):
    shop = new_shop(browser, server, accepted)
    shop.open("/demo/en/?email=jane%40example.com&utm_source=newsletter&token=s3cret")
    view = shop.wait_for("page_view")[0]
    assert view["_page"]["path"] == "/demo/en/"
    assert view["props"] == {"utm_source": "newsletter"}
    assert "jane" not in str(shop.batches) and "s3cret" not in str(shop.batches)
    shop.context.close()
    # A browser driven by automation (navigator.webdriver) is ignored without the test flag.
    bot = new_shop(browser, server, accepted, config={"allowBots": False})
    bot.open("/demo/en/")
    bot.page.wait_for_timeout(800)
    assert bot.batches == []
    bot.context.close()


def test_the_host_page_never_sees_an_error_when_the_api_is_down_or_slow(browser, server, accepted):
    for trouble in ("down", "slow"):
        shop = new_shop(browser, server, accepted)
        if trouble == "down":
            shop.context.route("**/v1/**", lambda route: route.abort())
        else:
            shop.context.route("**/v1/**", lambda route: (shop.page.wait_for_timeout(1500), route.abort("timedout")))
        shop.context.add_init_script(
            "window.__hostErrors = [];"
            "addEventListener('error', e => __hostErrors.push(String(e.message)));"
            "addEventListener('unhandledrejection', e => __hostErrors.push(String(e.reason)))"
        )
        page = shop.open("/demo/en/cart")
        page.evaluate("cartcoach('overlay', 'cart_idle'); cartcoach('track', 'no_such_event', {x: 1})")
        page.mouse.move(300, 100)
        page.mouse.move(300, -10)
        page.wait_for_timeout(2000)
        assert page.evaluate("__hostErrors") == [], trouble
        assert shop.errors == [], trouble
        # A slow request still held by its handler must not outlive the context (it would
        # raise "target closed" into whichever test runs next).
        shop.context.unroute_all(behavior="ignoreErrors")
        shop.context.close()


def test_no_long_task_while_shopping(browser, server, accepted):
    shop = new_shop(browser, server, accepted)
    shop.context.add_init_script(
        "window.__longTasks = [];"
        "new PerformanceObserver(l => l.getEntries().forEach(e => __longTasks.push(e.duration)))"
        ".observe({type: 'longtask', buffered: true})"
    )
    page = shop.open("/demo/en/product/p3")
    page.wait_for_selector("#reviews")
    page.wait_for_timeout(300)
    page.evaluate("__longTasks.length = 0")  # page load belongs to the store, not the snippet
    for summary in ["Shipping & delivery", "Return policy", "Warranty", "Installments"]:
        page.click(f"summary:has-text('{summary}')")
    for _ in range(10):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(50)
    page.click("text=Add to cart")
    page.wait_for_timeout(1200)
    shop.wait_for("cart_add")
    assert page.evaluate("__longTasks") == []
    shop.context.close()
