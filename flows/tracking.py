"""Open and click tracking links for e-mails, signed so nobody can count for a message they lack.

>>> token = tracking_token("sk_shop_0001", "r_1:0:c_1")
>>> open_url("https://coach.example", "shop", "r_1:0:c_1", token).startswith("https://coach.example/v1/flows/open/shop/")
True
>>> click_url("https://coach.example", "shop", "r_1:0:c_1", token, "https://shop.example/cart?x=1").split("?")[1]
'to=https%3A%2F%2Fshop.example%2Fcart%3Fx%3D1'
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote


def tracking_token(secret_key: str, idempotency_key: str) -> str:
    return hmac.new(secret_key.encode(), f"track\x1f{idempotency_key}".encode(), hashlib.sha256).hexdigest()[:32]


def valid_tracking_token(secret_key: str, idempotency_key: str, token: str) -> bool:
    return hmac.compare_digest(tracking_token(secret_key, idempotency_key), token)


def open_url(base_url: str, store_id: str, idempotency_key: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v1/flows/open/{store_id}/{quote(idempotency_key, safe='')}/{token}"


def click_url(base_url: str, store_id: str, idempotency_key: str, token: str, target: str) -> str:
    """A link that records the click, then goes to ``target`` (only ever the store's own site)."""
    return f"{base_url.rstrip('/')}/v1/flows/click/{store_id}/{quote(idempotency_key, safe='')}/{token}?to={quote(target, safe='')}"
