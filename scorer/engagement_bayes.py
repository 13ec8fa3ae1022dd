"""A naive Bayes that knows shoppers differ in how much they do: the default reason learner.

Why: :class:`scorer.signal_bayes.SignalBayes` scores each signal count on its own, so
a keen shopper who does a little of everything looks like several reasons at once,
and a quiet one like none. Here every count is the shopper's background habit plus
what their reason adds, scaled by one *engagement* level per session:

    count of signal i  ~  Poisson(base_i + excess[reason, i] * engagement),
    engagement         ~  Gamma(shape, mean 1), integrated on a grid.

The base rates are shared by every reason, so they settle from every answer, and a
reason's excess rates settle from its own answers. Learning is online EM, one answer
at a time and in constant memory: the answer's posterior over engagement (under its
own reason) splits each count into background and excess, which are added to running
sums; the rates are those sums over their exposures, with a prior of
``prior_weight`` sessions (``ruled_rate`` for the pairs of the rule table,
:data:`scorer.rules.RULES`: a price shopper filters by price; ``other_rate`` else).

The other features are read as :class:`SignalBayes` reads them (yes/no signals,
exponential cart stretches), with two differences that count on few labels:

* a level that is a mean (review depth over the reviews read, log price over the
  products seen) is a mean of n draws: its variance shrinks with n, so five deep
  reviews say more than one;
* removing the dearest item counts only when there were two items to choose from.

It follows River's contract (``learn_one``, ``predict_proba_one``) and pickles
(plain numbers and numpy arrays).

>>> from scorer.features import FEATURES
>>> model = EngagementBayes()
>>> zero = dict.fromkeys(FEATURES, 0.0)
>>> for _ in range(5):
...     model.learn_one(zero | {"shipping_info_opens": 3.0}, "shipping_speed")
...     model.learn_one(zero | {"coupon_focuses": 2.0}, "price")
>>> model.predict_one(zero | {"shipping_info_opens": 2.0})
'shipping_speed'
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from river import base

from scorer.rules import RULES
from scorer.signal_bayes import (
    BY_DEVICE,
    COUNTS,
    DWELL_PRIOR_S,
    cart_stretches,
    count_key,
    flags,
)

#: Counts with an engagement-scaled excess (``review_rereads`` recounts review views).
SIGNALS: Final = tuple(name for name in COUNTS if name != "review_rereads")
#: A rate per signal, and a second one off the desktop for the device-dependent ones.
_KEYS: Final = SIGNALS + tuple(f"{name}@touch" for name in sorted(BY_DEVICE))
_INDEX: Final = {key: i for i, key in enumerate(_KEYS)}
_RULED: Final = frozenset((rule.feature, rule.reason) for rule in RULES)
#: A count above this is read as this: one shopper's flood of events teaches what a keen
#: shopper's would, no more (1 of the 10,239 answers of simulator seeds 1-10 goes above it).
COUNT_CAP: Final = 20.0
#: Cells of the engagement grid, spread up to the mean plus ten standard deviations.
_CELLS: Final = 60


def _engagement_grid(shape: float) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints of the grid and the log of each cell's Gamma(shape, mean 1) weight."""
    scale = 1.0 / shape
    width = (1.0 + 10.0 * math.sqrt(shape) * scale) / _CELLS
    grid = (np.arange(_CELLS) + 0.5) * width
    log_w = (shape - 1) * np.log(grid) - grid / scale
    return grid, log_w - np.logaddexp.reduce(log_w)


def _levels(x: dict) -> dict[str, tuple[float, float]]:
    """Each level the session shows, with the number of draws it is the mean of."""
    levels = {}
    if x.get("price_level"):
        levels["price_level"] = (x["price_level"], max(x.get("products_viewed", 0.0), 1.0))
    if x.get("review_views"):
        levels["review_depth_mean"] = (x.get("review_depth_mean", 0.0), x["review_views"])
    return levels


class EngagementBayes(base.Classifier):
    """Naive Bayes whose signal counts share one engagement level per session.

    Parameters
    ----------
    engagement_shape
        Shape of the Gamma spread of engagement between sessions (mean 1); 1.5-3
        measured alike on the simulator.
    prior_weight
        Sessions' worth of weight of the prior rates.
    ruled_rate
        Prior excess rate of a signal the rule table ties to the reason.
    other_rate
        Prior excess rate of any other signal.
    base_rate
        Prior background rate of every signal.

    """

    def __init__(
        self,
        engagement_shape: float = 2.0,
        prior_weight: float = 3.0,
        ruled_rate: float = 1.0,
        other_rate: float = 0.05,
        base_rate: float = 0.2,
    ) -> None:
        self.engagement_shape = engagement_shape
        self.prior_weight = prior_weight
        self.ruled_rate = ruled_rate
        self.other_rate = other_rate
        self.base_rate = base_rate
        self._grid, self._log_weight = _engagement_grid(engagement_shape)
        self._labels: list = []
        self._n: list[int] = []
        # Per label (row) and key: excess counts, and engagement summed over exposures.
        self._excess = np.zeros((0, len(_KEYS)))
        self._engaged = np.zeros((0, len(_KEYS)))
        self._prior_excess = np.zeros((0, len(_KEYS)))
        # Per key: background counts and exposures (every answer, whatever its reason).
        self._background = np.zeros(len(_KEYS))
        self._exposures = np.zeros(len(_KEYS))
        # Per label: yes/no signals as [yes, seen]; cart dwell as [seconds, stretches];
        # levels as [sessions, weighted mean, weighted squared deviations, draws].
        self._flags: list[dict[str, list[float]]] = []
        self._dwell: list[list[float]] = []
        self._level_moments: list[dict[str, list[float]]] = []

    @property
    def _multiclass(self) -> bool:
        return True

    @staticmethod
    def _counts(x: dict) -> tuple[np.ndarray, np.ndarray]:
        """The counts by key, and which keys the session could show (checkout, device)."""
        counts, shown = np.zeros(len(_KEYS)), np.zeros(len(_KEYS))
        for name in SIGNALS:
            key = count_key(x, name)
            if key is not None:
                counts[_INDEX[key]] = min(x.get(name, 0.0), COUNT_CAP)
                shown[_INDEX[key]] = 1.0
        return counts, shown

    @staticmethod
    def _flags_of(x: dict) -> dict[str, float]:
        seen = flags(x)
        if x.get("cart_adds", 0.0) < 2:
            del seen["removed_dearest"]
        return seen

    def _rates(self) -> tuple[np.ndarray, np.ndarray]:
        """Excess rates (label x key) and background rates (key), prior included."""
        w = self.prior_weight
        excess = (self._excess + w * self._prior_excess) / (self._engaged + w)
        background = (self._background + w * self.base_rate) / (self._exposures + w)
        return excess, background

    def _row(self, y: base.typing.ClfTarget) -> int:
        if y not in self._labels:
            self._labels.append(y)
            self._n.append(0)
            prior = [self.ruled_rate if (key.split("@")[0], y) in _RULED else self.other_rate for key in _KEYS]
            self._prior_excess = np.vstack([self._prior_excess, prior])
            self._excess = np.vstack([self._excess, np.zeros(len(_KEYS))])
            self._engaged = np.vstack([self._engaged, np.zeros(len(_KEYS))])
            self._flags.append({})
            self._dwell.append([0.0, 0.0])
            self._level_moments.append({})
        return self._labels.index(y)

    def learn_one(self, x: dict, y: base.typing.ClfTarget, **kwargs) -> None:
        row = self._row(y)
        self._n[row] += 1
        counts, shown = self._counts(x)
        excess, background = self._rates()
        # E-step for this answer alone: engagement posterior, then each count's excess share.
        rate = background + excess[row] * self._grid[:, None]  # cell x key
        log_post = ((counts * np.log(rate) - rate) * shown).sum(axis=1) + self._log_weight
        post = np.exp(log_post - log_post.max())
        post /= post.sum()
        from_excess = counts * shown * (post @ (excess[row] * self._grid[:, None] / rate))
        self._excess[row] += from_excess
        self._engaged[row] += shown * float(post @ self._grid)
        self._background += counts * shown - from_excess
        self._exposures += shown
        for name, value in self._flags_of(x).items():
            total = self._flags[row].setdefault(name, [0.0, 0.0])
            total[0] += value
            total[1] += 1.0
        stretches = cart_stretches(x)
        if stretches:
            self._dwell[row][0] += x["cart_dwell_s"]
            self._dwell[row][1] += stretches
        for name, (value, draws) in _levels(x).items():
            sessions, mean, squares, weight = self._level_moments[row].get(name, [0.0, 0.0, 0.0, 0.0])
            weight += draws
            delta = value - mean
            mean += draws * delta / weight
            self._level_moments[row][name] = [sessions + 1, mean, squares + draws * delta * (value - mean), weight]

    def _log_other(self, x: dict, row: int) -> float:
        """Log-likelihood of everything but the counts under one label."""
        lp = 0.0
        for name, value in self._flags_of(x).items():
            yes, seen = self._flags[row].get(name, [0.0, 0.0])
            p = (yes + 1) / (seen + 2)
            lp += math.log(p if value else 1 - p)
        stretches = cart_stretches(x)
        if stretches:  # each stretch exponential, a Gamma prior on the mean
            seconds, seen = self._dwell[row]
            mean = (seconds + DWELL_PRIOR_S) / (seen + 1)
            lp += -stretches * math.log(mean) - x["cart_dwell_s"] / mean
        for name, (value, draws) in _levels(x).items():
            sessions, mean, squares, _ = self._level_moments[row].get(name, [0.0, 0.0, 0.0, 0.0])
            var = (squares + 1.0) / (sessions + 1.0) / draws
            lp += -0.5 * math.log(var) - 0.5 * (value - mean) ** 2 / var
        return lp

    def predict_proba_one(self, x: dict, **kwargs) -> dict[base.typing.ClfTarget, float]:
        if not self._labels:
            return {}
        counts, shown = self._counts(x)
        excess, background = self._rates()
        rate = background + excess[:, None, :] * self._grid[None, :, None]  # label x cell x key
        per_cell = ((counts * np.log(rate) - rate) * shown).sum(axis=2) + self._log_weight
        scores = np.logaddexp.reduce(per_cell, axis=1)
        total = sum(self._n)
        for row, n in enumerate(self._n):
            scores[row] += math.log((n + 1) / (total + len(self._n))) + self._log_other(x, row)
        proba = np.exp(scores - scores.max())
        proba /= proba.sum()
        return dict(zip(self._labels, proba.tolist()))
