"""Assignment: deterministic, balanced to the configured shares, propensities logged."""

from __future__ import annotations

from collections import Counter

from scipy import stats

from nudges.assignment import ARMS, arm_probabilities, assign
from nudges.stores import Experiment


def test_assignment_is_deterministic_and_depends_on_store_experiment_and_session() -> None:
    exp = Experiment(name="exp-a")
    first = [assign("shop", exp, f"s-{i:08d}") for i in range(2000)]
    again = [assign("shop", exp, f"s-{i:08d}") for i in range(2000)]
    assert first == again
    other_exp = [assign("shop", Experiment(name="exp-b"), f"s-{i:08d}") for i in range(2000)]
    other_store = [assign("shop2", exp, f"s-{i:08d}") for i in range(2000)]
    assert sum(a.name != b.name for a, b in zip(first, other_exp)) > 500
    assert sum(a.name != b.name for a, b in zip(first, other_store)) > 500


def test_assignment_is_balanced_chi_square_on_100000_ids() -> None:
    exp = Experiment(name="balance", holdout=0.1, weights=[2.0, 1.0, 1.0])
    counts = Counter(assign("shop", exp, f"sess-{i:010d}").name for i in range(100_000))
    expected = [p * 100_000 for p in arm_probabilities(exp)]
    observed = [counts[a] for a in ARMS]
    result = stats.chisquare(observed, expected)
    assert result.pvalue > 0.001, (observed, expected)


def test_propensities_are_the_arm_shares_and_sum_to_one() -> None:
    exp = Experiment(holdout=0.2, weights=[1.0, 1.0, 2.0])
    probabilities = arm_probabilities(exp)
    assert abs(sum(probabilities) - 1) < 1e-12
    assert probabilities == [0.2, 0.2, 0.2, 0.4]
    seen = {assign("s", exp, f"s-{i:06d}") for i in range(500)}
    assert {(a.name, round(a.propensity, 9)) for a in seen} == {
        ("holdout", 0.2), ("v1", 0.2), ("v2", 0.2), ("v3", 0.4)
    }


def test_a_zero_weight_arm_is_never_assigned() -> None:
    exp = Experiment(holdout=0.0, weights=[1.0, 0.0, 0.0])
    assert {assign("s", exp, f"s-{i:06d}").name for i in range(1000)} == {"v1"}
