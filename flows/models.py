"""The flows tables: contacts, their consents and session links, flow runs, the outbox, coupons.

Why one module for the tables: they are one aggregate around a contact. Every row
points at its contact with ``ON DELETE CASCADE``, so erasing a contact (KVKK) deletes
everything derived from it in one statement, on SQLite and PostgreSQL alike. Times are
milliseconds since the epoch, like every event in the project.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from database.base import Base


class Contact(Base):
    """A shopper the store's back end registered, with how to reach them."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("store_id", "customer_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The store's own customer id (opaque to us).
    customer_id: Mapped[str] = mapped_column(String(128))
    #: What the page sends to say "this session is this customer" (see ``flows.contacts``).
    identify_id: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    #: E.164, e.g. +905321234567.
    phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(2))
    time_zone: Mapped[str] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    #: After this the contact and all it owns are erased (the store's retention).
    expires_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    #: The contact's last WhatsApp message to the store: within 24 h of it free text may
    #: be sent, after that only an approved template (WhatsApp's rule).
    whatsapp_inbound_ms: Mapped[int | None] = mapped_column(BigInteger)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    #: The browsers that accepted web push and were identified as this contact's (read only:
    #: ``flows.push_subscriptions`` writes them).
    push_subscriptions: Mapped[list[PushSubscription]] = relationship(
        viewonly=True, lazy="selectin", order_by="PushSubscription.created_ms.desc()"
    )


class Consent(Base):
    """Whether a contact may be messaged on one channel, where that was said, and when."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("contact_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    #: Where it was given or withdrawn: ``checkout_checkbox``, ``unsubscribe_link``, ``stop_word``...
    source: Mapped[str] = mapped_column(String(64))
    at_ms: Mapped[int] = mapped_column(BigInteger)

    contact: Mapped[Contact] = relationship(back_populates="consents")


class SessionLink(Base):
    """A browsing session the page identified as this contact's (by an opaque id only)."""

    __tablename__ = "session_links"
    __table_args__ = (UniqueConstraint("store_id", "session_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    visitor_id: Mapped[str] = mapped_column(String(64), index=True)
    at_ms: Mapped[int] = mapped_column(BigInteger)


class FlowRun(Base):
    """One flow started for one contact; a contact has at most one active run (one plan)."""

    __tablename__ = "flow_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    visitor_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The cart's main product as the page named it (catalogue id): what the messages are about.
    product_id: Mapped[str | None] = mapped_column(String(64))
    #: The session's last profile a step saw (JSON): live profiles expire after a day, a
    #: 48-hour step still answers the reason the shopper left with.
    profile_json: Mapped[str | None] = mapped_column(Text)
    #: ``active``, ``cancelled`` (purchase, unsubscribe, erasure) or ``finished``.
    status: Mapped[str] = mapped_column(String(16), index=True)
    ended_reason: Mapped[str | None] = mapped_column(String(64))
    started_ms: Mapped[int] = mapped_column(BigInteger)
    ended_ms: Mapped[int | None] = mapped_column(BigInteger)
    #: ``treated`` or ``holdout`` (:mod:`flows.holdout`): a holdout run is planned like any
    #: other and sends nothing, so the flow's effect is what treated runs add over it.
    arm: Mapped[str] = mapped_column(String(16), default="treated", server_default="treated")
    #: The arm's probability when the run started (the store's holdout share, or its complement).
    propensity: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    #: The session's top reason when the run started (``unknown`` without a profile).
    reason: Mapped[str] = mapped_column(String(32), default="unknown", server_default="unknown")
    #: Verified orders up to here count for this run, whatever its status: the same window
    #: for both arms (the flow's last step plus the experiment's attribution window).
    window_end_ms: Mapped[int | None] = mapped_column(BigInteger)


class OutboxMessage(Base):
    """One step's message for one contact: what was (or would have been) sent, and what happened.

    The primary key is the idempotency key (flow run, step, contact): a step that runs
    twice (a crash, a second worker) finds its row and does not send again.
    """

    __tablename__ = "outbox"

    idempotency_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    flow_run_id: Mapped[str] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    #: ``sending`` (claimed), ``sent``, ``failed``, ``skipped`` (a rule said no) or
    #: ``deferred`` (quiet hours or İYS unreachable: the step comes round again at ``due_ms``).
    status: Mapped[str] = mapped_column(String(16), index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")
    #: The rule behind a skipped or deferred step, one of :data:`flows.plan.RULES`.
    rule: Mapped[str | None] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    incentive: Mapped[str] = mapped_column(String(32), default="none")
    coupon_code: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    due_ms: Mapped[int] = mapped_column(BigInteger)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    sent_ms: Mapped[int | None] = mapped_column(BigInteger)
    #: When the provider reported it delivered; the same as ``sent_ms`` for providers that
    #: report nothing (an SMTP 250 is all we know), None until a report comes.
    delivered_ms: Mapped[int | None] = mapped_column(BigInteger)
    opened_ms: Mapped[int | None] = mapped_column(BigInteger)
    clicked_ms: Mapped[int | None] = mapped_column(BigInteger)
    unsubscribed_ms: Mapped[int | None] = mapped_column(BigInteger)


class Coupon(Base):
    """A per-contact coupon: unique code, single use, expiring."""

    __tablename__ = "coupons"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    flow_run_id: Mapped[str] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    pct: Mapped[int] = mapped_column(Integer)
    issued_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    redeemed_ms: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[str | None] = mapped_column(String(128))


class VapidKey(Base):
    """A store's VAPID key pair (RFC 8292): push services accept only messages it signed.

    One per store, made by ``cartcoach flows vapid --store ID``. The public key is what
    the snippet subscribes with; a new pair orphans every subscription made with the old
    one (the browser bound them to it), so the command never replaces a pair silently.
    """

    __tablename__ = "vapid_keys"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The uncompressed P-256 point, base64url without padding (what ``applicationServerKey`` takes).
    public_key: Mapped[str] = mapped_column(String(100))
    #: The private scalar, base64url without padding; as secret as the store's secret key.
    private_key: Mapped[str] = mapped_column(String(100))
    #: The ``sub`` claim push services contact when a sender misbehaves (``mailto:`` or ``https:``).
    subject: Mapped[str] = mapped_column(String(200))
    created_ms: Mapped[int] = mapped_column(BigInteger)


class PushSubscription(Base):
    """A browser's web-push subscription: the shopper accepted notifications from the store.

    It belongs to a visitor at first, and to a contact once that visitor is identified
    (then erasure cascades to it). Anonymous ones expire after the store's retention too.
    """

    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("store_id", "endpoint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The push service's URL for this browser (RFC 8030): a capability, kept as secret as an address.
    endpoint: Mapped[str] = mapped_column(String(1024))
    #: The browser's P-256 public key and auth secret (RFC 8291), base64url.
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    visitor_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger, index=True)
class FlowOrder(Base):
    """A verified order (the store's back end, or its signed order token) credited to a flow run.

    Keyed by (store, order id): an order reported twice (back end and thank-you page)
    counts once, as in the experiment ledger. Browser purchase markers never land here.
    """

    __tablename__ = "flow_orders"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    flow_run_id: Mapped[str] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"), index=True)
    amount: Mapped[float] = mapped_column(Float)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    refunded: Mapped[float] = mapped_column(Float, default=0.0)
    refunded_ms: Mapped[int | None] = mapped_column(BigInteger)
