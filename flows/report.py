"""The flow report: what each step did, and what the flow added over its holdout.

**Per flow, step and channel**, read from the outbox:

* ``sent``: the provider accepted it; ``delivered``: its delivery report said it reached the
  phone (SMS and WhatsApp providers that report, ``flows.channels.receipts``), or, for
  channels with no report (SMTP), the same as sent;
* ``opened`` / ``clicked``: the e-mail's pixel loaded / a tracked link followed (once each);
* ``recovered``: a verified order credited to the run, counted on the last message that
  reached the shopper before it; ``refunded``: such an order refunded later;
* ``unsubscribed``: the shopper opted out on this channel after this message (the last
  one that reached them there);
* ``skipped`` (a rule held the step back for good, ``holdout`` among them) and ``deferred``
  (waiting for quiet hours to end or İYS to answer).

**Treated against holdout** (:func:`comparison`): every run is one eligible abandoner in
one arm (:mod:`flows.holdout`), with the reason the shopper left with. The tallies per
(arm, reason) go through the overlay report's own :func:`nudges.experiment_report.build_report`,
so the recovery rates, the uplift and their always-valid (mSPRT) intervals, the refund
rate and the net margin are computed exactly as for the overlay. Money is verified only
(:class:`flows.models.FlowOrder`: the back end or a signed order token); a coupon's cost
is the discount it gave on the verified order it was redeemed on.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.models import Coupon, FlowOrder, FlowRun, OutboxMessage
from nudges.experiment_report import Report, build_report
from nudges.ledger import Tallies, Tally

COUNTERS: Final = ("sent", "delivered", "opened", "clicked", "recovered", "unsubscribed", "refunded", "failed",
                   "skipped", "holdout", "deferred")
#: The flow holdout's name in the report (the overlay experiment's is the store's own).
EXPERIMENT: Final = "flows-holdout"


def coupon_cost(paid: float, pct: int) -> float:
    """The discount a ``pct`` % coupon gave on an order that paid ``paid`` after it.

    >>> round(coupon_cost(90.0, 10), 2)   # 100 before the coupon
    10.0
    """
    return paid * pct / (100 - pct) if 0 < pct < 100 else 0.0


async def flow_report(db: AsyncSession, store_id: str) -> list[dict]:
    """Counters per (flow, step, channel), ordered by flow, step and channel."""
    rows = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.store_id == store_id)))
    orders = list(await db.scalars(select(FlowOrder).where(FlowOrder.store_id == store_id)))
    table: dict[tuple[str, int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    sent_by_run: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        cell = table[(row.flow, row.step, row.channel)]
        if row.status == "sent":
            cell["sent"] += 1
            cell["delivered"] += row.delivered_ms is not None
            cell["opened"] += row.opened_ms is not None
            cell["clicked"] += row.clicked_ms is not None
            cell["unsubscribed"] += row.unsubscribed_ms is not None
            sent_by_run[row.flow_run_id].append(row)
        elif row.status in ("failed", "skipped", "deferred"):
            cell[row.status] += 1
            cell["holdout"] += row.rule == "holdout"
    for order in orders:
        before = [m for m in sent_by_run.get(order.flow_run_id, ()) if (m.sent_ms or m.created_ms) <= order.at_ms]
        if not before:
            continue  # a holdout run's order, or one before the first message: no step earned it
        last = max(before, key=lambda m: m.step)
        cell = table[(last.flow, last.step, last.channel)]
        cell["recovered"] += 1
        cell["refunded"] += order.refunded_ms is not None
    return [
        {"flow": flow, "step": step, "channel": channel, **counts}
        for (flow, step, channel), counts in sorted(table.items())
    ]


async def comparison(db: AsyncSession, store_id: str, margin_pct: float) -> Report:
    """Treated against holdout, per reason too, with the overlay report's statistics."""
    runs = list(await db.scalars(select(FlowRun).where(FlowRun.store_id == store_id)))
    orders = list(await db.scalars(select(FlowOrder).where(FlowOrder.store_id == store_id)))
    redeemed = {c.order_id: c.pct for c in await db.scalars(select(Coupon).where(
        Coupon.store_id == store_id, Coupon.redeemed_ms.is_not(None)))}
    clicked = set(await db.scalars(select(OutboxMessage.flow_run_id).where(
        OutboxMessage.store_id == store_id, OutboxMessage.clicked_ms.is_not(None))))
    by_run: dict[str, list[FlowOrder]] = defaultdict(list)
    for order in orders:
        by_run[order.flow_run_id].append(order)
    tallies: Tallies = {}
    for run in runs:
        t = tallies.setdefault((run.arm, run.reason), Tally())
        t.exposures += 1
        t.propensity_sum += run.propensity
        t.clicks += run.id in clicked
        mine = by_run.get(run.id, [])
        t.recoveries += bool(mine)
        for order in mine:
            t.orders += 1
            t.revenue += order.amount
            t.incentive_cost += coupon_cost(order.amount, redeemed.get(order.order_id, 0))
            if order.refunded_ms is not None:
                t.refunds += 1
                t.refunded += order.refunded
    return build_report(store_id, EXPERIMENT, tallies, margin_pct)
