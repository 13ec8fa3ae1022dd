"""The experiment report: per arm and per reason, with intervals that stay valid under peeking.

Method: always-valid confidence intervals from the mixture sequential probability
ratio test (mSPRT; Johari, Pekelis & Walsh, "Always valid inference", 2017/2022),
with a normal mixing distribution N(0, τ²) and the usual normal approximation to
the estimate. For an estimate θ̂ with variance V, the interval at level 1-α is

    θ̂ ± sqrt( V (V + τ²) / τ² · log( (V + τ²) / (V α²) ) )

and it covers the true value *at every moment simultaneously* with probability at
least 1-α (asymptotically). A fixed-horizon interval (θ̂ ± 1.96 √V) looked at every
day will sooner or later exclude the truth by chance; this one will not, which is why
a CRO team may open the report every morning and stop when the interval for an
uplift clears zero. The price is width: at the same sample size it is wider than a
fixed-horizon interval. τ sets the effect size where it is tightest; we use τ = 0.05
(a five-point change in recovery rate), α = 0.05. See ``docs/experiments.md``.

Rates use V = p̃(1-p̃)/n with p̃ = (x + ½)/(n + 1), so that a cell with no or only
recoveries still gets an honest, non-zero width; uplift uses V = V_arm + V_holdout.

>>> r = rate_interval(30, 200)
>>> round(r.estimate, 3), round(r.low, 3), round(r.high, 3)
(0.15, 0.072, 0.228)
"""

from __future__ import annotations

import csv
import io
import math
from typing import Final, NamedTuple

import msgspec

from nudges.cro_report import NudgeRow, Period, Summary
from nudges.ledger import Tallies, Tally

TAU: Final = 0.05
ALPHA: Final = 0.05
ALL: Final = "all"
METHOD: Final = (
    "mSPRT always-valid intervals (normal mixture, tau=0.05, alpha=0.05): valid however often the "
    "report is looked at"
)


class Interval(NamedTuple):
    estimate: float
    low: float
    high: float


def half_width(variance: float, tau: float = TAU, alpha: float = ALPHA) -> float:
    """The mSPRT always-valid half-width for an estimate with this variance."""
    if variance <= 0:
        return 0.0
    t2 = tau * tau
    return math.sqrt(variance * (variance + t2) / t2 * math.log((variance + t2) / (variance * alpha * alpha)))


def _variance(successes: int, trials: int) -> float:
    p = (successes + 0.5) / (trials + 1)
    return p * (1 - p) / trials


def rate_interval(successes: int, trials: int) -> Interval | None:
    """A proportion with its always-valid interval, clipped to [0, 1]; None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    w = half_width(_variance(successes, trials))
    return Interval(p, max(0.0, p - w), min(1.0, p + w))


def uplift_interval(x_arm: int, n_arm: int, x_hold: int, n_hold: int) -> Interval | None:
    """Recovery rate of an arm minus the holdout's, with its always-valid interval."""
    if n_arm <= 0 or n_hold <= 0:
        return None
    d = x_arm / n_arm - x_hold / n_hold
    w = half_width(_variance(x_arm, n_arm) + _variance(x_hold, n_hold))
    return Interval(d, max(-1.0, d - w), min(1.0, d + w))


class Row(msgspec.Struct, kw_only=True):
    """One line of the report: an arm, for one reason or for all reasons."""

    arm: str
    reason: str
    exposures: int
    propensity: float | None
    #: Exposed sessions whose overlay the snippet reported on screen.
    impressions: int
    clicks: int
    recoveries: int
    recovery_rate: float | None
    recovery_rate_low: float | None
    recovery_rate_high: float | None
    uplift: float | None
    uplift_low: float | None
    uplift_high: float | None
    uplift_significant: bool
    orders: int
    revenue: float
    incentive_cost: float
    refunds: int
    refunded: float
    refund_rate: float | None
    refund_rate_high: float | None
    net_margin: float
    net_margin_per_exposure: float | None


#: What the money columns rest on (the ledger counts nothing else; see ``nudges.ledger``).
REVENUE_BASIS: Final = (
    "verified: orders, revenue and refunds reported by the store's back end (POST /v1/outcomes, "
    "secret key) or carrying its signed order token; browser purchase markers without a valid "
    "token and browser refunds are not counted"
)


class Report(msgspec.Struct, kw_only=True):
    store_id: str
    experiment: str
    method: str
    margin_pct: float
    #: Every order, revenue and refund figure below is verified (see :data:`REVENUE_BASIS`).
    revenue_verified: bool = True
    revenue_basis: str = REVENUE_BASIS
    rows: list[Row]
    #: The period the rows cover (sessions first exposed in it, UTC days; open-ended when None).
    period: Period | None = None
    #: Attributed vs incremental revenue, net margin vs a blanket coupon (``nudges.cro_report``).
    summary: Summary | None = None
    #: Per incentive shown: impressions, clicks, recoveries, refunds.
    nudges: list[NudgeRow] = []
    currency: str | None = None


def _row(arm: str, reason: str, t: Tally, holdout: Tally | None, margin_pct: float) -> Row:
    rate = rate_interval(t.recoveries, t.exposures)
    up = None
    if holdout is not None and arm != "holdout":
        up = uplift_interval(t.recoveries, t.exposures, holdout.recoveries, holdout.exposures)
    refund = rate_interval(t.refunds, t.orders)
    net = (t.revenue - t.refunded) * margin_pct / 100 - t.incentive_cost
    r6 = lambda v: None if v is None else round(v, 6)  # noqa: E731
    return Row(
        arm=arm,
        reason=reason,
        exposures=t.exposures,
        impressions=t.impressions,
        propensity=r6(t.propensity_sum / t.exposures) if t.exposures else None,
        clicks=t.clicks,
        recoveries=t.recoveries,
        recovery_rate=r6(rate and rate.estimate),
        recovery_rate_low=r6(rate and rate.low),
        recovery_rate_high=r6(rate and rate.high),
        uplift=r6(up and up.estimate),
        uplift_low=r6(up and up.low),
        uplift_high=r6(up and up.high),
        uplift_significant=bool(up and (up.low > 0 or up.high < 0)),
        orders=t.orders,
        revenue=round(t.revenue, 2),
        incentive_cost=round(t.incentive_cost, 2),
        refunds=t.refunds,
        refunded=round(t.refunded, 2),
        refund_rate=r6(refund and refund.estimate),
        refund_rate_high=r6(refund and refund.high),
        net_margin=round(net, 2),
        net_margin_per_exposure=round(net / t.exposures, 4) if t.exposures else None,
    )


def build_report(store_id: str, experiment: str, tallies: Tallies, margin_pct: float) -> Report:
    """Rows per arm over all reasons (first), then per arm and reason; uplift vs the holdout
    of the same reason (for per-reason rows) or of all reasons."""
    arms = sorted({arm for arm, _ in tallies}, key=lambda a: (a != "holdout", a))
    reasons = sorted({reason for _, reason in tallies})
    holdout_all = Tally.total([t for (a, _), t in tallies.items() if a == "holdout"]) if any(a == "holdout" for a, _ in tallies) else None
    rows = [
        _row(arm, ALL, Tally.total([t for (a, _), t in tallies.items() if a == arm]), holdout_all, margin_pct)
        for arm in arms
    ]
    for reason in reasons:
        holdout = tallies.get(("holdout", reason))
        for arm in arms:
            if (arm, reason) in tallies:
                rows.append(_row(arm, reason, tallies[(arm, reason)], holdout, margin_pct))
    return Report(store_id=store_id, experiment=experiment, method=METHOD, margin_pct=margin_pct, rows=rows)


def to_csv(report: Report) -> str:
    """The report's rows as CSV (one header line, empty cells for undefined values)."""
    out = io.StringIO()
    fields = list(Row.__struct_fields__)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["experiment", *fields])
    for row in report.rows:
        writer.writerow([report.experiment, *("" if (v := getattr(row, f)) is None else v for f in fields)])
    return out.getvalue()
