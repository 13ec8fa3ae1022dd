"""The scripted shoppers, written against each theme's real markup.

Five shoppers per theme, one per reason. Each clicks what a person would click on
*that* theme (its own buttons, tabs and links, found by their text or the theme's own
classes), never a cartcoach attribute: they describe the shopper, not the snippet.
Where a theme has no working link between pages (template links are ``#!``), the
shopper types the address, as a person does with a bookmark.

``expected`` lists the signals (event types) a coach should see from that walk on that
theme. A reason's signal that the theme offers no way to produce (no reviews, no
delivery information) is left out and said in ``note``; the intended reason stays,
because that is what the shopper had in mind.

Every walk ends at a trigger moment: the pointer leaves through the top of the window.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.themes.harness import Shopper, Visit


def _open_cart(v: Visit) -> None:
    v.open("cart")


def _back_and_forth(v: Visit, line_link: str, to_cart: Callable[[Visit], None] = _open_cart) -> None:
    """The undecided shopper's walk from a cart with something in it: the cart (``to_cart``), a while on
    it, back to the product by the name in its cart line (``line_link``), twice; then the cart again,
    long, and away."""
    for _ in range(2):
        to_cart(v)
        v.pause(2500)
        v.follow(line_link)
        v.pause(900)
    to_cart(v)
    v.pause(4000)
    v.leave_through_top()


# ---------------------------------------------------------------- django-oscar (en, tr)
OSCAR_PRODUCTS = {"en": ("linen-shirt_1", "leather-wallet_2"), "tr": ("keten-gomlek_1", "deri-cuzdan_2")}
OSCAR_SEARCH = {"en": "shirt", "tr": "gömlek"}


def _oscar_product(v: Visit, index: int = 0) -> None:
    v.open("product", product=OSCAR_PRODUCTS[v.theme.language][index])


def _oscar_add(v: Visit) -> None:
    v.follow("#add_to_basket_form button[type=submit]")


def _oscar_to_basket(v: Visit) -> None:
    """The header's 'View cart' / 'Sepeti görüntüle' button."""
    v.follow(".basket-mini button.btn-outline-secondary:not(.dropdown-toggle)")


def oscar_price(v: Visit) -> None:
    v.open("home")
    v.page.fill("#id_q", OSCAR_SEARCH[v.theme.language])
    with v.page.expect_navigation(wait_until="load"):
        v.page.press("#id_q", "Enter")
    v.pause(600)
    with v.page.expect_navigation(wait_until="load"):  # Oscar's script sends the form on change
        v.page.select_option("select[name=sort_by]", "price-desc")
    v.pause(800)
    _oscar_product(v, 1)
    _oscar_add(v)
    _oscar_product(v, 0)
    _oscar_add(v)
    _oscar_to_basket(v)
    v.click("#voucher_form_link a")
    v.click("#voucher_form input[name=code]")
    v.pause(1500)
    v.click("a[data-behaviours~=remove] >> nth=0")  # the first line is the dearer wallet
    v.page.wait_for_load_state("load")  # Oscar's script updates the basket in place
    v.pause(1200)
    v.leave_through_top()


def oscar_trust(v: Visit) -> None:
    _oscar_product(v, 0)
    v.scroll_to("#reviews", 2500)
    v.scroll_top()
    v.scroll_to("#reviews", 2500)
    v.scroll_top()
    v.follow(".star-rating a[href*='/reviews/']")
    v.scroll_to(".review-list, #reviews, article", 2500)
    _oscar_product(v, 0)
    _oscar_add(v)
    v.pause(800)
    v.leave_through_top()


def oscar_speed(v: Visit) -> None:
    _oscar_product(v, 0)
    _oscar_add(v)
    _oscar_to_basket(v)
    for _ in range(3):  # the basket's Shipping total, looked at again and again
        v.scroll_to("#basket_totals", 1500)
        v.scroll_top(600)
    v.leave_through_top()


def oscar_indecision(v: Visit) -> None:
    _oscar_product(v, 0)
    _oscar_add(v)
    for _ in range(2):
        _oscar_to_basket(v)
        v.pause(2500)
        v.follow("#basket_formset a[href*='/catalogue/']:not(:has(img))")  # the line's product name
        v.pause(900)
    _oscar_to_basket(v)
    v.pause(4000)
    v.leave_through_top()


def oscar_friction(v: Visit) -> None:
    _oscar_product(v, 0)
    _oscar_add(v)
    _oscar_to_basket(v)
    v.follow("#content_inner a[href='/checkout/']")  # 'Proceed to checkout' / 'Ödemeye geç'
    v.pause(200)
    submit = "form[method=post] button[type=submit]"  # 'Continue' (the header's search form is a GET)
    v.page.fill("#id_username", "not-an-email")
    v.click(submit)  # the browser refuses the address
    v.pause(1000)
    v.page.fill("#id_username", "shopper@example.com")
    v.follow(submit)  # as a guest, the default choice
    v.pause(200)
    v.click(submit)  # the shipping address form, sent empty
    v.pause(1500)
    v.open("cart")  # the checkout pages have no cart link: back to the basket by its address
    v.pause(1500)
    v.leave_through_top()


OSCAR = [
    Shopper("price", "price", frozenset({"price_sort", "cart_add", "coupon_focus", "cart_remove"}), oscar_price),
    Shopper("trust", "trust", frozenset({"review_view", "cart_add"}), oscar_trust,
            note="no returns policy in Oscar's default pages"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "cart_view"}), oscar_speed,
            note="Oscar shows no delivery time or shipping information, only a Shipping total in the basket"),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_dwell", "cart_to_product"}),
            oscar_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), oscar_friction),
]


# ---------------------------------------------------------------- Cartridge (en, tr)
def _cartridge_product(v: Visit, slug: str) -> None:
    v.open("listing")
    v.follow(f"a.thumbnail[href$='/product/{slug}/']")


def _cartridge_buy(v: Visit) -> None:
    v.follow("#add-cart input[name=add_cart]")  # 'Buy' / 'Satın al': Cartridge goes on to the cart


def cartridge_price(v: Visit) -> None:
    _cartridge_product(v, "linen-shirt" if v.theme.language == "en" else "keten-g%C3%B6mlek")
    _cartridge_buy(v)
    _cartridge_product(v, "django-pony")
    _cartridge_buy(v)
    v.click(".discount-form input[type=text]")  # the discount code
    v.pause(1500)
    v.page.locator("input[name$='-DELETE']").first.check()  # the dearer shirt, added first
    v.follow("input[name=update_cart]")
    v.pause(400)
    v.leave_through_top()


def cartridge_trust(v: Visit) -> None:
    _cartridge_product(v, "django-pony")
    for _ in range(2):
        v.scroll_to(".panel.rating", 2500)
        v.scroll_top()
    _cartridge_buy(v)
    v.pause(800)
    v.leave_through_top()


def cartridge_speed(v: Visit) -> None:
    _cartridge_product(v, "django-pony")
    _cartridge_buy(v)
    for _ in range(3):  # the cart's totals, looked at again and again
        v.scroll_to(".cart-total, table", 1500)
        v.scroll_top(600)
    v.leave_through_top()


def cartridge_indecision(v: Visit) -> None:
    _cartridge_product(v, "django-pony")
    _cartridge_buy(v)
    for _ in range(2):
        v.pause(2500)
        v.follow("td a[href*='/shop/product/']:not(:has(img))")  # the line's product name
        v.pause(900)
        v.follow("a[href='/shop/cart/'] >> nth=0")  # the header's cart link
    v.pause(4000)
    v.leave_through_top()


def cartridge_friction(v: Visit) -> None:
    _cartridge_product(v, "django-pony")
    _cartridge_buy(v)
    v.follow("a[href='/shop/checkout/'].btn")  # 'Go to Checkout'
    v.pause(200)
    v.click("form input[type=submit].btn-primary, form button[type=submit].btn-primary")  # 'Next', sent empty
    v.pause(1500)
    v.follow("a[href='/shop/cart/'] >> nth=0")
    v.pause(900)
    v.leave_through_top()


CARTRIDGE = [
    Shopper("price", "price", frozenset({"cart_add", "coupon_focus", "cart_remove"}), cartridge_price,
            note="the category page's sort <select> does not render (a Python 3 bug in the template)"),
    Shopper("trust", "trust", frozenset({"review_view", "cart_add"}), cartridge_trust,
            note="ratings only (a star panel), no written reviews or returns policy"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "cart_view"}), cartridge_speed,
            note="no delivery information before the checkout's shipping step"),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_dwell", "cart_to_product"}),
            cartridge_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), cartridge_friction),
]


# ---------------------------------------------------------------- static kits
def _text(v: Visit, text: str, tag: str = "*") -> None:
    v.click(f"{tag}:has-text('{text}')")


def kit_sb_price(v: Visit) -> None:
    v.open("listing")
    v.scroll_to(".card >> nth=3", 1200)
    v.open("product")
    _text(v, "Add to cart", "button")
    v.open("cart")
    v.click("button:has(i.fa-trash) >> nth=0")  # 'Remove item' (its title becomes a tooltip)
    v.open("checkout")
    v.click("input[placeholder='Promo code']")
    v.pause(2000)
    v.leave_through_top()


def kit_sb_trust(v: Visit) -> None:
    v.open("listing")
    v.scroll_to(".bi-star-fill", 2000)  # the star ratings on the cards, the only trust cue
    v.open("product")
    _text(v, "Add to cart", "button")
    v.pause(1000)
    v.leave_through_top()


def kit_sb_speed(v: Visit) -> None:
    v.open("product")
    _text(v, "Add to cart", "button")
    v.open("cart")
    for _ in range(3):
        v.scroll_to("text=Expected shipping delivery", 1500)
        v.scroll_top(600)
    v.leave_through_top()


def kit_indecision(v: Visit) -> None:
    v.open("product")
    if v.page.locator("button:has-text('Add to cart')").count():
        _text(v, "Add to cart", "button")
    for _ in range(2):
        v.open("cart")
        v.pause(2500)
        v.open("product")
        v.pause(1500)
    v.open("cart")
    v.pause(4000)
    v.leave_through_top()


def kit_checkout_friction(v: Visit) -> None:
    v.open("cart")
    v.open("checkout")
    v.pause(800)
    v.click("button[type=submit]:has-text('Continue to checkout')")
    v.pause(1500)
    v.open("cart")
    v.pause(1500)
    v.leave_through_top()


KIT_STARTBOOTSTRAP = [
    Shopper("price", "price", frozenset({"cart_add", "cart_remove", "coupon_focus"}), kit_sb_price),
    Shopper("trust", "trust", frozenset({"cart_add"}), kit_sb_trust,
            note="no reviews, returns or warranty information in this kit: star ratings only"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "shipping_info_open"}), kit_sb_speed),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_to_product"}), kit_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), kit_checkout_friction),
]


def kit_orbit_price(v: Visit) -> None:
    v.open("product")
    v.open("cart")
    v.click("button:has(i.fa-minus) >> nth=0")  # one shirt fewer
    v.pause(800)
    v.click("input[id*=form3], input.form-control-lg >> nth=0")  # 'Enter your code'
    v.pause(2000)
    v.leave_through_top()


def kit_orbit_trust(v: Visit) -> None:
    v.open("product")
    v.scroll_to("text=Product Reviews", 2500)
    v.scroll_top()
    v.scroll_to("text=Product Reviews", 2500)
    v.scroll_top()
    v.scroll_to("text=Posted by Bob", 2500)
    # The product page has no add control: the shopper goes to the cart that holds the items, and leaves there.
    v.open("cart")
    v.pause(1000)
    v.leave_through_top()


def kit_orbit_speed(v: Visit) -> None:
    v.open("product")
    v.open("cart")
    for _ in range(3):
        v.click("select.select")  # the Shipping choice: 'Standard-Delivery- €5.00'
        v.page.keyboard.press("Escape")
        v.pause(1200)
    v.leave_through_top()


def _order_again(v: Visit, button: str) -> None:
    """The order button does nothing (a template's ``type=button``): clicked, waited for, clicked again, twice."""
    for wait in (2500, 2000, 1500):
        v.click(button)
        v.pause(wait)


def kit_orbit_friction(v: Visit) -> None:
    v.open("cart")
    v.open("checkout")
    _order_again(v, "button:has-text('Buy now')")
    v.open("cart")
    v.pause(1500)
    v.leave_through_top()


KIT_ORBIT = [
    Shopper("price", "price", frozenset({"coupon_focus", "cart_view"}), kit_orbit_price),
    Shopper("trust", "trust", frozenset({"review_view"}), kit_orbit_trust),
    Shopper("shipping_speed", "shipping_speed", frozenset({"shipping_info_open", "cart_view"}), kit_orbit_speed),
    Shopper("indecision", "indecision", frozenset({"cart_view", "cart_to_product"}), kit_indecision,
            note="the product page has no add-to-cart button"),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), kit_orbit_friction,
            note="the payment form's fields are not marked required; its 'Buy now' does nothing: clicked three times"),
]


def kit_mdb_price(v: Visit) -> None:
    v.open("listing")
    v.open("cart")
    v.click("a:has-text('price')")  # 'Sort by: price'
    v.pause(800)
    # The first (dearest) line down to nothing with its minus button: its trash link is an icon
    # alone, and the icon font comes from a CDN this loopback-only test cannot reach.
    for _ in range(2):
        v.click("button:has(i.fa-minus) >> nth=0")
    v.pause(800)
    code = v.page.locator(".form-outline:has(label:has-text('Discound code')) input")
    code.scroll_into_view_if_needed()
    box = code.bounding_box() or {"width": 200.0, "height": 40.0}
    code.click(position={"x": box["width"] - 12, "y": box["height"] / 2})  # beside its floating label
    v.pause(2000)
    v.leave_through_top()


def kit_mdb_trust(v: Visit) -> None:
    v.open("listing")
    v.scroll_to(".bi-star-fill", 2500)
    v.scroll_top()
    v.open("cart")
    v.leave_through_top()


def kit_mdb_speed(v: Visit) -> None:
    v.open("cart")
    v.open("checkout")
    for _ in range(3):
        v.scroll_to("text=Shipping", 1500)
        v.scroll_top(600)
    v.leave_through_top()


def kit_mdb_indecision(v: Visit) -> None:
    for _ in range(2):
        v.open("cart")
        v.pause(2500)
        v.open("listing")
        v.pause(1500)
    v.open("cart")
    v.pause(4000)
    v.leave_through_top()


def kit_mdb_friction(v: Visit) -> None:
    v.open("cart")
    _text(v, "Proceed to Pay", "button")
    v.open("checkout")
    _order_again(v, "button:has-text('Checkout')")
    v.open("cart")
    v.pause(1500)
    v.leave_through_top()


KIT_MDB = [
    Shopper("price", "price", frozenset({"price_sort", "cart_remove", "coupon_focus"}), kit_mdb_price),
    Shopper("trust", "trust", frozenset(), kit_mdb_trust, note="no reviews or policies: star ratings only"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_view"}), kit_mdb_speed,
            note="delivery shows only as a Shipping price line"),
    Shopper("indecision", "indecision", frozenset({"cart_view", "cart_dwell"}), kit_mdb_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), kit_mdb_friction,
            note="no required field; its 'Checkout' button does nothing: clicked three times"),
]


# ---------------------------------------------------------------- Shuup (held out)
SHUUP_PRODUCTS = ("1-linen-shirt", "2-leather-wallet")


def _shuup_product(v: Visit, index: int = 0) -> None:
    v.open("product", product=SHUUP_PRODUCTS[index])


def _shuup_add(v: Visit) -> None:
    """'Add to cart': Shuup's script posts the form in place; the header's 'Cart (n)' then changes."""
    before = v.page.inner_text("#navigation-basket-partial")
    v.click("button[id^=add-to-cart-button]")
    v.page.wait_for_function("t => document.querySelector('#navigation-basket-partial').innerText !== t", arg=before)
    v.pause(400)


def shuup_price(v: Visit) -> None:
    v.open("listing")
    v.click("button[data-id=id_sort]")  # the sort box is a bootstrap-select dropdown over a hidden <select>
    with v.page.expect_navigation(wait_until="load"):  # Shuup's script sends the sorter on change
        v.click(".dropdown-menu li a:has-text('Price - High to Low')")
    v.pause(800)
    _shuup_product(v, 1)
    _shuup_add(v)
    _shuup_product(v, 0)
    _shuup_add(v)
    v.open("cart")
    v.click("#discount-code")  # 'Coupon Code'
    v.pause(1500)
    v.follow(".basket-lines .delete button >> nth=0")  # the dearer wallet, added first
    v.pause(400)
    v.leave_through_top()


def shuup_trust(v: Visit) -> None:
    _shuup_product(v, 0)
    for _ in range(2):  # what the page offers about the product: its Description and Details tabs
        v.click("a[role=tab][href='#details']")
        v.pause(1500)
        v.click("a[role=tab][href='#description']")
        v.pause(1500)
    _shuup_add(v)
    v.pause(800)
    v.leave_through_top()


def shuup_speed(v: Visit) -> None:
    """Shuup says nothing of delivery before the checkout's methods phase: the shopper goes there
    (the addresses filled in, as asked) and weighs its shipping methods, the pre-selected one
    against 'Express delivery (1-2 days)', back and forth."""
    _shuup_product(v, 0)
    _shuup_add(v)
    v.open("cart")
    v.follow("a.btn-checkout")  # 'Proceed to checkout' -> the addresses phase
    for kind in ("billing", "shipping"):
        v.page.fill(f"#id_{kind}-name", "A Shopper")
        v.page.fill(f"#id_{kind}-street", "1 Main Street")
        v.page.fill(f"#id_{kind}-city", "Leeds")
        v.page.select_option(f"#id_{kind}-country", "GB")
    v.follow("main form button[type=submit].btn-lg")  # 'Continue' -> the methods phase
    for method in ("Express delivery", "ShippingMethod", "Express delivery"):
        v.click(f".checkout-method-radio label:has-text('{method}')")
        v.pause(1500)
    v.leave_through_top()


def shuup_indecision(v: Visit) -> None:
    _shuup_product(v, 0)
    _shuup_add(v)
    _back_and_forth(v, ".basket-lines h4.name a.product-name")


def shuup_friction(v: Visit) -> None:
    _shuup_product(v, 0)
    _shuup_add(v)
    v.open("cart")
    v.follow("a.btn-checkout")  # 'Proceed to checkout' -> the addresses phase
    v.pause(200)
    v.click("main form button[type=submit].btn-lg")  # 'Continue', the address form sent empty
    v.pause(1500)
    v.open("cart")
    v.pause(1500)
    v.leave_through_top()


SHUUP = [
    Shopper("price", "price", frozenset({"price_sort", "cart_add", "coupon_focus", "cart_remove"}), shuup_price),
    Shopper("trust", "trust", frozenset({"cart_add"}), shuup_trust,
            note="no reviews, returns or warranty information in Shuup's default product page"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "cart_view", "shipping_info_open"}), shuup_speed,
            note="no delivery information before the checkout's methods phase: the shipping methods there"),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_dwell", "cart_to_product"}),
            shuup_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), shuup_friction),
]

# ---------------------------------------------------------------- OpenCart 4.1.0.3 (external; held out until 2026-12-04)
#: OpenCart's sample catalogue: the iPhone (3 reviews, $123.20) and the MacBook (2 reviews, $602.00), both in Desktops
OPENCART_IPHONE, OPENCART_MACBOOK, OPENCART_DESKTOPS = "40", "43", "20"


def _opencart_add(v: Visit) -> None:
    """'Add to Cart': OpenCart's script posts it in place; the header's cart button ('n item(s) - $x') then changes."""
    before = v.page.inner_text("#cart > .dropdown > button")
    v.click("#button-cart")
    v.page.wait_for_function("t => document.querySelector('#cart > .dropdown > button').innerText !== t", arg=before)
    v.pause(400)


def _opencart_cart_line_removed(v: Visit, lines_before: int) -> None:
    v.page.wait_for_function(
        "n => document.querySelectorAll('#shopping-cart tbody tr').length < n", arg=lines_before
    )  # the cart's list is loaded again after the removal


def opencart_price(v: Visit) -> None:
    v.open("listing", category=OPENCART_DESKTOPS)
    with v.page.expect_navigation(wait_until="load"):  # the Sort By <select> goes to the sorted page on change
        v.page.select_option("#input-sort", label="Price (Low > High)")
    v.pause(800)
    v.open("product", product=OPENCART_MACBOOK)
    _opencart_add(v)
    v.open("product", product=OPENCART_IPHONE)
    _opencart_add(v)
    v.open("cart")
    v.click("button.accordion-button:has-text('Use Coupon Code')")
    v.click("#input-coupon")  # 'Enter your coupon here'
    v.pause(1500)
    lines = v.page.locator("#shopping-cart tbody tr").count()
    v.click("#shopping-cart a.btn-danger[title=Remove] >> nth=0")  # the dearer MacBook, added first
    _opencart_cart_line_removed(v, lines)
    v.pause(800)
    v.leave_through_top()


def opencart_trust(v: Visit) -> None:
    v.open("product", product=OPENCART_IPHONE)
    for _ in range(2):  # the Reviews (3) tab, read, left for the description, read again
        v.click("#content a.nav-link[href='#tab-review']")
        v.pause(2500)
        v.click("#content a.nav-link[href='#tab-description']")
        v.pause(1200)
    v.click("a:has-text('3 reviews')")  # the link beside the stars opens the same tab
    v.pause(2000)
    _opencart_add(v)
    v.pause(800)
    v.leave_through_top()


def opencart_speed(v: Visit) -> None:
    v.open("product", product=OPENCART_IPHONE)
    _opencart_add(v)
    v.open("cart")
    shipping = "button.accordion-button:has-text('Estimate Shipping & Taxes')"
    v.click(shipping)
    v.page.locator("#input-zone").select_option(label="Greater London")
    v.page.fill("#input-postcode", "N1 9GU")
    v.click("#button-quote")  # 'Get Quotes': OpenCart shows its shipping methods in a dialog
    v.page.locator("#modal-shipping").wait_for(state="visible")
    v.pause(1500)
    v.click("#modal-shipping .btn-close")
    v.page.locator("#modal-shipping").wait_for(state="hidden")
    for _ in range(2):  # closed, and opened again to look at the estimate once more
        v.click(shipping)
        v.pause(600)
        v.click(shipping)
        v.pause(1500)
    v.leave_through_top()


def opencart_indecision(v: Visit) -> None:
    v.open("product", product=OPENCART_IPHONE)
    _opencart_add(v)
    _back_and_forth(v, "#shopping-cart td.text-start a")


def opencart_friction(v: Visit) -> None:
    v.open("product", product=OPENCART_IPHONE)
    _opencart_add(v)
    v.open("cart")
    v.follow("#content a.btn-primary:has-text('Checkout')")
    v.pause(200)
    v.click("#input-guest")  # 'Guest Checkout'
    v.click("#button-register")  # 'Continue', the personal details and address sent empty
    v.page.locator("#form-register .is-invalid").first.wait_for()  # OpenCart marks the fields in place
    v.pause(1500)
    v.follow(".breadcrumb a:has-text('Shopping Cart')")
    v.pause(1500)
    v.leave_through_top()


OPENCART = [
    Shopper("price", "price", frozenset({"price_sort", "cart_add", "coupon_focus", "cart_remove"}), opencart_price),
    Shopper("trust", "trust", frozenset({"review_view", "cart_add"}), opencart_trust),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "cart_view", "shipping_info_open"}),
            opencart_speed),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_dwell", "cart_to_product"}),
            opencart_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), opencart_friction),
]

# ---------------------------------------------------------------- Colorlib Male Fashion (development, external)
def _mf_add(v: Visit) -> None:
    v.click(".product__details__cart__option a.primary-btn")  # 'add to cart' (href="#")


def mf_price(v: Visit) -> None:
    v.open("listing")
    v.click(".shop__product__option__right .nice-select")  # 'Sort by Price:' drawn by nice-select over a <select>
    v.click(".shop__product__option__right .nice-select li.option:has-text('Low To High')")
    v.pause(800)
    v.click(".shop__sidebar__price a:has-text('$50.00 - $100.00')")
    v.pause(800)
    v.open("product")
    _mf_add(v)
    v.open("cart")
    v.click(".cart__discount input[placeholder='Coupon code']")
    v.pause(1500)
    v.click("td.cart__close >> nth=0")
    v.pause(800)
    v.leave_through_top()


def mf_trust(v: Visit) -> None:
    v.open("product")
    for _ in range(2):  # 'Customer Previews(5)', read, the description, and back
        v.click(".product__details__tab a.nav-link[href='#tabs-6']")
        v.pause(2500)
        v.click(".product__details__tab a.nav-link[href='#tabs-5']")
        v.pause(1200)
    v.click(".product__details__tab a.nav-link[href='#tabs-6']")
    v.pause(1500)
    _mf_add(v)
    v.pause(800)
    v.leave_through_top()


def mf_speed(v: Visit) -> None:
    v.open("product")
    _mf_add(v)
    v.open("cart")
    for _ in range(3):  # the cart total, looked at again and again
        v.scroll_to(".cart__total", 1500)
        v.scroll_top(600)
    v.leave_through_top()


def mf_indecision(v: Visit) -> None:
    v.open("product")
    _mf_add(v)
    for _ in range(2):
        v.open("cart")
        v.pause(2500)
        v.open("product")
        v.pause(1500)
    v.open("cart")
    v.pause(4000)
    v.leave_through_top()


def mf_friction(v: Visit) -> None:
    v.open("cart")
    v.open("checkout")
    for _ in range(3):  # the form sent empty (its action is '#'): the same empty form comes back, each time
        v.follow("button.site-btn:has-text('PLACE ORDER')")
        v.pause(1500)
    v.open("cart")
    v.pause(1500)
    v.leave_through_top()


MALE_FASHION = [
    Shopper("price", "price", frozenset({"price_sort", "price_filter", "cart_add", "coupon_focus", "cart_remove"}),
            mf_price),
    Shopper("trust", "trust", frozenset({"review_view", "cart_add"}), mf_trust,
            note="the 'Customer Previews(5)' tab holds product text, not reviews; no returns page"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "cart_view"}), mf_speed,
            note="delivery shows only as the header's 'Free shipping, 30-day return or refund guarantee.'"),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_dwell", "cart_to_product"}),
            mf_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), mf_friction,
            note="the checkout form has no required field; 'PLACE ORDER' sends back the same empty form: sent three times"),
]

# ---------------------------------------------------------------- WooCommerce 10.0.2 on Twenty Twenty-Five (external; held out)
#: WooCommerce's own sample products: the Beanie (on sale, $18, 3 reviews) and the Sunglasses ($90, 2 reviews)
WOO_BEANIE, WOO_SUNGLASSES = "beanie", "sunglasses"
WOO_CART_LINE = ".wc-block-cart-items__row"


def _woo_add(v: Visit) -> None:
    """'Add to cart' on a product page: the form is posted and the product page comes back with a notice."""
    v.follow("form.cart button.single_add_to_cart_button")


def _woo_cart(v: Visit, via: str = "header a.wp-block-navigation-item__content:has-text('Cart')") -> None:
    """To the cart (the header's 'Cart' link, or the notice's 'View cart'); its block draws the lines in the page."""
    v.follow(via)
    v.page.locator(WOO_CART_LINE).first.wait_for()
    v.pause(600)


def woo_price(v: Visit) -> None:
    v.open("listing")
    with v.page.expect_navigation(wait_until="load"):  # WooCommerce's script sends the ordering form on change
        v.page.select_option("select.orderby", label="Sort by price: low to high")
    v.pause(800)
    v.open("product", product=WOO_SUNGLASSES)
    _woo_add(v)
    v.open("product", product=WOO_BEANIE)
    _woo_add(v)
    _woo_cart(v, via=".woocommerce-notices-wrapper a.wc-forward")  # 'View cart'
    v.click(".wc-block-components-totals-coupon .wc-block-components-panel__button")  # 'Add coupons'
    v.click(".wc-block-components-totals-coupon input")  # 'Enter code'
    v.pause(1500)
    lines = v.page.locator(WOO_CART_LINE).count()
    v.click("button.wc-block-cart-item__remove-link >> nth=0")  # 'Remove item': the dearer Sunglasses, added first
    v.page.wait_for_function("([s, n]) => document.querySelectorAll(s).length < n", arg=[WOO_CART_LINE, lines])
    v.pause(800)
    v.leave_through_top()


def woo_trust(v: Visit) -> None:
    v.open("product", product=WOO_BEANIE)
    for _ in range(2):  # the 'Reviews (3)' tab, read, left for the description, read again
        v.click("#tab-title-reviews a")
        v.pause(2500)
        v.click("#tab-title-description a")
        v.pause(1200)
    v.click("a.woocommerce-review-link")  # '(3 customer reviews)' beside the stars opens the same tab
    v.pause(2000)
    _woo_add(v)
    v.pause(800)
    v.leave_through_top()


def woo_speed(v: Visit) -> None:
    v.open("product", product=WOO_BEANIE)
    _woo_add(v)
    _woo_cart(v, via=".woocommerce-notices-wrapper a.wc-forward")
    shipping = ".wc-block-components-totals-shipping"  # the totals' 'Flat rate $5.00' line
    for _ in range(3):  # the shipping line, looked at again and again
        v.scroll_to("footer", 1000)
        v.scroll_to(shipping, 1500)
    v.leave_through_top()


def woo_indecision(v: Visit) -> None:
    v.open("product", product=WOO_BEANIE)
    _woo_add(v)
    _back_and_forth(v, f"{WOO_CART_LINE} a.wc-block-components-product-name", to_cart=_woo_cart)


def woo_friction(v: Visit) -> None:
    v.open("product", product=WOO_BEANIE)
    _woo_add(v)
    _woo_cart(v, via=".woocommerce-notices-wrapper a.wc-forward")
    v.follow("a.wc-block-cart__submit-button")  # 'Proceed to Checkout'
    place_order = "button.wc-block-components-checkout-place-order-button"
    v.page.locator(place_order).wait_for()  # the checkout block draws its form in the page
    v.pause(200)
    v.click(place_order)  # 'Place Order' with the contact and address fields empty
    v.page.locator(".wc-block-components-validation-error").first.wait_for()  # the block marks the fields in place
    v.pause(1500)
    v.follow("a.wc-block-components-checkout-return-to-cart-button")  # 'Return to Cart'
    v.page.locator(WOO_CART_LINE).first.wait_for()
    v.pause(1500)
    v.leave_through_top()


WOOCOMMERCE = [
    Shopper("price", "price", frozenset({"price_sort", "cart_add", "coupon_focus", "cart_remove"}), woo_price,
            note="no price filter in the default shop page, only the ordering <select>"),
    Shopper("trust", "trust", frozenset({"review_view", "cart_add"}), woo_trust,
            note="no returns or warranty page in a new store"),
    Shopper("shipping_speed", "shipping_speed", frozenset({"cart_add", "cart_view"}), woo_speed,
            note="delivery shows only as the cart totals' 'Flat rate $5.00' line (and the checkout's "
            "Shipping options), with no delivery time"),
    Shopper("indecision", "indecision", frozenset({"cart_add", "cart_view", "cart_dwell", "cart_to_product"}),
            woo_indecision),
    Shopper("checkout_friction", "checkout_friction",
            frozenset({"checkout_step_enter", "form_error", "checkout_step_leave"}), woo_friction),
]

SHOPPERS: dict[str, list[Shopper]] = {
    "oscar": OSCAR,
    "oscar-tr": OSCAR,
    "cartridge": CARTRIDGE,
    "cartridge-tr": CARTRIDGE,
    "kit-startbootstrap": KIT_STARTBOOTSTRAP,
    "kit-orbit": KIT_ORBIT,
    "kit-mdb": KIT_MDB,
    "shuup": SHUUP,
    "opencart": OPENCART,
    "male-fashion": MALE_FASHION,
    "woocommerce": WOOCOMMERCE,
}
