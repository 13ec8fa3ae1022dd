"""What every HTTP provider adapter (SMS, WhatsApp) shares: the call, the number formats, the webhook events.

Why one place: a timeout or a dropped connection is a retryable failure at every
provider, and each of them wants the same E.164 number written its own way.

>>> national_tr("+905321234567"), national_tr("+447700900123")
('5321234567', '00447700900123')
>>> digits("+905321234567")
'905321234567'
>>> e164("905321234567@c.us"), e164("05321234567"), e164("not a number") is None
('+905321234567', '+905321234567', True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

import httpx
import msgspec
import phonenumbers

from flows.channels.channel import Channel, SendOutcome


class Receipt(msgspec.Struct, frozen=True):
    """A provider's delivery report for one message.

    ``ref`` is what the provider echoes back: its own message id (``by="provider_id"``)
    or the client reference we gave it, our idempotency key (``by="key"``).
    """

    ref: str
    by: Literal["provider_id", "key"]
    delivered: bool
    detail: str = ""


class Reply(msgspec.Struct, frozen=True):
    """A message the shopper sent to the store's number (a stop word, perhaps)."""

    sender: str  # E.164
    text: str


ProviderEvent = Receipt | Reply


class WebhookAnswer(msgspec.Struct, frozen=True):
    """What to answer the provider's call, and what it told us."""

    status: int = 200
    body: str = ""
    events: list[ProviderEvent] = msgspec.field(default_factory=list)


class ProviderChannel(Channel, Protocol):
    """An SMS or WhatsApp adapter: sends, and reads the provider's calls to our webhook."""

    async def webhook(self, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> WebhookAnswer:
        """Check and read one call of the provider to our webhook (delivery reports, replies)."""
        ...


async def call(client: httpx.AsyncClient, method: str, url: str, **kwargs: object) -> httpx.Response | SendOutcome:
    """The provider's answer, or a retryable outcome when there was none (timeout, connection)."""
    try:
        return await client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException as exc:
        return SendOutcome("retryable", None, f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        return SendOutcome("retryable", None, f"{type(exc).__name__}: {exc}"[:300])


def json_outcome(answer: httpx.Response, provider: str, *, message_id: Callable[[dict[str, Any]], str | None],
                 error: Callable[[dict[str, Any]], tuple[object, str]], accepted: str,
                 throttled: frozenset[object] = frozenset()) -> SendOutcome:
    """What a JSON provider's answer means (both WhatsApp APIs answer this way).

    ``message_id`` finds the provider's id in a 200 that took the message (None: not
    taken); ``error`` finds its error code and text otherwise. 5xx, 429 and the
    provider's ``throttled`` codes are worth retrying; any other refusal never is.
    """
    try:
        said = answer.json()
    except ValueError:
        said = {}
    said = said if isinstance(said, dict) else {}
    if answer.status_code == 200 and (taken := message_id(said)) is not None:
        return SendOutcome("sent", taken or None, accepted, receipt=True)
    code, text = error(said)
    retry = answer.status_code >= 500 or answer.status_code == 429 or code in throttled
    named = f" {code}" if code not in ("", None) else ""
    detail = f"HTTP {answer.status_code} {provider} error{named}: {text[:150] or answer.text[:150]}"
    return SendOutcome("retryable" if retry else "permanent", None, detail)


def digits(number: str) -> str:
    """E.164 without the plus: ``905321234567`` (Verimor, WhatsApp Cloud)."""
    return number.lstrip("+")


def national_tr(number: str) -> str:
    """A Turkish number as ``5XXXXXXXXX`` (Netgsm, Mobildev); others as ``00`` + country code."""
    return number[3:] if number.startswith("+90") else "00" + digits(number)


def e164(sender: str) -> str | None:
    """A provider's way of writing a sender (``905...``, ``905...@c.us``, ``05...``) as E.164, or None."""
    raw = sender.split("@", 1)[0].strip()
    if raw.isdigit() and not raw.startswith("0"):
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, "TR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
