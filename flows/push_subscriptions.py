"""Web push subscriptions and the stores' VAPID keys: who accepted notifications, and how to reach them.

A subscription comes from the snippet after the shopper accepted the browser's prompt
(the browser's permission *is* the consent, given on the store's page). It belongs to
the visitor first; once the visitor is identified (``POST /v1/identify``, or before the
subscription arrived) it belongs to the contact, and the contact's push consent says
yes with source ``push_permission``. Removing the last subscription (the snippet's
unsubscribe, or a push service answering 404/410: the browser dropped it) turns that
consent off, so the flows fall back to the step's other channel.

Why an allowlist of push services: the server POSTs to whatever endpoint it stores, and
a browser can send any URL. Only the browsers' own push services (and origins the
operator adds, such as a stand-in in tests) are accepted, so no one can point our
server at an internal address.

>>> check_endpoint("https://fcm.googleapis.com/fcm/send/abc", ())
'https://fcm.googleapis.com/fcm/send/abc'
>>> check_endpoint("https://10.0.0.1/x", ())
Traceback (most recent call last):
...
flows.push_subscriptions.PushError: $.subscription.endpoint: not a known push service (10.0.0.1)
>>> check_endpoint("http://127.0.0.1:8080/push/1", ("http://127.0.0.1:8080",))
'http://127.0.0.1:8080/push/1'
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.contacts import DAY_MS, set_consent
from flows.models import Contact, PushSubscription, SessionLink, VapidKey

#: The push services of Chrome/Edge (FCM), Firefox (Mozilla autopush), Safari (Apple) and
#: Windows (WNS); a host matches itself or any subdomain.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com", "android.googleapis.com", "updates.push.services.mozilla.com",
    "push.apple.com", "notify.windows.com",
)


class PushError(ValueError):
    """A subscription we refuse; the message starts with the field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class SubscriptionKeys(msgspec.Struct, frozen=True):
    p256dh: Annotated[str, msgspec.Meta(max_length=100)]
    auth: Annotated[str, msgspec.Meta(max_length=40)]


class SubscriptionJson(msgspec.Struct, frozen=True):
    """What ``PushSubscription.toJSON()`` gives in the browser."""

    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    keys: SubscriptionKeys
    expirationTime: int | None = None  # noqa: N815 (the browser's name)


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding (what browsers and RFC 8292 use).

    >>> b64url_decode("AQID")
    b'\\x01\\x02\\x03'
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def check_endpoint(endpoint: str, extra_origins: tuple[str, ...]) -> str:
    """The endpoint if it is a known push service's ``https`` URL (or an operator-added origin)."""
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin in extra_origins:
        return endpoint
    if parts.scheme != "https":
        raise PushError("$.subscription.endpoint", "must be https")
    host = (parts.hostname or "").lower()
    if not any(host == known or host.endswith("." + known) for known in PUSH_SERVICE_HOSTS):
        raise PushError("$.subscription.endpoint", f"not a known push service ({host})")
    return endpoint


def check_keys(keys: SubscriptionKeys) -> None:
    """RFC 8291: ``p256dh`` is an uncompressed P-256 point, ``auth`` 16 random bytes."""
    try:
        point = b64url_decode(keys.p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise PushError("$.subscription.keys.p256dh", "not a P-256 public key (base64url, 65 bytes)") from None
    try:
        auth = b64url_decode(keys.auth)
    except (ValueError, binascii.Error):
        auth = b""
    if len(auth) != 16:
        raise PushError("$.subscription.keys.auth", "not a 16-byte auth secret (base64url)")


def new_vapid_key(store_id: str, subject: str, now_ms: int) -> VapidKey:
    """A fresh P-256 pair for a store (py_vapid makes it, as pywebpush signs with it)."""
    vapid = Vapid()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return VapidKey(store_id=store_id, public_key=b64url_encode(public), private_key=b64url_encode(private),
                    subject=subject, created_ms=now_ms)


async def vapid_key(db: AsyncSession, store_id: str) -> VapidKey | None:
    return await db.get(VapidKey, store_id)


async def _contact_of_visitor(db: AsyncSession, store_id: str, visitor_id: str) -> Contact | None:
    """The contact this visitor was last identified as, if any."""
    link = await db.scalar(select(SessionLink).where(SessionLink.store_id == store_id, SessionLink.visitor_id == visitor_id)
                           .order_by(SessionLink.at_ms.desc()).limit(1))
    return await db.get(Contact, link.contact_id) if link is not None else None


async def subscribe(db: AsyncSession, store_id: str, sub: SubscriptionJson, session_id: str, visitor_id: str, *,
                    retention_days: int, now_ms: int) -> PushSubscription:
    """Store (or renew) a subscription; the visitor's contact, if known, now consents to push."""
    row = await db.scalar(select(PushSubscription).where(PushSubscription.store_id == store_id,
                                                         PushSubscription.endpoint == sub.endpoint))
    if row is None:
        row = PushSubscription(store_id=store_id, endpoint=sub.endpoint, created_ms=now_ms)
        db.add(row)
    row.p256dh, row.auth = sub.keys.p256dh, sub.keys.auth
    row.session_id, row.visitor_id = session_id, visitor_id
    row.expires_ms = now_ms + retention_days * DAY_MS
    contact = await _contact_of_visitor(db, store_id, visitor_id)
    if contact is not None:
        row.contact_id = contact.id
        await set_consent(db, contact, "push", True, "push_permission", now_ms)
    await db.flush()
    return row


async def link_visitor(db: AsyncSession, contact: Contact, visitor_id: str, now_ms: int) -> int:
    """At identify: the visitor's subscriptions become the contact's (and so does the consent)."""
    rows = list(await db.scalars(select(PushSubscription).where(
        PushSubscription.store_id == contact.store_id, PushSubscription.visitor_id == visitor_id)))
    for row in rows:
        row.contact_id = contact.id
    if rows:
        await set_consent(db, contact, "push", True, "push_permission", now_ms)
        await db.flush()
        # The flow about to start reads the contact's browsers from this object.
        await db.refresh(contact, attribute_names=["push_subscriptions"])
    return len(rows)


async def remove(db: AsyncSession, store_id: str, endpoint: str, source: str, now_ms: int) -> bool:
    """Forget a subscription; a contact left with none no longer consents to push."""
    row = await db.scalar(select(PushSubscription).where(PushSubscription.store_id == store_id,
                                                         PushSubscription.endpoint == endpoint))
    if row is None:
        return False
    contact_id = row.contact_id
    await db.delete(row)
    await db.flush()
    if contact_id is not None:
        left = await db.scalar(select(func.count()).select_from(PushSubscription)
                               .where(PushSubscription.contact_id == contact_id))
        contact = await db.get(Contact, contact_id)
        if not left and contact is not None:
            await set_consent(db, contact, "push", False, source, now_ms)
    return True


async def expire(db: AsyncSession, now_ms: int) -> int:
    """Delete subscriptions past the store's retention (a contact's go with it when it is erased)."""
    result = await db.execute(delete(PushSubscription).where(PushSubscription.expires_ms <= now_ms))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class PushDirectory:
    """What the web push channel asks the database: the store's key, a contact's browsers, who is gone."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def vapid_key(self, store_id: str) -> VapidKey | None:
        async with self._sessions() as db:
            return await vapid_key(db, store_id)

    async def subscriptions(self, store_id: str, contact_id: str) -> list[PushSubscription]:
        """Newest first: every browser the contact accepted notifications in."""
        async with self._sessions() as db:
            return list(await db.scalars(select(PushSubscription).where(
                PushSubscription.store_id == store_id, PushSubscription.contact_id == contact_id)
                .order_by(PushSubscription.created_ms.desc())))

    async def gone(self, store_id: str, endpoint: str, now_ms: int) -> None:
        """The push service said 404/410: the browser dropped the subscription."""
        async with self._sessions.begin() as db:
            await remove(db, store_id, endpoint, "push_service_gone", now_ms)
