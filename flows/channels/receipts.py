"""What providers tell us after sending: delivery reports, and replies (stop words) from shoppers.

Why here and not in each adapter: an adapter only reads its provider's format into
:class:`~flows.channels.provider_api.Receipt` and :class:`~flows.channels.provider_api.Reply`;
what they change is the same for all of them:

* a receipt sets the outbox row's ``delivered_ms`` (or records why it was not delivered),
  so the flow report's ``delivered`` is what reached a phone, not what a provider took;
* a reply that is a stop word (``STOP``, ``DUR``, ``İPTAL``...) withdraws the consent on
  that channel at once and stops every pending step of the sender's flows;
* any WhatsApp message opens WhatsApp's 24-hour window for free text to that contact.

Providers that report only by query (Netgsm) are asked by :func:`poll` for messages
sent in the last two days that have no report yet.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from flows.channels.provider_api import ProviderEvent, Receipt, Reply
from flows.channels.store_providers import StoreProviders
from flows.contacts import set_consent
from flows.models import Contact, OutboxMessage
from flows.rules import is_stop_word
from flows.service import FlowService

#: How far back a query provider is asked about messages that have no report yet.
POLL_WINDOW_MS = 48 * 3_600_000


async def record(flows: FlowService, store_id: str, channel: str, events: list[ProviderEvent]) -> dict[str, int]:
    """Apply a provider's events; how many receipts matched a message and how many contacts stopped."""
    delivered = stopped = 0
    now = flows.clock()
    for event in events:
        if isinstance(event, Receipt):
            delivered += await _receipt(flows, store_id, channel, event, now)
        elif isinstance(event, Reply):
            stopped += await _reply(flows, store_id, channel, event, now)
    return {"receipts": delivered, "stopped": stopped}


async def _receipt(flows: FlowService, store_id: str, channel: str, receipt: Receipt, now: int) -> int:
    column = OutboxMessage.idempotency_key if receipt.by == "key" else OutboxMessage.provider_message_id
    async with flows.sessions.begin() as db:
        rows = list(await db.scalars(select(OutboxMessage).where(
            column == receipt.ref, OutboxMessage.store_id == store_id, OutboxMessage.channel == channel,
            OutboxMessage.status == "sent")))
        for row in rows:
            if receipt.delivered and row.delivered_ms is None:
                row.delivered_ms = now
            elif not receipt.delivered:
                row.delivered_ms = None
                row.detail = f"{row.detail}; not delivered: {receipt.detail}"[:300]
    return len(rows)


async def _reply(flows: FlowService, store_id: str, channel: str, reply: Reply, now: int) -> int:
    async with flows.sessions.begin() as db:
        contacts = list(await db.scalars(select(Contact).where(Contact.store_id == store_id, Contact.phone == reply.sender)))
        if channel == "whatsapp":
            for contact in contacts:
                contact.whatsapp_inbound_ms = now
        if not is_stop_word(reply.text):
            return 0
        for contact in contacts:
            await set_consent(db, contact, channel, False, "stop_word", now)
    for contact in contacts:
        await flows.unsubscribed(contact.id, channel)
        await flows.cancel_for_contact(contact.id, f"unsubscribed ({channel})")
    return len(contacts)


async def poll(flows: FlowService, providers: StoreProviders) -> int:
    """Ask query-only providers about recent messages with no report; how many reports came."""
    found = 0
    since = flows.clock() - POLL_WINDOW_MS
    for store_id, adapter in providers.adapters():
        if not hasattr(adapter, "receipts"):
            continue
        async with flows.sessions() as db:
            ids = list(await db.scalars(select(OutboxMessage.provider_message_id).where(
                OutboxMessage.store_id == store_id, OutboxMessage.channel == providers.name,
                OutboxMessage.status == "sent", OutboxMessage.delivered_ms.is_(None),
                OutboxMessage.sent_ms >= since, OutboxMessage.provider_message_id.is_not(None),
                or_(OutboxMessage.detail.is_(None), OutboxMessage.detail.not_like("%not delivered%")))))
        if not ids:
            continue
        receipts = await adapter.receipts(ids)  # type: ignore[attr-defined]
        found += (await record(flows, store_id, providers.name, list(receipts)))["receipts"]
    return found
