"""Web push (``pywebpush``): a notification in every browser where the shopper accepted them.

Why pywebpush: it is the Web Push Libraries group's Python implementation; it encrypts
the payload per RFC 8291 (``aes128gcm``, RFC 8188, through ``http_ece``) with a fresh
ECDH key per message, and its ``py_vapid`` signs the RFC 8292 JWT. Hand-written crypto
would be the riskiest code in the project.

Each message is POSTed (RFC 8030) to every subscription the contact has, with:

* ``TTL``: how long the push service keeps it for an offline browser (a day by default:
  a cart reminder older than that is noise);
* ``Urgency: normal`` (RFC 8030 §5.3): a reminder may wait for the device to wake;
* ``Topic`` (§5.4), the same for every step of one flow run: a newer step replaces an
  older one the browser has not picked up yet, so a phone that was off gets one, not three;
* ``Authorization: vapid t=<JWT>, k=<public key>`` signed with the store's key.

Answers: 201 is sent (the ``Location`` header names the message); 404/410 mean the
browser dropped the subscription, which is removed at once (and, with the last one,
the contact's push consent); 429, 5xx and timeouts are retried like every channel
(``flows.channels.delivery``); other 4xx are permanent. A message that reached one
browser counts as sent even if another browser failed: a retry would repeat it.

The payload is JSON the service worker (``cartcoach-sw.js``) shows:

>>> payload(OutboundMessage(idempotency_key="r:1:c", store_id="shop", contact_id="c", channel="push",
...     to="", locale="en", subject="Still thinking?",
...     text="shop: Still thinking?. Free returns for 30 days. https://shop.example/cart"))
{'title': 'Still thinking?', 'body': 'Free returns for 30 days.', 'url': 'https://shop.example/cart', 'tag': 'r:1:c'}
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from typing import Literal, Protocol
from urllib.parse import urlsplit

import aiohttp
from py_vapid import Vapid
from pywebpush import WebPusher

from flows.channels.channel import OutboundMessage, SendOutcome, outcome_for_http_status
from flows.models import PushSubscription, VapidKey

Urgency = Literal["very-low", "low", "normal", "high"]
_TRAILING_URL = re.compile(r"\s*(https?://\S+)\s*$")


class PushBook(Protocol):
    """Where the channel finds keys and subscriptions (``flows.push_subscriptions.PushDirectory``)."""

    async def vapid_key(self, store_id: str) -> VapidKey | None: ...
    async def subscriptions(self, store_id: str, contact_id: str) -> list[PushSubscription]: ...
    async def gone(self, store_id: str, endpoint: str, now_ms: int) -> None: ...


def payload(message: OutboundMessage) -> dict[str, str]:
    """Title, body and the link a click opens (the text's trailing store link), as the worker reads them.

    The text is the one an SMS would carry (``store: title. body ... link``): the title and
    the link come out of it, the notification shows them in their own places.
    """
    text = message.text
    url = ""
    if match := _TRAILING_URL.search(text):
        url, text = match.group(1), text[: match.start()]
    title = message.subject or message.store_id
    for prefix in (f"{message.store_id}: {title}.", f"{message.store_id}:"):
        text = text.removeprefix(prefix)
    return {"title": title, "body": text.strip(), "url": url, "tag": message.idempotency_key}


def topic(idempotency_key: str) -> str:
    """RFC 8030 Topic: at most 32 base64url characters, one per flow run (the key's first part).

    >>> topic("run_1:0:c_1") == topic("run_1:2:c_1"), len(topic("run_1:0:c_1"))
    (True, 32)
    """
    run = idempotency_key.split(":", 1)[0]
    return hashlib.sha256(run.encode()).hexdigest()[:32]


def vapid_headers(key: VapidKey, endpoint: str, now_s: float, lifetime_s: int = 12 * 3600) -> dict[str, str]:
    """RFC 8292: a JWT for the push service's origin, valid for at most 24 h (12 h here)."""
    parts = urlsplit(endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": int(now_s) + lifetime_s, "sub": key.subject}
    return Vapid.from_raw(key.private_key.encode()).sign(claims)


class WebPushChannel:
    """Hands notifications to the browsers' push services."""

    name = "push"
    needs_browser = True

    def __init__(self, book: PushBook, *, ttl_s: int = 24 * 3600, urgency: Urgency = "normal",
                 timeout_s: float = 10.0) -> None:
        self._book = book
        self._ttl, self._urgency, self._timeout = ttl_s, urgency, timeout_s
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._http

    async def _send_one(self, key: VapidKey, sub: PushSubscription, message: OutboundMessage, data: bytes) -> SendOutcome:
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        headers = {**vapid_headers(key, sub.endpoint, time.time()), "Urgency": self._urgency,
                   "Topic": topic(message.idempotency_key)}
        try:
            response = await WebPusher(info, aiohttp_session=self._session()).send_async(
                data, headers=headers, ttl=self._ttl, content_encoding="aes128gcm",
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return SendOutcome("retryable", None, f"{type(exc).__name__}: {exc}"[:300])
        assert not isinstance(response, str)  # a curl rendering only when asked for
        status = response.status
        if status in (404, 410):
            await self._book.gone(message.store_id, sub.endpoint, int(time.time() * 1000))
            return SendOutcome("permanent", None, f"HTTP {status}: subscription gone, removed")
        return outcome_for_http_status(status, response.headers.get("Location"))

    async def send(self, message: OutboundMessage) -> SendOutcome:
        key = await self._book.vapid_key(message.store_id)
        if key is None:
            return SendOutcome("permanent", None, "no VAPID key for this store (cartcoach flows vapid --store ID)")
        subs = await self._book.subscriptions(message.store_id, message.contact_id)
        if not subs:
            return SendOutcome("permanent", None, "no push subscription for this contact")
        data = json.dumps(payload(message), ensure_ascii=False).encode()
        outcomes = [await self._send_one(key, sub, message, data) for sub in subs]
        sent = [o for o in outcomes if o.status == "sent"]
        detail = f"{len(sent)} of {len(outcomes)} browsers: " + "; ".join(o.detail for o in outcomes)
        if sent:
            return SendOutcome("sent", sent[0].provider_message_id, detail[:300])
        status = "retryable" if any(o.status == "retryable" for o in outcomes) else "permanent"
        return SendOutcome(status, None, detail[:300])

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
