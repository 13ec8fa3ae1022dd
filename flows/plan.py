"""A shopper's plan: what the page showed, which steps are scheduled, sent or held back, and why.

One view over the three places a plan lives: the experiment ledger (the page's nudges,
:mod:`flows.page_nudges`), the flow runs (what was planned, in which arm) and the
outbox (what each step did, with the rule that held it back). A step that has not
come round yet is ``scheduled`` at its due time; a step of a run that ended first is
``cancelled`` with the reason the run ended (a purchase, an unsubscribe...). Times
are also given in the store's zone (``flows.time_zone``), the way an owner reads them.

>>> rule_of_ending("purchased"), rule_of_ending("unsubscribed (sms)"), rule_of_ending("last step")
('purchase', 'consent', None)
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.models import Contact, FlowRun, OutboxMessage, SessionLink
from flows.page_nudges import LinkedSession, linked_sessions, page_nudges
from nudges.ledger import ExperimentLedger
from nudges.stores import Store

#: Every rule that can hold a step back (the outbox's ``rule`` and a cancelled step's).
RULES: Final = ("consent", "quiet_hours", "cap", "iys", "holdout", "purchase", "no_reason", "priority",
                "erasure", "restart")
#: Runs shown per shopper, newest first.
MAX_RUNS: Final = 10

_ENDINGS: Final = {"purchased": "purchase", "refunded": "purchase", "consent withdrawn": "consent",
                   "erased": "erasure", "expired": "erasure", "replaced_by_priority": "priority"}


def rule_of_ending(ended_reason: str | None) -> str | None:
    """The rule behind a run's end, for its steps that never came round (None: it simply finished)."""
    if ended_reason is None or ended_reason == "last step":
        return None
    if ended_reason.startswith("unsubscribed"):
        return "consent"
    if ended_reason.startswith("restarted"):
        return "restart"
    return _ENDINGS.get(ended_reason)


class ShownOnPage(msgspec.Struct, frozen=True):
    """One session's overlay decision; ``shown`` False: the holdout, nothing appeared."""

    session_id: str
    at_ms: int
    at_local: str
    arm: str
    incentive: str
    reason: str
    trigger: str
    shown: bool


class PlannedStep(msgspec.Struct, frozen=True):
    step: int
    #: The step's own channel and its fallback, as the flow defines them.
    channel: str
    fallback: str | None
    template: str
    #: ``scheduled``, ``sending``, ``sent``, ``failed``, ``skipped``, ``deferred`` or ``cancelled``.
    state: str
    #: When it falls (or fell, or comes round again) due, ms and in the store's zone.
    due_ms: int
    due_local: str
    #: The channel it went out on (or was held back on), once it came round.
    sent_on: str | None
    #: The rule that held it back (one of :data:`RULES`), and in words.
    rule: str | None
    why: str
    sent_ms: int | None
    opened: bool
    clicked: bool
    coupon: str | None


class PlannedRun(msgspec.Struct, frozen=True):
    run_id: str
    flow: str
    #: ``treated`` or ``holdout`` (the flow holdout), with its probability.
    arm: str
    propensity: float
    reason: str
    status: str
    ended_reason: str | None
    started_ms: int
    ended_ms: int | None
    steps: list[PlannedStep]


class ConsentView(msgspec.Struct, frozen=True):
    granted: bool
    source: str
    at_ms: int


class ContactView(msgspec.Struct, frozen=True):
    """The contact without its addresses: the plan needs who may be reached, not how."""

    contact_id: str
    locale: str
    time_zone: str
    consents: dict[str, ConsentView]
    sessions: list[str]


class Plan(msgspec.Struct, frozen=True):
    store_id: str
    session_id: str
    #: The store's zone, in which every ``*_local`` time is written.
    time_zone: str
    #: None: the session was never identified (the page's nudges are still shown).
    contact: ContactView | None
    page: list[ShownOnPage]
    runs: list[PlannedRun]


def local(ms: int, zone: ZoneInfo) -> str:
    """``2026-12-04 12:00 +03`` (minutes, with the zone's offset).

    >>> local(1_796_374_800_000, ZoneInfo("Europe/Istanbul"))
    '2026-12-04 12:00 +03'
    """
    return datetime.fromtimestamp(ms / 1000, zone).strftime("%Y-%m-%d %H:%M %z")[:-2]


def _steps(store: Store, run: FlowRun, rows: list[OutboxMessage], speedup: float, zone: ZoneInfo) -> list[PlannedStep]:
    flow = store.flows.flow(run.flow)
    by_step = {row.step: row for row in rows}
    count = len(flow.steps) if flow is not None else max(by_step, default=-1) + 1
    steps = []
    for i in range(count):
        defined = flow.steps[i] if flow is not None else None
        row = by_step.get(i)
        planned = run.started_ms + int((defined.delay_min if defined else 0) * 60_000 / speedup)
        if row is not None:
            state, due, rule, why = row.status, row.due_ms, row.rule, row.detail
        elif run.status == "active":
            state, due, rule, why = "scheduled", planned, None, ""
        else:
            state, due, rule, why = "cancelled", planned, rule_of_ending(run.ended_reason), run.ended_reason or ""
        steps.append(PlannedStep(
            step=i, channel=defined.channel if defined else (row.channel if row else ""),
            fallback=defined.fallback if defined else None, template=defined.template if defined else "",
            state=state, due_ms=due, due_local=local(due, zone), sent_on=row.channel if row else None,
            rule=rule, why=why, sent_ms=row.sent_ms if row else None,
            opened=bool(row and row.opened_ms), clicked=bool(row and row.clicked_ms), coupon=row.coupon_code if row else None,
        ))
    return steps


async def shopper_plan(db: AsyncSession, ledger: ExperimentLedger, store: Store, session_id: str,
                       speedup: float = 1.0) -> Plan:
    """The plan of the shopper behind ``session_id`` (one session's page nudges if never identified)."""
    zone = ZoneInfo(store.flows.time_zone)
    link = await db.scalar(select(SessionLink).where(SessionLink.store_id == store.id, SessionLink.session_id == session_id))
    contact = await db.get(Contact, link.contact_id) if link is not None else None
    sessions = await linked_sessions(db, store.id, contact.id) if contact else [LinkedSession(session_id, "")]
    page = [ShownOnPage(n.session_id, n.at_ms, local(n.at_ms, zone), n.arm, n.incentive, n.reason, n.trigger, n.shown)
            for n in await page_nudges(ledger, store.id, store.experiment.name, sessions)]
    runs: list[PlannedRun] = []
    view = None
    if contact is not None:
        view = ContactView(
            contact_id=contact.id, locale=contact.locale, time_zone=contact.time_zone,
            consents={c.channel: ConsentView(c.granted, c.source, c.at_ms) for c in contact.consents},
            sessions=[s.session_id for s in sessions],
        )
        for run in await db.scalars(select(FlowRun).where(FlowRun.contact_id == contact.id)
                                    .order_by(FlowRun.started_ms.desc()).limit(MAX_RUNS)):
            rows = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.flow_run_id == run.id)))
            runs.append(PlannedRun(
                run_id=run.id, flow=run.flow, arm=run.arm, propensity=run.propensity, reason=run.reason,
                status=run.status, ended_reason=run.ended_reason, started_ms=run.started_ms, ended_ms=run.ended_ms,
                steps=_steps(store, run, rows, speedup, zone),
            ))
    return Plan(store_id=store.id, session_id=session_id, time_zone=store.flows.time_zone, contact=view, page=page, runs=runs)
