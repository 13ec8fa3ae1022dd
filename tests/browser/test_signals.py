"""Each signal fires with the fields the scorer needs, on the demo store."""

from __future__ import annotations


def test_listing_price_filter_sort_and_add_to_cart(shop, accepted):
    page = shop.open("/demo/en/")
    page.wait_for_selector(".card")
    page.select_option("select[name=sort]", "price-asc")
    page.fill("input[name=min_price]", "200")
    page.press("input[name=min_price]", "Enter")
    page.click(".card:has-text('Coffee Pot') >> text=Add to cart")
    view = shop.wait_for("page_view")[0]
    assert view["page_type"] == "listing"
    # The page type came from the page's data-cartcoach-page attribute ("attr").
    assert view["_page"] == {"path": "/demo/en/", "type": "listing", "locale": "en", "device": "desktop", "currency": "TRY", "src": "attr"}
    shop.wait_for("price_sort")
    shop.wait_for("price_filter")
    add = shop.wait_for("cart_add")[0]
    assert (add["product_id"], add["price"], add["quantity"]) == ("p2", 389.9, 1)
    # The collector took them: the wire format is the one scorer/events.py defines.
    page.wait_for_timeout(300)
    assert add["id"] in {e.id for e in accepted}


def test_product_page_info_opens_reviews_and_copy(shop):
    page = shop.open("/demo/tr/product/p3")
    page.wait_for_selector("#reviews")
    assert shop.wait_for("page_view")[0]["product_id"] == "p3"
    for summary in ["Kargo ve teslimat", "İade koşulları", "Garanti", "Taksit seçenekleri"]:
        page.click(f"summary:has-text('{summary}')")
    for kind in ["shipping_info_open", "return_policy_view", "warranty_view", "installment_view"]:
        event = shop.wait_for(kind)[0]
        assert (event["product_id"], event["price"]) == ("p3", 640.0), kind
    # Read the reviews to the end, leave, come back and glance again: two views (a reread).
    # (The snippet looks for review sections once a second, as stores render them late.)
    page.locator(".review").last.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.goto(shop.base + "/demo/tr/cart")
    first = shop.wait_for("review_view")[0]
    assert first["product_id"] == "p3" and first["depth"] == 1 and first["dwell_ms"] >= 300
    # Come back through a link, not the back button: Chromium may restore the old scroll
    # position on back, which would put the reviews' end on screen again (depth 1).
    page.goto(shop.base + "/demo/tr/product/p3")
    page.wait_for_selector("#reviews")
    page.wait_for_timeout(1500)
    page.goto(shop.base + "/demo/tr/cart")
    second = shop.wait_for("review_view", 2)[1]
    assert second["product_id"] == "p3" and second["depth"] < 0.5
    page.go_back()
    page.wait_for_selector("#reviews")
    page.locator("h1").select_text()
    page.keyboard.press("Control+C")
    assert shop.wait_for("copy_product_info")[0]["product_id"] == "p3"
    assert page.locator("h1").inner_text() == "İznik Çini Kase"


def test_cart_view_coupon_remove_dwell_and_back_to_product(shop):
    page = shop.open("/demo/en/product/p1")
    page.click("text=Add to cart")
    page.goto(shop.base + "/demo/en/cart")
    page.wait_for_selector(".lines")
    view = shop.wait_for("cart_view")[0]
    assert (view["cart_value"], view["cart_items"]) == (2450.0, 1)
    page.focus("input[name=coupon]")
    assert shop.wait_for("coupon_focus")[0]["cart_value"] == 2450.0
    page.wait_for_timeout(400)
    page.click(".lines a")  # back to the product from the cart
    page.wait_for_selector("#reviews")
    back = shop.wait_for("cart_to_product")[0]
    assert back["product_id"] == "p1"
    dwell = shop.wait_for("cart_dwell")[0]
    assert dwell["dwell_ms"] >= 400 and dwell["cart_value"] == 2450.0
    page.goto(shop.base + "/demo/en/cart")
    page.click("text=Remove")
    removed = shop.wait_for("cart_remove")[0]
    assert (removed["product_id"], removed["price"], removed["quantity"]) == ("p1", 2450.0, 1)


def test_idle_on_the_cart(shop):
    page = shop.open("/demo/en/cart")
    page.wait_for_timeout(2800)
    assert shop.wait_for("idle")[0]["dwell_ms"] == 1500


def test_checkout_steps_errors_and_purchase(shop):
    page = shop.open("/demo/en/product/p5")
    page.click("text=Add to cart")
    page.goto(shop.base + "/demo/en/checkout/1")
    page.wait_for_selector("form.checkout")
    assert shop.wait_for("checkout_step_enter")[0]["step"] == 1
    page.fill("input[name=name]", "Jane Secret")
    page.fill("input[name=email]", "not-an-email")
    page.click("text=Continue")
    errors = shop.wait_for("form_error", 3)
    assert {(e["field"], e["error"]) for e in errors} == {
        ("email", "typeMismatch"),
        ("address", "valueMissing"),
        ("city", "valueMissing"),
    }
    page.fill("input[name=email]", "jane.secret@example.com")
    page.fill("input[name=address]", "1 Hidden Street")
    page.fill("input[name=city]", "Istanbul")
    page.click("text=Continue")
    page.wait_for_url("**/checkout/2")
    leave = shop.wait_for("checkout_step_leave")[0]
    assert leave["step"] == 1 and leave["dwell_ms"] > 0
    page.check("input[value=express]")
    page.click("text=Continue")
    page.fill("input[name=card]", "4111111111111111")
    page.click("text=Pay now")
    page.wait_for_url("**/thank-you")
    purchase = shop.wait_for("purchase", as_sent=True)[0]
    assert purchase["amount"] == 149.0 and purchase["order_id"].startswith("D")
    assert [e["step"] for e in shop.events("checkout_step_enter")] == [1, 2, 3]
    # Nothing typed into the forms ever left the browser.
    sent = str(shop.batches)
    for secret in ["Jane Secret", "jane.secret", "not-an-email", "Hidden Street", "4111111111111111", "Istanbul"]:
        assert secret not in sent


def test_exit_intent_when_the_pointer_leaves_through_the_top(shop):
    page = shop.open("/demo/en/product/p4")
    page.wait_for_selector("#reviews")
    page.mouse.move(400, 200)
    page.mouse.move(400, 5)
    page.mouse.move(400, -20)
    assert shop.wait_for("exit_intent")[0]["product_id"] == "p4"


def set_visibility(page, state: str) -> None:
    """Headless chromium has no tab strip: switch the page's visibility as the browser would."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, 'visibilityState', {value: state, configurable: true})
            Object.defineProperty(document, 'hidden', {value: state == 'hidden', configurable: true})
            document.dispatchEvent(new Event('visibilitychange'))
        }""",
        state,
    )


def test_tab_hidden_and_visible_while_comparing_elsewhere(shop):
    page = shop.open("/demo/en/cart")
    page.wait_for_timeout(300)
    set_visibility(page, "hidden")
    page.wait_for_timeout(400)
    set_visibility(page, "visible")
    shop.wait_for("tab_hidden")
    assert shop.wait_for("tab_visible")[0]["dwell_ms"] >= 400
    # The cart's visible time ends when the tab is hidden.
    assert shop.wait_for("cart_dwell")[0]["dwell_ms"] >= 300
