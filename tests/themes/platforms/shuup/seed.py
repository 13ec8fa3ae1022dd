"""Create the corpus's Shuup store: its tables, Shuup's own ``shuup_init``, a small catalogue.

``shuup_init`` makes the shop, its supplier, tax groups and order statuses; then three
products with a price and stock in one category, two shipping methods (Shuup's default and an
express one) and a payment method
(Shuup's own factory helpers, ``shuup.testing.factories``, as its demo and tests use), so
the category page lists them, a product page can add to the basket and the checkout
shows its address, method and confirmation phases. Run once by ``tests/themes/install.py``.
"""

import os
import sys
import warnings

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
warnings.filterwarnings("ignore")  # Shuup's own deprecation notes, not ours to fix

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PRODUCTS = [("linen-shirt", "Linen Shirt", 64), ("leather-wallet", "Leather Wallet", 89), ("wool-scarf", "Wool Scarf", 42)]
DESCRIPTION = "Soft, breathable fabric. " * 3


def main() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    from shuup.core.models import Category, CategoryStatus, CategoryVisibility, Product, ShopProduct, Shop
    from shuup.testing import factories

    if Product.objects.exists():
        return
    call_command("shuup_init", verbosity=0)
    shop = Shop.objects.first()
    shop.maintenance_mode = False
    shop.save()
    supplier = factories.get_default_supplier(shop)
    category = Category.objects.create(
        identifier="clothing", name="Clothing", slug="clothing",
        status=CategoryStatus.VISIBLE, visibility=CategoryVisibility.VISIBLE_TO_ALL,
    )  # fmt: skip
    category.shops.add(shop)
    for sku, name, price in PRODUCTS:
        product = factories.create_product(sku, shop=shop, supplier=supplier, default_price=price, name=name,
                                           description=DESCRIPTION, slug=sku)  # fmt: skip
        shop_product = ShopProduct.objects.get(product=product, shop=shop)
        shop_product.primary_category = category
        shop_product.save()
        shop_product.categories.add(category)
    factories.get_default_shipping_method()
    # A second, faster and dearer method, as stores that ship offer: the checkout's methods phase is
    # then a choice of delivery that a shopper in a hurry can make (the first stays pre-selected).
    factories.get_shipping_method(name="Express delivery (1-2 days)", price=9)
    factories.get_default_payment_method()


if __name__ == "__main__":
    main()
