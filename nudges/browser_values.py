"""What a browser may say about money: bounded, checked against the catalogue, never trusted.

Why: the write key is public, so a batch may come from anyone. Prices and cart values
feed the features (a fake 999,999,999 cart would make every session look like a
whale) and the incentives' costs, so they are checked before anything is accepted:

* a product's ``price`` may not exceed the catalogue's price by more than
  :data:`PRICE_TOLERANCE` (options, tax shown differently); an unknown product's
  price, and any ``cart_value``, may not exceed the store's ``max_cart_value``;
* with a catalogue, a ``cart_value`` may not exceed ``cart_items`` times the dearest
  product (with the same tolerance).

A breach rejects the batch with 422 naming the field (nothing is accepted).

And money itself (:func:`vouch`): a browser's ``purchase`` links the session to an
order id but its ``amount`` is dropped unless it carries the store's signed order
token (:mod:`nudges.order_proof`); a browser's ``refund`` never carries money. Only
events marked ``verified`` move revenue in the experiment ledger.

>>> from nudges.stores import StoreRegistry
>>> store = StoreRegistry.from_yaml_text('''
... stores: [{id: shop, write_key: wk_shop_0001, secret_key: sk_shop_0001, allowed_origins: []}]
... ''').by_id("shop")
>>> cat = Catalogue.from_products("shop", [{"id": "mug-1", "name": "Mug", "price": 250}])
>>> from scorer.events import Event
>>> check_values([Event(id="e-00000001", type="cart_add", ts=1, product_id="mug-1", price=250.0,
...                     cart_value=250.0, cart_items=1)], store, cat)
>>> check_values([Event(id="e-00000001", type="cart_add", ts=1, product_id="mug-1",
...                     price=999999999.0)], store, cat)
Traceback (most recent call last):
  ...
scorer.events.BatchRejected: price 999999999.0 is above the catalogue's 250.00 for this product
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from nudges.catalogue import Catalogue
from nudges.order_proof import order_token_valid
from nudges.stores import Store
from scorer.events import BatchRejected, CollectedEvent, Event

#: How far above the catalogue's price a page may show a product (options, VAT shown).
PRICE_TOLERANCE: Final = 1.5
#: Where a purchase carries the order token its store's back end signed.
ORDER_TOKEN_PROP: Final = "order_token"


def check_values(events: Sequence[Event], store: Store, catalogue: Catalogue) -> None:
    """Raise :class:`BatchRejected` naming the first price or cart value out of bounds."""
    dearest = max((p.price for p in catalogue.products(store.id)), default=None)
    for i, event in enumerate(events):
        if event.price is not None:
            product = catalogue.product(store.id, event.product_id)
            if product is not None and event.price > product.price * PRICE_TOLERANCE:
                raise BatchRejected(
                    f"price {event.price} is above the catalogue's {product.price:.2f} for this product",
                    f"$.events[{i}].price",
                )
            if product is None and event.price > store.max_cart_value:
                raise BatchRejected(
                    f"price {event.price} is above the store's max_cart_value", f"$.events[{i}].price"
                )
        if event.cart_value is not None:
            if event.cart_value > store.max_cart_value:
                raise BatchRejected(
                    f"cart_value {event.cart_value} is above the store's max_cart_value", f"$.events[{i}].cart_value"
                )
            if dearest is not None and event.cart_items and event.cart_value > event.cart_items * dearest * PRICE_TOLERANCE:
                raise BatchRejected(
                    f"cart_value {event.cart_value} is more than {event.cart_items} of the dearest product cost",
                    f"$.events[{i}].cart_value",
                )


def vouch(events: list[CollectedEvent], store: Store) -> list[CollectedEvent]:
    """Browser events with their money kept only where the store's token proves it."""
    out = []
    for event in events:
        if event.type == "purchase" and event.order_id is not None and event.amount is not None:
            token = (event.props or {}).get(ORDER_TOKEN_PROP)
            if order_token_valid(store.secret_key, event.order_id, event.amount, token):
                event = msgspec.structs.replace(event, verified=True)
            else:
                event = msgspec.structs.replace(event, amount=None)
        elif event.type == "refund" and event.amount is not None:
            event = msgspec.structs.replace(event, amount=None)
        out.append(event)
    return out
