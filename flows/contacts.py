"""Contacts and consent: who may be messaged, on which channel, since when, and for how long.

The store's back end registers a contact with its secret key (never the browser: no
e-mail or phone ever travels in events). Addresses are checked with well-kept libraries
(``email-validator``, ``phonenumbers``); a bad field is refused naming the field. Each
channel's consent carries its source and time, as KVKK asks. A contact and everything
derived from it (consents, session links, flow runs, messages, coupons) expire after
the store's retention, and :func:`erase` deletes them at once.

The page links a session to a contact with an *opaque id* only: the identify id, an
HMAC of the customer id under the store's secret key (:func:`identify_id`). The back end
computes it (or takes it from the registration answer) and prints it into the page; it
reveals nothing, and cannot be guessed for another customer.

>>> identify_id("sk_shop_0001", "customer-42")
'ci_f2e0cd26cd7f7135a5ba6d7b9c5207fe'
>>> parse_registration(b'{"customer_id": "c-1", "email": "not-an-address"}', now_ms=0)
Traceback (most recent call last):
...
flows.contacts.ContactError: $.email: An email address must have an @-sign.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.models import Consent, Contact, SessionLink

Channel = Literal["email", "sms", "whatsapp", "push"]
CustomerId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]
DAY_MS = 24 * 3600 * 1000


class ContactError(ValueError):
    """A registration we refuse; the message starts with the field (``$.phone: ...``)."""

    def __init__(self, path: str, message: str, status: int = 422) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        #: The HTTP status to answer: 400 for a body that is not JSON, 422 for a wrong field.
        self.status = status


class ConsentIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    granted: bool
    #: Where the shopper said so: ``checkout_checkbox``, ``account_settings``, ``double_opt_in``...
    source: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_.-]{1,64}$")]
    #: When (ms since the epoch); now if absent.
    at: Annotated[int, msgspec.Meta(ge=0)] | None = None


class Registration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What ``POST /v1/contacts`` accepts."""

    customer_id: CustomerId
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    locale: Literal["tr", "en"] | None = None
    time_zone: Annotated[str, msgspec.Meta(max_length=64)] = "Europe/Istanbul"
    #: Region for numbers written without a country code (ISO 3166, e.g. TR).
    phone_region: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] = "TR"
    consent: dict[Channel, ConsentIn] = {}


_decode = msgspec.json.Decoder(Registration).decode


def identify_id(secret_key: str, customer_id: str) -> str:
    """The opaque id the page sends for this customer (HMAC-SHA256, 128 bits, hex)."""
    digest = hmac.new(secret_key.encode(), customer_id.encode(), hashlib.sha256).hexdigest()
    return f"ci_{digest[:32]}"


def normalise_email(address: str) -> str:
    """The address as we store it; raises :class:`ContactError` naming ``$.email``."""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ContactError("$.email", str(exc)) from None


def normalise_phone(number: str, region: str = "TR") -> str:
    """E.164 (``+905321234567``); raises :class:`ContactError` naming ``$.phone``.

    >>> normalise_phone("0532 123 45 67")
    '+905321234567'
    """
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError("$.phone", f"not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ContactError("$.phone", "not a valid number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validation_error(exc: msgspec.ValidationError) -> ContactError:
    """msgspec's message split into the field and the complaint (a dict key names its dict).

    >>> try: msgspec.convert({"consent": {"fax": {}}}, Registration)
    ... except msgspec.ValidationError as exc: print(validation_error(exc))
    $.consent: Invalid enum value 'fax' (a key)
    """
    message, _, where = str(exc).partition(" - at `")
    key = where.startswith("key` in `")
    path = where.removeprefix("key` in `").rstrip("`") or "$"
    return ContactError(path, f"{message} (a key)" if key else message)


def parse_registration(body: bytes, now_ms: int) -> Registration:
    """Decode and check a registration; every refusal names its field."""
    try:
        reg = _decode(body)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from None
    except msgspec.DecodeError as exc:
        raise ContactError("$", f"not JSON: {exc}", status=400) from None
    changes: dict[str, object] = {}
    if reg.email is not None:
        changes["email"] = normalise_email(reg.email)
    if reg.phone is not None:
        changes["phone"] = normalise_phone(reg.phone, reg.phone_region)
    try:
        ZoneInfo(reg.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContactError("$.time_zone", f"unknown time zone {reg.time_zone!r} (IANA names, e.g. Europe/Istanbul)") from None
    for channel, consent in reg.consent.items():
        if consent.at is not None and consent.at > now_ms + 60_000:
            raise ContactError(f"$.consent.{channel}.at", "is in the future")
        needs = "email" if channel == "email" else ("phone" if channel in ("sms", "whatsapp") else None)
        if consent.granted and needs and getattr(reg, needs) is None:
            raise ContactError(f"$.consent.{channel}", f"consent to {channel} needs {needs}")
    return msgspec.structs.replace(reg, **changes) if changes else reg


async def register(db: AsyncSession, store_id: str, secret_key: str, reg: Registration, *,
                   default_locale: str, retention_days: int, now_ms: int) -> Contact:
    """Create or update the contact for (store, customer id); each registration renews its retention."""
    contact = await db.scalar(select(Contact).where(Contact.store_id == store_id, Contact.customer_id == reg.customer_id))
    if contact is None:
        contact = Contact(
            id=f"c_{uuid.uuid4().hex}", store_id=store_id, customer_id=reg.customer_id,
            identify_id=identify_id(secret_key, reg.customer_id), created_ms=now_ms, consents=[],
        )
        db.add(contact)
    if reg.email is not None:
        contact.email = reg.email
    if reg.phone is not None:
        contact.phone = reg.phone
    contact.locale = reg.locale or contact.locale or default_locale
    contact.time_zone = reg.time_zone
    contact.updated_ms = now_ms
    contact.expires_ms = now_ms + retention_days * DAY_MS
    await db.flush()
    for channel, given in reg.consent.items():
        await set_consent(db, contact, channel, given.granted, given.source, given.at or now_ms)
    return contact


async def set_consent(db: AsyncSession, contact: Contact, channel: str, granted: bool, source: str, at_ms: int) -> None:
    """Record the contact's current word on one channel (a later word replaces an earlier one)."""
    current = next((c for c in contact.consents if c.channel == channel), None)
    if current is None:
        contact.consents.append(Consent(channel=channel, granted=granted, source=source, at_ms=at_ms))
    elif at_ms >= current.at_ms:
        current.granted, current.source, current.at_ms = granted, source, at_ms
    await db.flush()


def consented(contact: Contact, channel: str) -> bool:
    """True when the contact's latest word on ``channel`` is yes."""
    return any(c.channel == channel and c.granted for c in contact.consents)


async def by_identify_id(db: AsyncSession, store_id: str, opaque_id: str) -> Contact | None:
    """The contact an identify call names, if any."""
    return await db.scalar(select(Contact).where(Contact.store_id == store_id, Contact.identify_id == opaque_id))


async def link_session(db: AsyncSession, contact: Contact, session_id: str, visitor_id: str, now_ms: int) -> SessionLink:
    """Remember that this browsing session is the contact's (the latest identify wins)."""
    link = await db.scalar(select(SessionLink).where(SessionLink.store_id == contact.store_id, SessionLink.session_id == session_id))
    if link is None:
        link = SessionLink(store_id=contact.store_id, session_id=session_id)
        db.add(link)
    link.contact_id, link.visitor_id, link.at_ms = contact.id, visitor_id, now_ms
    await db.flush()
    return link


async def erase(db: AsyncSession, store_id: str, contact_id: str) -> bool:
    """Delete a contact and, by cascade, everything derived from it; False if there was none."""
    result = await db.execute(delete(Contact).where(Contact.store_id == store_id, Contact.id == contact_id))
    return bool(result.rowcount)


async def expire(db: AsyncSession, now_ms: int) -> list[str]:
    """Erase every contact past its retention; returns their ids (so pending steps can be cancelled)."""
    ids = list(await db.scalars(select(Contact.id).where(Contact.expires_ms <= now_ms)))
    if ids:
        await db.execute(delete(Contact).where(Contact.id.in_(ids)))
    return ids
