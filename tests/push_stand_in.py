"""A stand-in web push service on loopback, and browsers' subscriptions made for it.

Stand-in, not a real push service: Chromium's and Firefox's push services (FCM,
Mozilla autopush) cannot be reached here. It follows the documents they implement:

* RFC 8030 (Generic Event Delivery Using HTTP Push) §5: a message is a POST to the
  subscription's URL with a ``TTL`` header (400 without it), an optional ``Urgency``
  (very-low | low | normal | high) and ``Topic`` (≤ 32 base64url characters); the answer
  is ``201 Created`` with a ``Location`` naming the message; an unknown or expired
  subscription answers 404 / 410.
* RFC 8292 (VAPID) §2-4: ``Authorization: vapid t=<JWT>, k=<public key>``; the JWT is
  ES256-signed by ``k``, its ``aud`` is the push service's origin, its ``exp`` at most
  24 h ahead; when the subscription was made with an ``applicationServerKey``, ``k``
  must be that key (403 otherwise); a bad token is 401.
* RFC 8291 / RFC 8188: the body is ``Content-Encoding: aes128gcm``; the stand-in holds
  each subscription's *private* key and auth secret (it plays the browser too), so it
  decrypts the payload and the test reads the real text.

A subscription can be told to misbehave: answer 410 (the browser dropped it), answer
503 for its first N messages, or stall longer than the sender's timeout.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import time
from dataclasses import dataclass, field

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.live_server import LiveServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Browser:
    """One browser's subscription: the keys a browser makes (RFC 8291 §2) and how it should answer."""

    id: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    gone: bool = False
    fail_first: int = 0
    stall_s: float = 0.0
    received: list[dict] = field(default_factory=list)
    attempts: int = 0

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


class PushServiceStandIn:
    """Start with ``with PushServiceStandIn() as push:``; ``push.subscribe(vapid_public_key)`` makes a browser."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.refusals: list[tuple[int, str]] = []
        self._live = LiveServer(Starlette(routes=[Route("/push/{id}", self._push, methods=["POST"])]))
        self.origin = self._live.url

    def __enter__(self) -> PushServiceStandIn:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)

    def subscribe(self, application_server_key: str, **behaviour: object) -> Browser:
        browser = Browser(id=b64url(os.urandom(12)), application_server_key=application_server_key, **behaviour)  # type: ignore[arg-type]
        self.browsers[browser.id] = browser
        return browser

    def subscription_json(self, browser: Browser) -> dict:
        """What ``PushSubscription.toJSON()`` gives the page."""
        return {"endpoint": f"{self.origin}/push/{browser.id}", "expirationTime": None,
                "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}

    def _refuse(self, status: int, why: str) -> Response:
        self.refusals.append((status, why))
        return Response(why, status_code=status)

    async def _push(self, request: Request) -> Response:
        browser = self.browsers.get(request.path_params["id"])
        if browser is None or browser.gone:
            return self._refuse(410 if browser else 404, "no such subscription")
        browser.attempts += 1
        if browser.stall_s:
            await asyncio.sleep(browser.stall_s)
        if browser.attempts <= browser.fail_first:
            return Response("busy", status_code=503)
        headers = request.headers
        if not re.fullmatch(r"[0-9]+", headers.get("ttl", "")):
            return self._refuse(400, "TTL header missing")
        urgency = headers.get("urgency", "normal")
        if urgency not in ("very-low", "low", "normal", "high"):
            return self._refuse(400, f"bad Urgency {urgency}")
        topic = headers.get("topic")
        if topic is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic):
            return self._refuse(400, f"bad Topic {topic}")
        match = re.fullmatch(r"vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)", headers.get("authorization", ""))
        if match is None:
            return self._refuse(401, "no VAPID authorization")
        token, key = match.groups()
        try:
            claims = jwt.decode(token, key)
        except Exception as exc:  # noqa: BLE001 - any bad token is a 401, whatever the reason
            return self._refuse(401, f"bad VAPID signature: {exc!r}")
        if claims.get("aud") != self.origin:
            return self._refuse(401, f"aud {claims.get('aud')} is not {self.origin}")
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return self._refuse(401, "exp missing, past, or more than 24 h ahead")
        if key != browser.application_server_key:
            return self._refuse(403, "k is not the applicationServerKey the subscription was made with")
        if headers.get("content-encoding") != "aes128gcm":
            return self._refuse(415, "Content-Encoding must be aes128gcm")
        body = await request.body()
        try:
            text = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm")
        except Exception as exc:  # noqa: BLE001
            return self._refuse(400, f"cannot decrypt: {exc!r}")
        browser.received.append({"payload": json.loads(text), "ttl": int(headers["ttl"]), "urgency": urgency,
                                 "topic": topic, "sub": claims.get("sub")})
        location = f"{self.origin}/message/{browser.id}-{len(browser.received)}"
        return Response(status_code=201, headers={"Location": location})
