"""One plan per shopper: start a flow, run its steps under the rules, stop it on purchase.

Every step, when it falls due (never when planned, since things change):

1. the run must still be active (a purchase, an unsubscribe or an erasure stops it), and
   not in the flow holdout (:mod:`flows.holdout`: planned like any run, sends nothing);
2. the channel: the step's own if the contact consented to it and has an address for
   it, else its fallback, else nothing;
3. quiet hours in the recipient's time zone move the step to when they end;
4. the frequency cap per contact and channel, across every flow, may skip it; so may the
   ``all`` cap, which also counts the nudges the page showed the shopper (one plan per shopper);
5. İYS for commercial messages to Turkish recipients (refused: skipped; unreachable:
   tried again later);
6. the decision core writes it (``decide``: the same reason, arm, tone, policy and
   guardrails as the overlay; the holdout gets nothing, which is the flow's holdout);
   a ``last_offer`` step may carry a per-contact coupon (unique, single use, expiring),
   never when the shopper was already offered one (on the page, on any of their devices, or
   in an earlier flow whose coupon is still valid), never to a serial abandoner;
7. the outbox row for (flow run, step, contact) is claimed before sending: a step that
   runs again (a crash, a second worker) finds it and does not send twice.

A step a rule holds back gets an outbox row that names the rule (``rule``: see
:data:`flows.plan.RULES`): skipped for good, or ``deferred`` until quiet hours end or
İYS answers. Verified orders (:meth:`FlowService.record_order`) are credited to the run
whose window covers them, in both arms alike, for the flow report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.channels.channel import Channel, OutboundMessage
from flows.channels.delivery import Backoff, deliver
from flows.channels.store_providers import StoreProviders
from flows.compose import Coupon as CouponText, write
from flows.contacts import consented
from flows.iys import IysClient, needs_iys
from flows.holdout import flow_arm
from flows.models import Contact, Coupon, FlowOrder, FlowRun, OutboxMessage, SessionLink
from flows.page_nudges import LinkedSession, linked_sessions, page_nudges
from flows.rules import all_cap_reached, cap_reached, quiet_until
from flows.scheduler import PendingStep, StepScheduler
from flows.tracking import click_url, open_url, tracking_token
from flows.unsubscribe import unsubscribe_token, unsubscribe_url
from nudges.assignment import HOLDOUT, assign
from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.flow_definitions import Flow, Step
from nudges.learning.learners import Learners
from nudges.ledger import ExperimentLedger
from nudges.llm_generator import LlmGenerator
from nudges.stores import Store, StoreRegistry
from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile

log = logging.getLogger(__name__)

#: A contact whose flows ended this many times without a purchase gets no more coupons.
SERIAL_ABANDONER_RUNS = 2
#: İYS unreachable: ask again this much later.
IYS_RETRY_MS = 10 * 60_000
#: WhatsApp allows free text this long after the shopper's last message; templates after.
WHATSAPP_WINDOW_MS = 24 * 3_600_000
#: A step whose predecessor has fallen due but not happened yet tries again this much later...
ORDER_RETRY_MS = 1_000
#: ...for at most this long (a predecessor whose job was lost must not hold the flow forever).
ORDER_GRACE_MS = 10 * 60_000


class ProfileSource(Protocol):
    async def get(self, store_id: str, session_id: str) -> AbandonmentProfile | None: ...


Publish = Callable[[list[CollectedEvent]], Awaitable[None]]


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class FlowService:
    registry: StoreRegistry
    sessions: async_sessionmaker[AsyncSession]
    scheduler: StepScheduler
    profiles: ProfileSource
    ledger: ExperimentLedger
    catalogue: Catalogue
    publish: Publish
    channels: dict[str, Channel]
    public_url: str
    generator: LlmGenerator | None = None
    iys: IysClient | None = None
    #: Divide step delays by this (the demo's speed-up); 1 in production.
    speedup: float = 1.0
    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], int] = _now_ms
    #: Stores with ``experiment.policy: learning`` choose by their bandit here too, and
    #: learn the rewards the ledger closed (``nudges/learning/learners.py``).
    learners: Learners = field(default_factory=Learners)
    _contact_locks: _KeyedLocks = field(default_factory=lambda: _KeyedLocks(), init=False, repr=False)

    # -- planning ---------------------------------------------------------------------

    def _has_browser(self, contact: Contact) -> bool:
        """Push needs a browser that accepted (a dry run, which sends nothing, only the consent).

        A contact registered in this very request has none, and its list was never loaded.
        """
        push = self.channels.get("push")
        if push is not None and not push.needs_browser:
            return True
        return "push_subscriptions" not in sa_inspect(contact).unloaded and bool(contact.push_subscriptions)

    def _reachable(self, contact: Contact, channel: str) -> bool:
        if channel == "push":
            return consented(contact, channel) and self._has_browser(contact)
        address = {"email": contact.email, "sms": contact.phone, "whatsapp": contact.phone}.get(channel)
        return consented(contact, channel) and address is not None

    def _serves(self, store_id: str, channel: str) -> bool:
        """The channel exists, and (SMS, WhatsApp) the store has a provider for it."""
        adapter = self.channels.get(channel)
        return adapter is not None and (not isinstance(adapter, StoreProviders) or adapter.serves(store_id))

    def _channel_for(self, contact: Contact, step: Step) -> str | None:
        for channel in (step.channel, step.fallback):
            if channel is not None and self._serves(contact.store_id, channel) and self._reachable(contact, channel):
                return channel
        return None

    def _choose_flow(self, store: Store, contact: Contact) -> Flow | None:
        """The highest-priority flow whose steps can reach this contact at all."""
        for flow in sorted(store.flows.definitions, key=lambda f: -f.priority):
            if any(self._channel_for(contact, step) for step in flow.steps):
                return flow
        return None

    async def start(self, store: Store, contact: Contact, session_id: str, visitor_id: str,
                    product_id: str | None = None) -> FlowRun | None:
        """Start the contact's flow for this session, unless one is already running (one plan each)."""
        if not store.flows.enabled:
            return None
        now = self.clock()
        flow = self._choose_flow(store, contact)
        if flow is None:
            return None
        profile = await self.profiles.get(store.id, session_id)
        async with self.sessions.begin() as db:
            active = await db.scalar(select(FlowRun).where(FlowRun.contact_id == contact.id, FlowRun.status == "active"))
            if active is not None:
                current = store.flows.flow(active.flow)
                if current is not None and current.priority >= flow.priority:
                    return active
                await self._end(db, active, "replaced_by_priority")
            arm = flow_arm(store.id, store.flows.holdout, contact.customer_id)
            last_due = now + int(flow.steps[-1].delay_min * 60_000 / self.speedup)
            run = FlowRun(
                id=f"r_{uuid.uuid4().hex}", store_id=store.id, contact_id=contact.id, flow=flow.name,
                session_id=session_id, visitor_id=visitor_id, product_id=product_id, status="active", started_ms=now,
                arm=arm.name, propensity=round(arm.propensity, 6),
                reason=profile.top_reason if profile is not None else "unknown",
                profile_json=msgspec.json.encode(profile).decode() if profile is not None else None,
                window_end_ms=last_due + int(store.experiment.attribution_window_h * 3_600_000),
            )
            db.add(run)
        log.info("flow %s for contact %s: %s (p=%.2f)", flow.name, contact.id, arm.name, arm.propensity)
        for i, step in enumerate(flow.steps):
            due = now + int(step.delay_min * 60_000 / self.speedup)
            await self.scheduler.schedule(PendingStep(run.id, store.id, contact.id, flow.name, i, due))
        return run

    async def _end(self, db: AsyncSession, run: FlowRun, reason: str) -> None:
        run.status, run.ended_reason, run.ended_ms = "cancelled", reason, self.clock()
        await self.scheduler.cancel_run(run.id, reason)

    async def cancel_for_visitor(self, store_id: str, visitor_id: str, reason: str = "purchased") -> int:
        """Stop every active run of this visitor (a purchase): all pending steps, every channel."""
        async with self.sessions.begin() as db:
            runs = list(await db.scalars(select(FlowRun).where(
                FlowRun.store_id == store_id, FlowRun.visitor_id == visitor_id, FlowRun.status == "active")))
            for run in runs:
                await self._end(db, run, reason)
        return len(runs)

    async def end_orphaned_runs(self, reason: str) -> int:
        """End every active run at once (their pending steps are known to be gone)."""
        async with self.sessions.begin() as db:
            result = await db.execute(update(FlowRun).where(FlowRun.status == "active").values(
                status="cancelled", ended_reason=reason, ended_ms=self.clock()))
        return result.rowcount or 0

    async def refunded(self, store_id: str, visitor_id: str) -> None:
        """A recovered order came back: the runs its purchase ended count as refunded."""
        async with self.sessions.begin() as db:
            await db.execute(update(FlowRun).where(
                FlowRun.store_id == store_id, FlowRun.visitor_id == visitor_id, FlowRun.ended_reason == "purchased",
            ).values(ended_reason="refunded"))

    async def unsubscribed(self, contact_id: str, channel: str) -> None:
        """Credit the opt-out to the last message that reached the contact on that channel."""
        async with self.sessions.begin() as db:
            last = await db.scalar(select(OutboxMessage).where(
                OutboxMessage.contact_id == contact_id, OutboxMessage.channel == channel, OutboxMessage.status == "sent",
            ).order_by(OutboxMessage.created_ms.desc()).limit(1))
            if last is not None and last.unsubscribed_ms is None:
                last.unsubscribed_ms = self.clock()

    async def cancel_for_contact(self, contact_id: str, reason: str) -> int:
        """Stop every active run of a contact (unsubscribed everywhere, erased, expired)."""
        async with self.sessions.begin() as db:
            runs = list(await db.scalars(select(FlowRun).where(FlowRun.contact_id == contact_id, FlowRun.status == "active")))
            for run in runs:
                await self._end(db, run, reason)
        return len(runs)

    # -- running a step ----------------------------------------------------------------

    async def run_step(self, pending: PendingStep) -> None:
        """The scheduler's handler (see the module docstring for the order of the rules).

        One step per contact at a time: steps that fall due together (sped-up delays, a
        backlog after an outage) would each count the other's message as not yet sent and
        both pass a cap. An asyncio lock serialises them in this process, a row lock on the
        contact (PostgreSQL) across workers, held until the step's outbox row is written.
        """
        async with self._contact_locks.hold(pending.contact_id):
            await self._run_step(pending)

    async def _run_step(self, pending: PendingStep) -> None:
        store = self.registry.by_id(pending.store_id)
        async with self.sessions() as db:
            run = await db.get(FlowRun, pending.run_id)
            contact = await db.get(Contact, pending.contact_id, with_for_update=True)
            if store is None or run is None or contact is None or run.status != "active":
                return
            flow = store.flows.flow(run.flow)
            if flow is None or pending.step >= len(flow.steps):
                return
            step = flow.steps[pending.step]
            existing = await db.get(OutboxMessage, pending.idempotency_key)
            if existing is not None and existing.status not in ("sending", "deferred"):
                return  # already sent, failed or skipped: a step happens once
            if existing is not None and await self._provider_has(db, existing):
                # Claimed, then a crash before the provider's answer was recorded: it was sent.
                return await self._finish_after(db, run, pending.step, len(flow.steps))
            now = self.clock()
            if (retry := await self._after_the_step_before(db, run, flow, pending, now)) is not None:
                await self.scheduler.schedule(pending.__class__(**{**_fields(pending), "due_ms": retry}))
                return
            if run.arm == HOLDOUT:
                return await self._skip(db, pending, store, run, step.channel, "holdout", "flow holdout: planned, not sent")
            channel = self._channel_for(contact, step)
            if channel is None:
                return await self._skip(db, pending, store, run, step.channel, "consent", "no consent or address on any channel")
            quiet = store.flows.quiet_hours.get(channel)  # type: ignore[call-overload]
            later = quiet_until(now, quiet, contact.time_zone) if quiet is not None else None
            if later is not None:
                return await self._defer(db, pending, store, run, channel, "quiet_hours", later)
            if await cap_reached(db, contact.id, channel, store.flows.caps.get(channel), now):  # type: ignore[call-overload]
                return await self._skip(db, pending, store, run, channel, "cap", f"frequency cap ({channel})")
            sessions = await linked_sessions(db, store.id, contact.id)
            on_page = await page_nudges(self.ledger, store.id, store.experiment.name, sessions)
            if why := await all_cap_reached(db, contact.id, store.flows.caps.get("all"), now,
                                            [n.at_ms for n in on_page if n.shown]):
                return await self._skip(db, pending, store, run, channel, "cap", why)
            recipient = {"email": contact.email, "sms": contact.phone, "whatsapp": contact.phone}.get(channel) or ""
            if store.flows.iys_check and needs_iys(channel, recipient, contact.locale, commercial=True):
                answer = "refused" if self.iys is None or store.flows.iys_brand_code is None else (
                    await self.iys.consent(store.flows.iys_brand_code, channel, recipient))
                if answer == "unknown":
                    return await self._defer(db, pending, store, run, channel, "iys", now + IYS_RETRY_MS)
                if answer == "refused":
                    return await self._skip(db, pending, store, run, channel, "iys", "İYS: no commercial consent")

            profile = await self.profiles.get(store.id, run.session_id)
            if profile is not None:
                run.profile_json = msgspec.json.encode(profile).decode()
            elif run.profile_json is not None:
                profile = msgspec.json.decode(run.profile_json, type=AbandonmentProfile)
            coupon_allowed = (step.incentive == "offer" and not await self._serial_abandoner(db, contact.id, run.id)
                              and not await self._coupon_given(db, store, contact.id, run, sessions, now))
            moment = Moment(
                session_id=run.session_id, visitor_id=run.visitor_id, trigger=f"flow:{run.flow}:{pending.step}:{channel}",
                locale=contact.locale, product_id=run.product_id, now_ms=now,
                coupon_allowed=coupon_allowed, respect_cooldown=False,
            )
            decision = await decide(store, profile, moment, self.ledger, self.catalogue, self.generator, self.learners)
            if decision is None and step.template != "light_reminder":
                return await self._skip(db, pending, store, run, channel, "no_reason", "nothing to say (no confident profile)")
            experiment_holdout = "experiment holdout: the overlay's baseline gets nothing on any channel"
            if decision is None:
                # A light reminder claims nothing, so it needs no reason; the holdout still holds.
                if assign(store.id, store.experiment, run.session_id).name == HOLDOUT:
                    return await self._skip(db, pending, store, run, channel, "holdout", experiment_holdout)
                variant = None
            else:
                await self.publish([decision.event])
                if decision.shown is None:
                    return await self._skip(db, pending, store, run, channel, "holdout", experiment_holdout)
                variant = decision.shown
            if variant is not None and (step.incentive == "none" or (variant.incentive == "coupon" and step.incentive != "offer")):
                variant = None  # a plain reminder: this step may not carry that incentive

            coupon = None
            if variant is not None and variant.incentive == "coupon" and variant.coupon_pct:
                coupon = await self._issue_coupon(db, store, contact, run, variant.coupon_pct, now)
            token = unsubscribe_token(store.secret_key, contact.id, channel)
            unsub = unsubscribe_url(self.public_url, store.id, contact.id, channel, token)
            track_token = tracking_token(store.secret_key, pending.idempotency_key)
            written = write(
                store, variant, step.template, channel, contact.locale, coupon, unsub,
                track=lambda target: click_url(self.public_url, store.id, pending.idempotency_key, track_token, target),
                pixel_url=open_url(self.public_url, store.id, pending.idempotency_key, track_token),
            )
            row = existing or OutboxMessage(idempotency_key=pending.idempotency_key)
            row.store_id, row.contact_id, row.flow_run_id, row.flow = store.id, contact.id, run.id, run.flow
            row.step, row.channel, row.status, row.recipient = pending.step, channel, "sending", recipient
            row.subject, row.text, row.html = written.subject, written.text, written.html
            row.incentive = variant.incentive if variant is not None else "none"
            row.coupon_code = coupon.code if coupon else None
            row.due_ms, row.created_ms, row.rule = pending.due_ms, now, None
            if existing is None:
                db.add(row)
            elif existing.status == "deferred":
                # Claim the deferred row only if no other worker did in the meantime.
                claimed = await db.execute(update(OutboxMessage).where(
                    OutboxMessage.idempotency_key == existing.idempotency_key, OutboxMessage.status == "deferred",
                ).values(status="sending").execution_options(synchronize_session=False))
                if claimed.rowcount != 1:
                    await db.rollback()
                    return
            try:
                await db.commit()  # the claim: from here on, a rerun of this step finds the row
            except IntegrityError:
                await db.rollback()
                return  # another worker claimed it first

            message = OutboundMessage(
                idempotency_key=pending.idempotency_key, store_id=store.id, contact_id=contact.id,
                channel=channel, to=recipient, locale=contact.locale,  # type: ignore[arg-type]
                text=written.text, subject=written.subject, html=written.html, unsubscribe_url=unsub,
                reply_window_open=contact.whatsapp_inbound_ms is not None and now - contact.whatsapp_inbound_ms < WHATSAPP_WINDOW_MS,
            )
            delivery = await deliver(self.channels[channel], message, self.backoff)
            outcome = delivery.outcome
            row.status = "sent" if outcome.status == "sent" else "failed"
            row.attempts = len(delivery.attempts)
            row.detail = outcome.detail[:300]
            row.provider_message_id = outcome.provider_message_id
            row.sent_ms = self.clock() if outcome.status == "sent" else None
            # A provider that reports delivery sets it later (flows.channels.receipts).
            row.delivered_ms = row.sent_ms if not outcome.receipt else None
            await db.commit()
            await self._finish_after(db, run, pending.step, len(flow.steps))

    async def _provider_has(self, db: AsyncSession, row: OutboxMessage) -> bool:
        """Ask the provider (those that can be asked by our key: Verimor) whether it already took this message."""
        adapter = self.channels.get(row.channel)
        if not isinstance(adapter, StoreProviders):
            return False
        provider_id = await adapter.find_sent(row.store_id, row.idempotency_key)
        if provider_id is None:
            return False
        row.status, row.provider_message_id, row.sent_ms = "sent", provider_id, self.clock()
        row.delivered_ms = None  # its delivery report comes as for any other message
        row.detail = "found at the provider after a restart (not sent again)"
        await db.commit()
        return True

    async def _after_the_step_before(self, db: AsyncSession, run: FlowRun, flow: Flow, pending: PendingStep,
                                     now: int) -> int | None:
        """When to try again if the step before has fallen due but not happened yet, else None.

        Steps happen in order: when delays bunch up (a backlog after an outage, the demo's
        speed-up) a later step must not overtake the one before (nor finish the run under it).
        A step before that never shows up (its job lost) holds this one back for
        :data:`ORDER_GRACE_MS` at most.
        """
        if pending.step == 0:
            return None
        before = await db.get(OutboxMessage, f"{run.id}:{pending.step - 1}:{pending.contact_id}")
        if before is not None and before.status == "deferred":
            return max(before.due_ms, now) + ORDER_RETRY_MS
        if before is not None:
            waiting = before.status == "sending" and now < before.created_ms + ORDER_GRACE_MS
            return now + ORDER_RETRY_MS if waiting else None
        due = run.started_ms + int(flow.steps[pending.step - 1].delay_min * 60_000 / self.speedup)
        return now + ORDER_RETRY_MS if due <= now < due + ORDER_GRACE_MS else None

    async def _finish_after(self, db: AsyncSession, run: FlowRun, step: int, steps: int) -> None:
        """The last step happened (sent, failed or skipped): the run is over."""
        if step == steps - 1:
            await db.execute(update(FlowRun).where(FlowRun.id == run.id, FlowRun.status == "active")
                             .values(status="finished", ended_reason="last step", ended_ms=self.clock()))
            await db.commit()

    async def _record(self, db: AsyncSession, pending: PendingStep, store: Store, run: FlowRun, channel: str,
                      status: str, rule: str, why: str, due_ms: int) -> bool:
        """The outbox row of a step a rule held back (skipped or deferred); False if another worker wrote it."""
        row = await db.get(OutboxMessage, pending.idempotency_key) or OutboxMessage(idempotency_key=pending.idempotency_key)
        row.store_id, row.contact_id, row.flow_run_id, row.flow = store.id, pending.contact_id, run.id, run.flow
        row.step, row.channel, row.status, row.detail, row.rule = pending.step, channel, status, why[:300], rule
        row.due_ms, row.created_ms = due_ms, self.clock()
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            return False
        return True

    async def _skip(self, db: AsyncSession, pending: PendingStep, store: Store, run: FlowRun, channel: str,
                    rule: str, why: str) -> None:
        if await self._record(db, pending, store, run, channel, "skipped", rule, why, pending.due_ms):
            flow = store.flows.flow(run.flow)
            await self._finish_after(db, run, pending.step, len(flow.steps) if flow else 0)

    async def _defer(self, db: AsyncSession, pending: PendingStep, store: Store, run: FlowRun, channel: str,
                     rule: str, until_ms: int) -> None:
        """Not now (quiet hours, İYS unreachable): the step comes round again at ``until_ms``."""
        why = {"quiet_hours": f"quiet hours on {channel} in the recipient's time zone",
               "iys": "İYS unreachable: asked again later, never sent blind"}[rule]
        if await self._record(db, pending, store, run, channel, "deferred", rule, why, until_ms):
            await self.scheduler.schedule(pending.__class__(**{**_fields(pending), "due_ms": until_ms}))

    async def _coupon_given(self, db: AsyncSession, store: Store, contact_id: str, run: FlowRun,
                            sessions: list[LinkedSession], now: int) -> bool:
        """The shopper's incentive budget is spent: a coupon shown on the page on any of their
        devices (the decision core checks the run's own visitor), or an earlier flow coupon still valid."""
        for visitor in {s.visitor_id for s in sessions} - {run.visitor_id}:
            if await self.ledger.coupons_offered(store.id, visitor):
                return True
        valid = await db.scalar(select(func.count()).select_from(Coupon).where(
            Coupon.contact_id == contact_id, Coupon.flow_run_id != run.id, Coupon.expires_ms > now))
        return bool(valid)

    # -- verified orders (the flow report's money) --------------------------------------

    async def record_order(self, event: CollectedEvent) -> None:
        """A verified purchase or refund (back end, or the store's signed order token).

        A purchase is credited to the shopper's latest run whose window covers it (both
        arms alike: the holdout's purchases are the baseline), once per order id; a
        refund to the order it refunds. Anything unverified is ignored: a browser's
        word moves no money here (it may still stop the messages: :meth:`cancel_for_visitor`).
        """
        if not event.verified or event.order_id is None or event.type not in ("purchase", "refund"):
            return
        try:
            await self._credit(event, event.order_id)
        except IntegrityError:
            pass  # the same order reported twice at once: the other report counted it

    async def _credit(self, event: CollectedEvent, order_id: str) -> None:
        key = (event.store_id, order_id)
        async with self.sessions.begin() as db:
            order = await db.get(FlowOrder, key)
            if event.type == "refund":
                if order is not None and order.refunded_ms is None:
                    order.refunded, order.refunded_ms = min(event.amount or 0.0, order.amount), event.at
                return
            if order is not None:
                return  # this order was counted already
            linked = select(SessionLink.contact_id).where(
                SessionLink.store_id == event.store_id, SessionLink.visitor_id == event.visitor_id)
            run = await db.scalar(select(FlowRun).where(
                FlowRun.store_id == event.store_id,
                (FlowRun.visitor_id == event.visitor_id) | FlowRun.contact_id.in_(linked),
                FlowRun.started_ms <= event.at, FlowRun.window_end_ms >= event.at,
            ).order_by(FlowRun.started_ms.desc()).limit(1))
            if run is None:
                return
            db.add(FlowOrder(store_id=event.store_id, order_id=order_id, contact_id=run.contact_id,
                             flow_run_id=run.id, amount=event.amount or 0.0, at_ms=event.at, refunded=0.0))

    async def _serial_abandoner(self, db: AsyncSession, contact_id: str, current_run: str) -> bool:
        ended = await db.scalar(select(func.count()).select_from(FlowRun).where(
            FlowRun.contact_id == contact_id, FlowRun.id != current_run,
            (FlowRun.status == "finished") | (FlowRun.ended_reason == "replaced_by_priority")))
        return (ended or 0) >= SERIAL_ABANDONER_RUNS

    async def _issue_coupon(self, db: AsyncSession, store: Store, contact: Contact, run: FlowRun, pct: int, now: int) -> CouponText:
        expires = now + store.policy.coupon_valid_hours * 3_600_000
        code = f"CC-{secrets.token_hex(4).upper()}"
        db.add(Coupon(code=code, store_id=store.id, contact_id=contact.id, flow_run_id=run.id,
                      pct=pct, issued_ms=now, expires_ms=expires))
        until = datetime.fromtimestamp(expires / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        return CouponText(code, pct, until)


class _KeyedLocks:
    """One asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]


def _fields(step: PendingStep) -> dict:
    return {name: getattr(step, name) for name in step.__struct_fields__}
