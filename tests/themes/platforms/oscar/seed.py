"""Create the corpus store's database: Oscar's migrations, then a small catalogue.

Three products (with stock and a price each), three approved reviews on the first,
and one shipping country, so the product page shows its reviews, the basket its
voucher form and the checkout its address, shipping and payment steps. Run once by
``tests/themes/install.py``; the data is the store's, the markup is Oscar's.
"""

import os
import warnings
import sys
from decimal import Decimal

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402

warnings.filterwarnings("ignore")  # treebeard and haystack deprecation notes, not ours to fix
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sites.models import Site  # noqa: E402
from django.core.management import call_command  # noqa: E402

TURKISH = settings.LANGUAGE_CODE == "tr"
PRODUCTS = (
    [("Keten Gömlek", "640.00"), ("Deri Cüzdan", "890.00"), ("Yün Atkı", "420.00")]
    if TURKISH
    else [("Linen Shirt", "64.00"), ("Leather Wallet", "89.00"), ("Wool Scarf", "42.00")]
)
REVIEWS = (
    [("Çok rahat", 5, "Kumaşı kaliteli, bedeni tam oldu."), ("Güzel", 4, "Rengi fotoğraftaki gibi."),
     ("Fena değil", 3, "Biraz ince ama yazın ideal.")]
    if TURKISH
    else [("Very comfortable", 5, "Good fabric, true to size."), ("Nice", 4, "Colour as pictured."),
          ("Not bad", 3, "A little thin, fine for summer.")]
)


def main() -> None:
    settings.DATABASES["default"]["NAME"] and os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    from oscar.apps.address.models import Country
    from oscar.apps.catalogue.models import Category, Product, ProductCategory, ProductClass
    from oscar.apps.catalogue.reviews.models import ProductReview
    from oscar.apps.partner.models import Partner, StockRecord

    if Product.objects.exists():
        return
    Site.objects.update_or_create(id=1, defaults={"domain": "127.0.0.1", "name": "Corpus Shop"})
    Country.objects.update_or_create(
        iso_3166_1_a2="TR" if TURKISH else "GB",
        defaults={"iso_3166_1_a3": "TUR" if TURKISH else "GBR", "iso_3166_1_numeric": "792" if TURKISH else "826",
                  "printable_name": "Türkiye" if TURKISH else "United Kingdom",
                  "name": "Türkiye" if TURKISH else "United Kingdom", "is_shipping_country": True},
    )
    kind = ProductClass.objects.create(name="Giyim" if TURKISH else "Clothing", requires_shipping=True, track_stock=True)
    category = Category.add_root(name="Giyim" if TURKISH else "Clothing")
    partner = Partner.objects.create(name="Corpus")
    for index, (title, price) in enumerate(PRODUCTS):
        product = Product.objects.create(
            title=title, product_class=kind, is_public=True,
            description=("Yumuşak, nefes alan kumaş." if TURKISH else "Soft, breathable fabric.") * 3,
        )
        ProductCategory.objects.create(product=product, category=category)
        StockRecord.objects.create(
            product=product, partner=partner, partner_sku=f"SKU-{index + 1}",
            price=Decimal(price), num_in_stock=20, price_currency=settings.OSCAR_DEFAULT_CURRENCY,
        )
        if index == 0:
            for review_title, score, body in REVIEWS:
                ProductReview.objects.create(
                    product=product, title=review_title, score=score, body=body,
                    name="Ayşe" if TURKISH else "Sam", email="reviewer@example.com",
                    status=ProductReview.APPROVED,
                )
            product.update_rating()


def place_missing_image() -> None:
    """Put Oscar's "missing image" picture into MEDIA_ROOT, the step Oscar asks of every store
    it is set up for. Left to the first product page, it is made by whichever request comes
    first; two at once race for the same symlink and the loser answers 500
    (ImproperlyConfigured: "unable to symlink it for you"), as three theme shoppers opening a
    freshly seeded store together did in CI."""
    from oscar.apps.catalogue.abstract_models import MissingProductImage

    MissingProductImage()  # symlinks the picture from Oscar's static files when it is not there yet


if __name__ == "__main__":
    main()
    place_missing_image()
