"""Off-policy evaluation: what a candidate policy *would* have earned on decisions already logged.

Why: switching a store to a new policy to find out costs real margin. Every decision
logs the probability its policy gave each allowed action (the fixed arms' shares, the
holdout's, or the learning policy's pmf), so the logged rewards can be re-weighted to
estimate another policy's value without running it:

* **IPS** (inverse propensity scoring): mean of ``π(a|x) / μ(a|x) · r``; unbiased
  when every action the candidate takes had a logged probability above zero;
* **SNIPS** (self-normalised IPS): ``Σ w r / Σ w``; a little biased, far less variance
  when weights are large;
* **DR** (doubly robust): a reward model's estimate for the candidate's action,
  corrected by the weighted error of the model on the logged action; unbiased if
  either the propensities or the reward model are right.

The formulas are a few lines each (Dudík, Langford & Li, "Doubly robust policy
evaluation and learning", ICML 2011); written out here rather than pulled from a
framework (Open Bandit Pipeline brings scikit-learn, pandas and torch) so that each
is checked against a case whose answer is known (``tests/unit/test_offpolicy.py``).
Intervals are 95 % normal intervals over decisions (delta method for SNIPS).

>>> logged = [Logged(("none", "reviews"), (0.5, 0.5), chosen=c, reward=r, top_reason="trust")
...           for c, r in [(0, 0.0), (1, 10.0), (0, 0.0), (1, 10.0)]]
>>> always_reviews = [(0.0, 1.0)] * 4
>>> ips(logged, always_reviews).value, snips(logged, always_reviews).value
(10.0, 10.0)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

import numpy as np

Z95: Final = 1.959964


class Logged(NamedTuple):
    """One logged decision: the actions it could take, their logged probabilities, the
    action taken and the reward joined from its outcomes (net margin)."""

    actions: tuple[str, ...]
    probs: tuple[float, ...]
    chosen: int
    reward: float
    top_reason: str = "unknown"


class Estimate(NamedTuple):
    value: float
    low: float
    high: float
    n: int
    #: Effective sample size of the weights ((Σw)² / Σw²): how many decisions really inform it.
    effective_n: float


TargetProbs = Sequence[Sequence[float]]
RewardModel = Callable[[Logged, int], float]


def _weights(logged: Sequence[Logged], target: TargetProbs) -> np.ndarray:
    if len(logged) != len(target):
        raise ValueError("target: one probability vector per logged decision is needed")
    w = np.empty(len(logged))
    for i, (d, pi) in enumerate(zip(logged, target, strict=True)):
        mu = d.probs[d.chosen]
        if mu <= 0:
            raise ValueError(f"decision {i}: the logged action has probability {mu}; it cannot be re-weighted")
        w[i] = pi[d.chosen] / mu
    return w


def _ess(w: np.ndarray) -> float:
    s2 = float((w * w).sum())
    return float(w.sum()) ** 2 / s2 if s2 > 0 else 0.0


def _mean(terms: np.ndarray, w: np.ndarray) -> Estimate:
    n = len(terms)
    m = float(terms.mean()) if n else math.nan
    se = float(terms.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Estimate(m, m - Z95 * se, m + Z95 * se, n, _ess(w))


def ips(logged: Sequence[Logged], target: TargetProbs) -> Estimate:
    """Inverse propensity scoring: mean of π(a|x)/μ(a|x) · r."""
    w = _weights(logged, target)
    r = np.array([d.reward for d in logged])
    return _mean(w * r, w)


def snips(logged: Sequence[Logged], target: TargetProbs) -> Estimate:
    """Self-normalised IPS: Σ w r / Σ w, interval by the delta method."""
    w = _weights(logged, target)
    r = np.array([d.reward for d in logged])
    n = len(w)
    if n == 0 or w.sum() <= 0:
        return Estimate(math.nan, math.nan, math.nan, n, 0.0)
    v = float((w * r).sum() / w.sum())
    se = float(np.std(w * (r - v), ddof=1) / math.sqrt(n) / w.mean()) if n > 1 else math.nan
    return Estimate(v, v - Z95 * se, v + Z95 * se, n, _ess(w))


def doubly_robust(logged: Sequence[Logged], target: TargetProbs, model: RewardModel) -> Estimate:
    """Doubly robust: Σ_a π(a|x) q̂(x,a) + w · (r − q̂(x, logged a))."""
    w = _weights(logged, target)
    terms = np.empty(len(logged))
    for i, (d, pi) in enumerate(zip(logged, target, strict=True)):
        direct = sum(p * model(d, a) for a, p in enumerate(pi) if p > 0)
        terms[i] = direct + w[i] * (d.reward - model(d, d.chosen))
    return _mean(terms, w)


class RewardTable:
    """The reward model for DR: mean reward per (top reason, action), else per action, else overall.

    Deliberately simple: DR stays unbiased when the model is wrong (the propensities
    correct it); a better model only narrows the interval.
    """

    def __init__(self, logged: Sequence[Logged], min_count: int = 20) -> None:
        cells: dict[tuple[str, str], list[float]] = defaultdict(list)
        per_action: dict[str, list[float]] = defaultdict(list)
        for d in logged:
            action = d.actions[d.chosen]
            cells[(d.top_reason, action)].append(d.reward)
            per_action[action].append(d.reward)
        self._cells = {k: float(np.mean(v)) for k, v in cells.items() if len(v) >= min_count}
        self._actions = {k: float(np.mean(v)) for k, v in per_action.items() if len(v) >= min_count}
        self._overall = float(np.mean([d.reward for d in logged])) if logged else 0.0

    def __call__(self, decision: Logged, action: int) -> float:
        name = decision.actions[action]
        found = self._cells.get((decision.top_reason, name))
        if found is None:
            found = self._actions.get(name, self._overall)
        return found
