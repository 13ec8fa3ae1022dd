"""Signed order tokens: how a thank-you page proves an order's amount without the secret key.

Why: the write key is public, so anything a browser says about money could come from
anyone. A store whose back end cannot call ``POST /v1/outcomes`` can instead render
its thank-you page with a token it computed server-side, an HMAC-SHA256 over the
order id and the amount under the store's *secret* key, and let the snippet send it
with the purchase (``props.order_token``). The collector recomputes the HMAC; only a
matching token makes the purchase's amount count (``verified``). The message is
domain-separated and versioned, so the token can never pass for any other signature.

The store's developer computes it like this (any language with HMAC-SHA256)::

    message = "cartcoach/order/v1\\n" + order_id + "\\n" + format(amount, ".2f")
    token   = hex(HMAC_SHA256(key=secret_key, message))

>>> token = order_token("sk_shop_secret_0001", "A-1001", 389.9)
>>> token
'310df7f1af89f67c2f7360a0414d1ffbef74fc5f176c877cb9288e9ecd7aaa2e'
>>> order_token_valid("sk_shop_secret_0001", "A-1001", 389.90, token)
True
>>> order_token_valid("sk_shop_secret_0001", "A-1001", 999999999.0, token)   # another amount
False
>>> order_token_valid("sk_other_secret_01", "A-1001", 389.9, token)          # another store
False
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

_DOMAIN: Final = "cartcoach/order/v1"


def _message(order_id: str, amount: float) -> bytes:
    return f"{_DOMAIN}\n{order_id}\n{amount:.2f}".encode()


def order_token(secret_key: str, order_id: str, amount: float) -> str:
    """The token a store's back end puts on its thank-you page for this order."""
    return hmac.new(secret_key.encode(), _message(order_id, amount), hashlib.sha256).hexdigest()


def order_token_valid(secret_key: str, order_id: str, amount: float, token: object) -> bool:
    """Whether ``token`` is this store's token for this order id and amount (constant time)."""
    if not isinstance(token, str) or len(token) != 64:
        return False
    return hmac.compare_digest(order_token(secret_key, order_id, amount), token.lower())
