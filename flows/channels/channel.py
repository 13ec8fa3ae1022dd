"""The channel interface: what every adapter (e-mail, SMS, WhatsApp, web push) implements.

Why so small: the rules that protect a shopper (consent, İYS, quiet hours, caps, stop
on purchase) and the retry policy live *above* the adapters, in one place, so a new
provider only has to say how to hand over one message and how its answer reads.

An adapter's :meth:`Channel.send` never raises for a provider's answer: it returns a
:class:`SendOutcome` whose status tells the caller what to do next:

* ``sent``: the provider took the message (``provider_message_id`` if it gave one);
* ``retryable``: a 5xx, 429, a timeout or a dropped connection: try again later;
* ``permanent``: a 4xx, an invalid recipient, a refused sender: never retry.

>>> outcome_for_http_status(202, "m-1")
SendOutcome(status='sent', provider_message_id='m-1', detail='HTTP 202', receipt=False)
>>> outcome_for_http_status(503).status, outcome_for_http_status(429).status
('retryable', 'retryable')
>>> outcome_for_http_status(400, detail="bad number").status
'permanent'
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import msgspec

#: The ways a flow step can reach a shopper.
ChannelName = Literal["email", "sms", "whatsapp", "push"]
SendStatus = Literal["sent", "retryable", "permanent"]


class OutboundMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One message, fully written and checked, ready to hand to a provider.

    ``idempotency_key`` is the same for every attempt of one (flow, step, contact): an
    adapter whose provider accepts a client reference (an SMTP Message-ID, an SMS
    provider's own id field) should pass it on, so a retry after a crash cannot send twice
    at the provider either.
    """

    idempotency_key: str
    store_id: str
    contact_id: str
    channel: ChannelName
    #: An e-mail address or an E.164 phone number; empty for web push (the channel finds every
    #: browser the contact accepted notifications in: ``flows.channels.web_push``).
    to: str
    locale: Literal["en", "tr"]
    #: The plain text: an SMS or WhatsApp body, or the e-mail's text/plain part.
    text: str
    #: The e-mail's subject, or a notification's title.
    subject: str | None = None
    #: E-mail only: HTML rendered from a Jinja2 template with autoescape.
    html: str | None = None
    #: One-click unsubscribe link (RFC 8058 for e-mail; appended to SMS as the opt-out).
    unsubscribe_url: str | None = None
    #: Commercial messages need İYS consent for Turkish recipients; service ones do not.
    commercial: bool = True
    #: WhatsApp only: the shopper wrote to the store in the last 24 hours, so free text may
    #: be sent; otherwise only an approved template (WhatsApp's rule).
    reply_window_open: bool = False


class SendOutcome(msgspec.Struct, frozen=True):
    """What the provider said about one attempt."""

    status: SendStatus
    provider_message_id: str | None = None
    detail: str = ""
    #: The provider will report delivery later (a callback or a query): until then the
    #: message counts as sent, not delivered. False: taking it is all we will ever know.
    receipt: bool = False


@runtime_checkable
class Channel(Protocol):
    """An adapter that hands messages to one provider."""

    #: Which kind of message it carries.
    name: ChannelName
    #: Whether a contact is reachable only through a browser that accepted notifications
    #: (web push). A record-only channel (a dry run) sends nothing, so it needs none.
    needs_browser: bool

    async def send(self, message: OutboundMessage) -> SendOutcome:
        """Hand over one message; never raise for the provider's answer (see the module doc)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def outcome_for_http_status(status: int, message_id: str | None = None, detail: str = "") -> SendOutcome:
    """The outcome of an HTTP provider's answer: 2xx sent, 5xx/429/408 retry, other 4xx never."""
    text = detail or f"HTTP {status}"
    if 200 <= status < 300:
        return SendOutcome("sent", message_id, text)
    if status >= 500 or status in (408, 425, 429):
        return SendOutcome("retryable", None, text)
    return SendOutcome("permanent", None, text)
