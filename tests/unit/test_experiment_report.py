"""The report's numbers against independent computations (scipy, numpy) on fixed data."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
from scipy import integrate, stats

from nudges.experiment_report import ALPHA, TAU, build_report, half_width, rate_interval, to_csv, uplift_interval
from nudges.ledger import Tally


def mixture_likelihood_ratio(theta_hat: float, theta0: float, v: float, tau: float) -> float:
    """The mSPRT statistic by numerical integration: ∫ N(θ̂; θ, V)/N(θ̂; θ0, V) dN(θ; θ0, τ²)."""
    def integrand(theta: float) -> float:
        return (stats.norm.pdf(theta_hat, theta, math.sqrt(v)) / stats.norm.pdf(theta_hat, theta0, math.sqrt(v))
                * stats.norm.pdf(theta, theta0, tau))
    value, _ = integrate.quad(integrand, theta0 - 12 * tau, theta0 + 12 * tau, limit=200)
    return value


def test_the_interval_edges_are_where_the_mixture_ratio_reaches_one_over_alpha() -> None:
    for v in (1e-4, 4e-4, 2.5e-3):
        w = half_width(v)
        theta_hat = 0.12
        at_edge = mixture_likelihood_ratio(theta_hat, theta_hat + w, v, TAU)
        inside = mixture_likelihood_ratio(theta_hat, theta_hat + 0.9 * w, v, TAU)
        assert math.isclose(at_edge, 1 / ALPHA, rel_tol=1e-4)
        assert inside < 1 / ALPHA


def test_the_always_valid_interval_is_wider_than_the_fixed_horizon_one() -> None:
    v = 0.15 * 0.85 / 400
    assert half_width(v) > stats.norm.ppf(0.975) * math.sqrt(v)


def test_peeking_every_day_keeps_the_error_rate_while_the_naive_interval_does_not() -> None:
    rng = np.random.default_rng(7)
    sims, looks, per_look, p = 400, 60, 50, 0.1
    x = rng.random((sims, looks * per_look)) < p
    n = np.arange(per_look, looks * per_look + 1, per_look)
    successes = np.cumsum(x, axis=1)[:, n - 1]
    ever_wrong_valid = np.zeros(sims, bool)
    ever_wrong_naive = np.zeros(sims, bool)
    for j, trials in enumerate(n):
        for i in range(sims):
            r = rate_interval(int(successes[i, j]), int(trials))
            ever_wrong_valid[i] |= not r.low <= p <= r.high
            ph = successes[i, j] / trials
            se = math.sqrt(max(ph * (1 - ph), 1e-12) / trials)
            ever_wrong_naive[i] |= abs(ph - p) > 1.96 * se
    # The method is asymptotically valid; allow three Monte Carlo standard errors.
    assert ever_wrong_valid.mean() <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / sims)
    assert ever_wrong_naive.mean() > 3 * ALPHA, ever_wrong_naive.mean()


TALLIES = {
    ("holdout", "shipping_speed"): Tally(exposures=200, recoveries=20, orders=21, revenue=8400.0,
                                         propensity_sum=20.0),
    ("v1", "shipping_speed"): Tally(exposures=600, clicks=90, recoveries=96, orders=100, revenue=41000.0,
                                    incentive_cost=0.0, refunds=4, refunded=1600.0, propensity_sum=180.0),
    ("v2", "shipping_speed"): Tally(exposures=600, clicks=70, recoveries=78, orders=80, revenue=31000.0,
                                    incentive_cost=78 * 49.0, refunds=2, refunded=700.0, propensity_sum=180.0),
    ("v1", "trust"): Tally(exposures=100, recoveries=9, orders=9, revenue=3000.0, propensity_sum=30.0),
}


def test_report_numbers_match_an_independent_computation() -> None:
    report = build_report("shop", "exp", TALLIES, margin_pct=40.0)
    rows = {(r.arm, r.reason): r for r in report.rows}
    v1 = rows[("v1", "shipping_speed")]
    assert v1.recovery_rate == 96 / 600 and v1.propensity == 0.3
    # The uplift against the same reason's holdout, and its interval from the same formula.
    var = sum(pp * (1 - pp) / nn for pp, nn in (((96.5) / 601, 600), ((20.5) / 201, 200)))
    assert math.isclose(v1.uplift, 96 / 600 - 20 / 200, abs_tol=1e-6)
    assert math.isclose(v1.uplift_high - v1.uplift, half_width(var), abs_tol=1e-6)
    assert v1.uplift_significant is (v1.uplift_low > 0)
    assert v1.net_margin == round((41000 - 1600) * 0.4, 2)
    v2 = rows[("v2", "shipping_speed")]
    assert v2.net_margin == round((31000 - 700) * 0.4 - 78 * 49, 2)
    assert math.isclose(v2.refund_rate, 2 / 80)
    # The all-reasons rows add the cells up; v1's "all" uplift uses the holdout over all reasons.
    all_v1 = rows[("v1", "all")]
    assert (all_v1.exposures, all_v1.recoveries, all_v1.revenue) == (700, 105, 44000.0)
    assert math.isclose(all_v1.uplift, 105 / 700 - 20 / 200, abs_tol=1e-6)
    # A cell with no holdout of its reason has no uplift rather than a made-up one.
    assert rows[("v1", "trust")].uplift is None
    assert rows[("holdout", "all")].uplift is None


def test_the_interval_agrees_with_the_closed_form_at_a_fixed_point() -> None:
    v = 0.01 * 0.99 / 1000
    t2 = TAU**2
    assert math.isclose(half_width(v), math.sqrt(v * (v + t2) / t2 * math.log((v + t2) / (v * ALPHA**2))))
    assert uplift_interval(0, 0, 1, 10) is None and rate_interval(0, 0) is None


def test_csv_has_the_same_numbers_as_json() -> None:
    report = build_report("shop", "exp", TALLIES, margin_pct=40.0)
    parsed = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert len(parsed) == len(report.rows)
    for row, line in zip(report.rows, parsed):
        assert line["arm"] == row.arm and int(line["exposures"]) == row.exposures
        assert float(line["net_margin"]) == row.net_margin
        assert line["uplift"] == ("" if row.uplift is None else str(row.uplift))
