"""What the page already showed a shopper: the overlay's exposures of every session linked to them.

One plan per shopper: a nudge shown on the page is a touch like a message (it counts
in the ``all`` frequency cap) and a coupon shown there is the shopper's incentive
budget spent (no flow coupon on top). The experiment ledger already keeps each
session's exposure (first decision per session and experiment); this module reads it
for the sessions the page identified as the contact's (``session_links``), on every
device. A flow step's own decision is logged the same way; its trigger
(``flow:...``) tells it apart, so a message is never counted twice.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.models import SessionLink
from nudges.assignment import HOLDOUT
from nudges.ledger import ExperimentLedger

#: Sessions looked at per shopper (each is one ledger read); far more than a day's caps can see.
MAX_SESSIONS = 50


class PageNudge(NamedTuple):
    """One session's overlay decision; ``shown`` is False for the holdout (nothing appeared)."""

    session_id: str
    visitor_id: str
    at_ms: int
    arm: str
    incentive: str
    reason: str
    trigger: str

    @property
    def shown(self) -> bool:
        return self.arm != HOLDOUT


class LinkedSession(NamedTuple):
    session_id: str
    visitor_id: str


async def linked_sessions(db: AsyncSession, store_id: str, contact_id: str) -> list[LinkedSession]:
    """The latest :data:`MAX_SESSIONS` sessions the page identified as this contact's, oldest first."""
    rows = await db.execute(select(SessionLink.session_id, SessionLink.visitor_id).where(
        SessionLink.store_id == store_id, SessionLink.contact_id == contact_id)
        .order_by(SessionLink.at_ms.desc()).limit(MAX_SESSIONS))
    return [LinkedSession(*row) for row in reversed(list(rows))]


async def page_nudges(ledger: ExperimentLedger, store_id: str, experiment: str,
                      sessions: list[LinkedSession]) -> list[PageNudge]:
    """The page's decisions for these sessions in the store's running experiment, oldest first."""
    found = []
    for session in sessions:
        exposure = await ledger.exposure(store_id, experiment, session.session_id)
        if exposure is None or exposure.trigger.startswith("flow:"):
            continue
        found.append(PageNudge(session.session_id, session.visitor_id, exposure.at, exposure.arm,
                               exposure.incentive, exposure.reason, exposure.trigger))
    return sorted(found, key=lambda n: n.at_ms)
