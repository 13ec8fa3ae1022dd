"""The CRO report for a store and a period: what the nudges earned beyond doing nothing, and
beyond a blanket coupon.

Why two revenue figures: *attributed* revenue (verified orders within the attribution
window of a treated session) counts every order a nudged shopper placed, including the
ones they would have placed anyway; *incremental* revenue subtracts what the holdout
(the same population, shown nothing) bought per session:

    incremental = treated revenue − holdout revenue per session × treated sessions

Net margin is revenue after refunds times the report's gross margin, minus what the
incentives of recovered sessions cost; incremental net margin subtracts the holdout's
net margin per session the same way.

The blanket-coupon counterfactual answers "what if we had sent everyone 10 % off
instead?". It is *estimated*, not observed (no arm shows a blanket coupon): per reason,
the holdout's recovery rate plus the coupon's lift from :mod:`nudges.learning.uplift`
(``coupon_lift_per_pct`` × 10 for price shoppers, ``coupon_off_reason_share`` of that for
the others; both marked *assumed* there), times the holdout's order value and refund
share, with the coupon's cost (10 % of that revenue) applied to every recovered order.
It ignores the shoppers a blanket coupon teaches to abandon on purpose, so it flatters
the coupon: a nudge policy that beats it beats the real thing by more.

Sessions belong to the day they were first exposed (UTC): a period's report is the
sessions exposed in it, with every outcome they had, whenever it came.

>>> from nudges.ledger import Tally
>>> t = {("holdout", "price"): Tally(exposures=100, recoveries=10, orders=10, revenue=1000.0),
...      ("v1", "price"): Tally(exposures=300, recoveries=60, orders=60, revenue=6000.0, incentive_cost=90.0)}
>>> s = summarise(t, margin_pct=30.0)
>>> s.attributed_revenue, s.incremental_revenue, s.net_margin, s.incremental_net_margin
(6000.0, 3000.0, 1710.0, 810.0)

A blanket coupon would have recovered 10 % + 12 points of the 300 sessions at 100 each
(6,600), at 30 % margin minus 10 % off: 1,320; the nudges made 390 more.

>>> s.blanket_coupon_net_margin, s.net_margin_vs_blanket_coupon
(1320.0, 390.0)
"""

from __future__ import annotations

from typing import Final

import msgspec

from nudges.learning.uplift import UpliftParameters
from nudges.ledger import NudgeTallies, Tallies, Tally

HOLDOUT: Final = "holdout"
#: The blanket coupon of the counterfactual (as in ``cartcoach policy simulate``).
BLANKET_COUPON_PCT: Final = 10.0
COUNTERFACTUAL_METHOD: Final = (
    "blanket 10% coupon, estimated: per reason, the holdout's recovery rate plus the coupon lift of "
    "nudges/learning/uplift.py (coupon_lift_per_pct x 10 for price, coupon_off_reason_share of it for other "
    "reasons; assumed figures), times the holdout's order value and refund share, minus 10% of that revenue; "
    "shoppers a blanket coupon teaches to abandon on purpose are ignored, which flatters the coupon"
)


class Summary(msgspec.Struct, kw_only=True):
    """The period's money, treated arms against the holdout and against a blanket coupon."""

    treated_exposures: int
    holdout_exposures: int
    treated_recoveries: int
    holdout_recoveries: int
    #: Verified revenue of treated sessions within their attribution window.
    attributed_revenue: float
    #: Attributed revenue minus the holdout's revenue per session times the treated sessions (None without a holdout).
    incremental_revenue: float | None
    net_margin: float
    incremental_net_margin: float | None
    #: Estimated net margin had every treated session had a blanket coupon (None without a holdout).
    blanket_coupon_net_margin: float | None
    net_margin_vs_blanket_coupon: float | None
    blanket_coupon_pct: float = BLANKET_COUPON_PCT
    counterfactual_method: str = COUNTERFACTUAL_METHOD


class NudgeRow(msgspec.Struct, kw_only=True):
    """One incentive shown, over the period (holdout sessions are ``none``)."""

    incentive: str
    exposures: int
    impressions: int
    clicks: int
    click_rate: float | None
    recoveries: int
    orders: int
    revenue: float
    refunds: int
    refunded: float
    incentive_cost: float


class Period(msgspec.Struct, kw_only=True):
    #: First and last UTC day of exposure included (None: open-ended).
    since: str | None
    until: str | None
    timezone: str = "UTC"


def _net(t: Tally, margin_pct: float) -> float:
    return (t.revenue - t.refunded) * margin_pct / 100 - t.incentive_cost


def _blanket(treated: dict[str, Tally], holdout: dict[str, Tally], margin_pct: float) -> float | None:
    """The counterfactual's net margin (see the module docstring); None without holdout sessions."""
    hold_all = Tally.total(list(holdout.values()))
    if hold_all.exposures == 0:
        return None
    p = UpliftParameters()
    total = 0.0
    for reason, t in treated.items():
        h = holdout.get(reason)
        h = h if h is not None and h.exposures > 0 else hold_all
        base = h.recoveries / h.exposures
        lift = p.coupon_lift_per_pct * BLANKET_COUPON_PCT * (1.0 if reason == "price" else p.coupon_off_reason_share)
        rate = min(1.0, base + lift)
        basis = h if h.recoveries else hold_all if hold_all.recoveries else t
        order_value = basis.revenue / basis.recoveries if basis.recoveries else 0.0
        refund_share = basis.refunded / basis.revenue if basis.revenue else 0.0
        revenue = t.exposures * rate * order_value
        total += revenue * (1 - refund_share) * margin_pct / 100 - revenue * BLANKET_COUPON_PCT / 100
    return total


def summarise(tallies: Tallies, margin_pct: float) -> Summary:
    """Attributed against incremental revenue and net margin, and the blanket-coupon counterfactual."""
    treated_by: dict[str, list[Tally]] = {}
    holdout_by: dict[str, Tally] = {}
    for (arm, reason), t in tallies.items():
        if arm == HOLDOUT:
            holdout_by[reason] = t
        else:
            treated_by.setdefault(reason, []).append(t)
    treated_reason = {reason: Tally.total(cells) for reason, cells in treated_by.items()}
    treated, holdout = Tally.total(list(treated_reason.values())), Tally.total(list(holdout_by.values()))
    net = _net(treated, margin_pct)
    incremental = incremental_net = blanket = versus = None
    if holdout.exposures:
        incremental = treated.revenue - holdout.revenue / holdout.exposures * treated.exposures
        incremental_net = net - _net(holdout, margin_pct) / holdout.exposures * treated.exposures
        blanket = _blanket(treated_reason, holdout_by, margin_pct)
        versus = None if blanket is None else net - blanket
    r2 = lambda v: None if v is None else round(v, 2)  # noqa: E731
    return Summary(
        treated_exposures=treated.exposures,
        holdout_exposures=holdout.exposures,
        treated_recoveries=treated.recoveries,
        holdout_recoveries=holdout.recoveries,
        attributed_revenue=round(treated.revenue, 2),
        incremental_revenue=r2(incremental),
        net_margin=round(net, 2),
        incremental_net_margin=r2(incremental_net),
        blanket_coupon_net_margin=r2(blanket),
        net_margin_vs_blanket_coupon=r2(versus),
    )


def nudge_rows(nudges: NudgeTallies) -> list[NudgeRow]:
    """One row per incentive, most exposed first; the holdout's ``none`` last."""
    rows = [
        NudgeRow(
            incentive=incentive,
            exposures=t.exposures,
            impressions=t.impressions,
            clicks=t.clicks,
            click_rate=round(t.clicks / t.impressions, 6) if t.impressions else None,
            recoveries=t.recoveries,
            orders=t.orders,
            revenue=round(t.revenue, 2),
            refunds=t.refunds,
            refunded=round(t.refunded, 2),
            incentive_cost=round(t.incentive_cost, 2),
        )
        for incentive, t in nudges.items()
    ]
    return sorted(rows, key=lambda r: (r.incentive == "none", -r.exposures, r.incentive))
