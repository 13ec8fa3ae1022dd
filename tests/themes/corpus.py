"""The theme corpus: real storefront markup that we did not write, and where each page is.

Every development theme comes from a package registry at a pinned version (``package.json`` /
``package-lock.json`` for npm, ``requirements-*.txt`` for PyPI) and is installed at
test time by :mod:`tests.themes.install`; nothing of it is committed. A theme is
either *static* (HTML files of an npm package, served as they are), a *platform*
(a storefront application from PyPI whose own templates are rendered by its own
engine), or *external*: a store already running somewhere, measured at the address it is
given (``benchmarks/themes.py --store-url``), as a store owner's own store would be. This
repository neither installs nor serves an external store; its tag is added by the shopper's
browser (see :mod:`tests.themes.harness`). Either way, the only change to a page is the
cartcoach tag before ``</body>``.

Static templates ship one page each; the ``kit-*`` themes are a store assembled from
several published Bootstrap templates (a product page, a cart, a checkout), as a small
store owner would buy them, each page unchanged.

``HELD_OUT`` are chosen before the snippet work and used only for acceptance: nobody
tunes the snippet against them (see README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["static", "oscar", "cartridge", "shuup", "external"]


@dataclass(frozen=True)
class Source:
    """One registry package (or, for an external store, the public repository and release tag) a theme's markup comes from."""

    package: str
    version: str
    registry: Literal["npm", "PyPI", "GitHub"]
    licence: str


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    kind: Kind
    sources: tuple[Source, ...]
    #: page type -> path on the theme's server (what a shopper opens first for that type)
    pages: dict[str, str]
    #: what the theme shows a shopper, in words (for README.md and the report)
    notes: str = ""
    language: str = "en"
    held_out: bool = False


OSCAR = Source("django-oscar", "4.2.1", "PyPI", "BSD-3-Clause")
CARTRIDGE = Source("Cartridge", "1.3.4", "PyPI", "BSD-2-Clause")
MEZZANINE = Source("Mezzanine", "6.1.1", "PyPI", "BSD-2-Clause")
SB_HOME = Source("startbootstrap-shop-homepage", "5.0.6", "npm", "MIT")
SB_ITEM = Source("startbootstrap-shop-item", "5.0.6", "npm", "MIT")
ORBIT_ITEM = Source("shop-item", "1.0.1", "npm", "MIT")
ORBIT_CHECKOUT = Source("checkout-template", "1.0.1", "npm", "MIT")
MDB_CARTS = Source("bootstrap-shopping-carts", "1.0.0", "npm", "ISC")
SHUUP = Source("shuup", "3.1.0", "PyPI", "OSL-3.0")
OPENCART = Source("opencart/opencart", "4.1.0.3", "GitHub", "GPL-3.0-or-later")
#: Colorlib's "Male Fashion" template as a third party uploaded it (Colorlib publishes it only as a download)
MALE_FASHION = Source("Alikanan-a/male-fashion-E-commeres-template", "971ac58", "GitHub", "CC-BY-3.0")
#: WordPress's release build as mirrored on GitHub (tag 6.8.2, commit 316a8fe), with its default theme Twenty Twenty-Five 1.3
WORDPRESS = Source("johnpbloch/wordpress-core", "6.8.2", "GitHub", "GPL-2.0-or-later")
#: WooCommerce's release build (vendor/ and built assets included) as mirrored on GitHub (commit b14459d)
WOOCOMMERCE = Source("WP-a2z/woocommerce", "10.0.2", "GitHub", "GPL-3.0-or-later")

OSCAR_PAGES = {
    "home": "/",
    "search": "/search/",
    "listing": "/catalogue/category/{category}/",
    "product": "/catalogue/{product}/",
    "cart": "/basket/",
    "checkout": "/checkout/",
}

CARTRIDGE_PAGES = {
    "home": "/",
    "listing": "/shop/",
    "product": "/shop/product/{product}/",
    "cart": "/shop/cart/",
    "checkout": "/shop/checkout/",
}

SHUUP_PAGES = {
    "home": "/",
    "listing": "/c/1-clothing/",
    "product": "/p/{product}/",
    "cart": "/basket/",
    "checkout": "/checkout/",
}

#: OpenCart's own routes (its default "index.php?route=" addresses: SEO URLs are off after an install)
OPENCART_PAGES = {
    "home": "/index.php?route=common/home&language=en-gb",
    "listing": "/index.php?route=product/category&language=en-gb&path={category}",
    "product": "/index.php?route=product/product&language=en-gb&product_id={product}",
    "cart": "/index.php?route=checkout/cart&language=en-gb",
    "checkout": "/index.php?route=checkout/checkout&language=en-gb",
}

#: WordPress's default addresses with plain permalinks (as after an install); the cart and checkout are the
#: pages WooCommerce creates on activation, ids 6 and 7 on a new WordPress (the store's own links use them)
WOOCOMMERCE_PAGES = {
    "home": "/",
    "listing": "/?post_type=product",
    "product": "/?product={product}",
    "cart": "/?page_id=6",
    "checkout": "/?page_id=7",
}

THEMES: dict[str, Theme] = {
    theme.name: theme
    for theme in (
        Theme(
            "oscar",
            "django-oscar default storefront (English)",
            "oscar",
            (OSCAR,),
            OSCAR_PAGES,
            notes="product page with stars and a Customer Reviews section and a reviews list page, "
            "basket with a voucher form and Remove links, search results sorted by a <select>, "
            "guest checkout: gateway, shipping address, payment, preview",
        ),
        Theme(
            "oscar-tr",
            "django-oscar default storefront (Oscar's own Turkish translation)",
            "oscar",
            (OSCAR,),
            OSCAR_PAGES,
            notes="the same templates rendered in Turkish: 'Sepete ekle', 'Sepet', 'Ödeme', "
            "'İndirim kodu' labels; prices in TRY",
            language="tr",
        ),
        Theme(
            "cartridge",
            "Cartridge (Mezzanine's shop) default theme (English)",
            "cartridge",
            (CARTRIDGE, MEZZANINE),
            CARTRIDGE_PAGES,
            notes="Bootstrap 3 shop: category page, product page with options, quantity and a star "
            "rating panel (no written reviews), cart with a discount code form and remove checkboxes, "
            "checkout in steps (billing/shipping, payment, confirmation). Its sort <select> never shows: "
            "the template tests settings.SHOP_PRODUCT_SORT_OPTIONS.count, a method on Python 3",
        ),
        Theme(
            "cartridge-tr",
            "Cartridge default theme (Cartridge's and Mezzanine's own Turkish translations)",
            "cartridge",
            (CARTRIDGE, MEZZANINE),
            CARTRIDGE_PAGES,
            notes="the same templates in Turkish, prices formatted with the tr_TR locale",
            language="tr",
        ),
        Theme(
            "kit-startbootstrap",
            "Start Bootstrap Shop Homepage + Shop Item, MDB cart, Orbit checkout",
            "static",
            (SB_HOME, SB_ITEM, MDB_CARTS, ORBIT_CHECKOUT),
            {
                "listing": "/startbootstrap-shop-homepage/dist/index.html",
                "product": "/startbootstrap-shop-item/dist/index.html",
                "cart": "/bootstrap-shopping-carts/shopping-carts-3.html",
                "checkout": "/checkout-template/index.html",
            },
            notes="product page with an 'Add to cart' button and related items, no reviews; "
            "cart with 'Remove item' buttons and 'Expected shipping delivery'; checkout with "
            "a 'Promo code' input (placeholder only) and a validated billing form",
        ),
        Theme(
            "kit-orbit",
            "Orbit Themes Shop Item, MDB cart, Orbit checkout",
            "static",
            (ORBIT_ITEM, MDB_CARTS, ORBIT_CHECKOUT),
            {
                "product": "/shop-item/index.html",
                "cart": "/bootstrap-shopping-carts/shopping-carts-2.html",
                "checkout": "/bootstrap-shopping-carts/shopping-carts-5.html",
            },
            notes="product page with a 'Product Reviews' card (three reviews) and no add-to-cart; "
            "cart with quantity steppers and a Shipping <select> ('Standard-Delivery'); "
            "payment page with card fields and 'Buy now'",
        ),
        Theme(
            "kit-mdb",
            "Start Bootstrap Shop Homepage + MDB cart with sorting and MDB payment page",
            "static",
            (SB_HOME, MDB_CARTS),
            {
                "listing": "/startbootstrap-shop-homepage/dist/index.html",
                "cart": "/bootstrap-shopping-carts/shopping-carts-4.html",
                "checkout": "/bootstrap-shopping-carts/shopping-carts-7.html",
            },
            notes="no product page of its own (the listing's cards); cart with 'Sort by: price' as a "
            "link, trash links (href='#!'), a 'Discound code' input; payment page with card fields, "
            "shipping line and Checkout",
        ),
        Theme(
            "shuup",
            "Shuup default storefront (Classic Gray theme)",
            "shuup",
            (SHUUP,),
            SHUUP_PAGES,
            notes="category page with a sort <select> and price range filters, product page with Description "
            "and Details tabs and 'Add to cart', basket with quantity fields, a campaign code field and "
            "delete buttons, checkout in phases (addresses, shipping and payment methods, confirmation; the seed "
            "offers two shipping methods, Shuup's default and 'Express delivery (1-2 days)'); no reviews, no delivery "
            "or returns information before the methods phase",
            held_out=True,
        ),
        Theme(
            "opencart",
            "OpenCart 4.1.0.3 default storefront (its default theme, sample catalogue)",
            "external",
            (OPENCART,),
            OPENCART_PAGES,
            notes="category page with a Sort By and a Show <select>, product page with Description and "
            "'Reviews (3)' tabs and 'Add to Cart' posted in place, shopping cart with quantity and remove "
            "buttons and 'Use Coupon Code' / 'Estimate Shipping & Taxes' accordions, one-page checkout "
            "(guest or register, payment and shipping address, shipping and payment methods, confirm)",
        ),
        Theme(
            "male-fashion",
            "Colorlib Male Fashion template (static, external)",
            "external",
            (MALE_FASHION,),
            {
                "home": "/index.html",
                "listing": "/shop.html",
                "product": "/shop-details.html",
                "cart": "/shopping-cart.html",
                "checkout": "/checkout.html",
            },
            notes="the issue's example theme: shop page with a 'Sort by Price' <select> made a nice-select dropdown "
            "and price-range links, '+ Add To Cart' links; product page with '<a class=primary-btn>add to cart</a>' "
            "and Description / 'Customer Previews(5)' (#tabs-6, product text, no reviews) / Additional information "
            "tabs; cart with close icons, a 'Coupon code' placeholder input, 'Proceed to checkout'; checkout form "
            "with no required field and 'PLACE ORDER'; 'Free shipping, 30-day return or refund guarantee.' in the header",
        ),
        Theme(
            "woocommerce",
            "WooCommerce 10.0.2 on WordPress 6.8.2, default theme Twenty Twenty-Five (sample products)",
            "external",
            (WORDPRESS, WOOCOMMERCE),
            WOOCOMMERCE_PAGES,
            notes="shop page with an ordering <select> ('Sort by price: low to high'), 'Add to cart' buttons; product "
            "page with stars and '(3 customer reviews)', a sale price, quantity and 'Add to cart' (the form is posted, "
            "the page comes back with 'View cart'), Description / Additional information / 'Reviews (3)' tabs; cart "
            "and checkout drawn by WooCommerce's blocks: lines with quantity steppers and 'Remove item', an 'Add "
            "coupons' panel, a 'Flat rate $5.00' totals line, 'Proceed to Checkout'; one-page checkout (contact, "
            "shipping address with required fields, Shipping options, Cash on delivery, 'Place Order', 'Return to Cart')",
            held_out=True,
        ),
    )
}

#: Chosen before any snippet work against them and written down in README.md; run only for acceptance
#: (benchmarks/themes.py --held-out). Shuup replaced kit-mdb on 2026-12-04, once kit-mdb had been seen.
#: OpenCart was held out for one acceptance run (2026-12-04, session 10); the snippet was then changed
#: for a gap it showed (a product named without a price), so it is a development theme from then on.
#: WooCommerce on Twenty Twenty-Five joined on 2026-12-04 (session 11), chosen and scripted before any run against it;
#: its acceptance run (the first, met the bar) showed one missed remove, fixed since, so it is seen too. Shuup was
#: worked on in session 11 (its speed shopper). Both stay here only so they run on request; the next held-out
#: theme must be one never run.
HELD_OUT = ("shuup", "woocommerce")

#: What the tests and the default benchmark run: not held out, and installed from a registry (an external
#: development theme such as male-fashion runs only when its address is given).
DEVELOPMENT = [name for name, theme in THEMES.items() if name not in HELD_OUT and theme.kind != "external"]
