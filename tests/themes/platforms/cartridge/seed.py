"""Create the corpus's Cartridge store: Mezzanine's ``createdb`` (with its demo shop), then a little more.

Mezzanine's own demo gives a "Shop" category page and one product on sale; we add a
dearer product, star ratings on the first (the product page's rating panel), and an
active discount code so the cart shows its discount form. The data is the store's, the
markup is Cartridge's. Run once by ``tests/themes/install.py``.
"""

import os
import sys
import warnings
from decimal import Decimal

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.dirname(here)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
warnings.filterwarnings("ignore")  # Mezzanine's deprecation notes, not ours to fix

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

TURKISH = settings.LANGUAGE_CODE == "tr"


def main() -> None:
    os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
    call_command("createdb", interactive=False, verbosity=0)
    from cartridge.shop.models import Category, DiscountCode, Product
    from django.contrib.sites.models import Site
    from mezzanine.generic.models import Rating

    Site.objects.filter(id=1).update(domain="127.0.0.1", name="Corpus Shop")
    shop = Category.objects.get(slug="shop")
    dearer = Product.objects.create(
        title="Keten Gömlek" if TURKISH else "Linen Shirt",
        content="<p>" + ("Yumuşak, nefes alan kumaş." if TURKISH else "Soft, breathable fabric.") + "</p>",
        available=True,
        status=2,
    )
    dearer.variations.create(default=True, unit_price=Decimal("64.00"), num_in_stock=20, sku="SKU-2")
    dearer.copy_default_variation()
    dearer.categories.add(shop)
    pony = Product.objects.exclude(id=dearer.id).first()
    for value in (5, 4, 4):
        Rating.objects.create(content_object=pony, value=value)
    DiscountCode.objects.create(
        title="Welcome", code="WELCOME10", active=True, discount_percent=Decimal("10")
    )


if __name__ == "__main__":
    main()
