"""Per flow, step and channel: what was sent and what came of it, read from the outbox.

* ``sent``: the provider accepted it; ``delivered``: its delivery report said it reached the
  phone (SMS and WhatsApp providers that report, ``flows.channels.receipts``), or, for
  channels with no report (SMTP), the same as sent;
* ``opened`` / ``clicked``: the e-mail's pixel loaded / a tracked link followed (once each);
* ``recovered``: the shopper bought after this step, before the flow's next step
  (the purchase is credited to the last step that reached them);
* ``unsubscribed``: the shopper opted out on this channel after this message (the last
  one that reached them there); ``refunded``: a recovered
  order was refunded later (a guardrail, as in the overlay report);
* ``skipped``, with ``holdout`` among them: steps a rule or the experiment held back.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.models import FlowRun, OutboxMessage

COUNTERS = ("sent", "delivered", "opened", "clicked", "recovered", "unsubscribed", "refunded", "failed", "skipped", "holdout")


async def flow_report(db: AsyncSession, store_id: str) -> list[dict]:
    rows = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.store_id == store_id)))
    runs = {r.id: r for r in await db.scalars(select(FlowRun).where(FlowRun.store_id == store_id))}
    table: dict[tuple[str, int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    last_sent: dict[str, OutboxMessage] = {}
    for row in rows:
        cell = table[(row.flow, row.step, row.channel)]
        if row.status == "sent":
            cell["sent"] += 1
            cell["delivered"] += row.delivered_ms is not None
            cell["opened"] += row.opened_ms is not None
            cell["clicked"] += row.clicked_ms is not None
            cell["unsubscribed"] += row.unsubscribed_ms is not None
            if row.flow_run_id not in last_sent or last_sent[row.flow_run_id].step < row.step:
                last_sent[row.flow_run_id] = row
        elif row.status == "failed":
            cell["failed"] += 1
        elif row.status == "skipped":
            cell["skipped"] += 1
            cell["holdout"] += row.detail == "holdout"
    for run_id, row in last_sent.items():
        run = runs.get(run_id)
        if run is None or run.ended_reason is None:
            continue
        cell = table[(row.flow, row.step, row.channel)]
        if run.ended_reason in ("purchased", "refunded"):
            cell["recovered"] += 1
        cell["refunded"] += run.ended_reason == "refunded"
    return [
        {"flow": flow, "step": step, "channel": channel, **counts}
        for (flow, step, channel), counts in sorted(table.items())
    ]
