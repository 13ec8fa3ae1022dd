"""Unsubscribe links that need no login and cannot be forged for someone else.

A link names the contact and the channel and carries an HMAC of both under the store's
secret key, so anyone holding the message can unsubscribe its recipient (that is the
point: one click, RFC 8058) and nobody can unsubscribe another contact.

>>> token = unsubscribe_token("sk_shop_0001", "c_1", "email")
>>> valid_unsubscribe_token("sk_shop_0001", "c_1", "email", token)
True
>>> valid_unsubscribe_token("sk_shop_0001", "c_2", "email", token)
False
>>> unsubscribe_url("https://coach.example", "shop", "c_1", "email", token) == (
...     "https://coach.example/v1/unsubscribe/shop/c_1/email/" + token)
True
"""

from __future__ import annotations

import hashlib
import hmac


def unsubscribe_token(secret_key: str, contact_id: str, channel: str) -> str:
    message = f"unsubscribe\x1f{contact_id}\x1f{channel}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def valid_unsubscribe_token(secret_key: str, contact_id: str, channel: str, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(secret_key, contact_id, channel), token)


def unsubscribe_url(base_url: str, store_id: str, contact_id: str, channel: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v1/unsubscribe/{store_id}/{contact_id}/{channel}/{token}"
