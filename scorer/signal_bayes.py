"""A naive Bayes reader of hesitation signals: counts, yes/no signals, levels and dwell stretches.

Why a generative model beside the softmax: a store learns from a few hundred survey
answers, and a model with a handful of per-reason rates (how often a price shopper
filters by price, how long an undecided shopper stays on the cart) settles from far
fewer labels than a discriminative model with a weight per feature and reason. Each
feature gets the likelihood that fits what it measures:

* signal counts (shipping opens, review views, form errors...): Poisson with a
  Gamma prior on the rate, so a count is scored by the negative-binomial predictive
  (over-dispersed: some shoppers simply do more of everything). Checkout signals count
  only for sessions that reached checkout, payment failures only from step 3; tab
  switches and form errors get a rate per device class (phones switch tabs less and
  mistype more);
* yes/no signals (removed the dearest item, reached checkout, signals spread over
  several products): Beta-Bernoulli;
* levels (mean log price, mean review depth): Gaussian;
* cart dwell: each visible stretch on the cart is exponential, with a Gamma prior on
  the mean.

It follows River's contract (``learn_one``, ``predict_proba_one``), pickles, and is
combined with the softmax in :mod:`scorer.models`.

>>> from scorer.features import FEATURES
>>> model = SignalBayes()
>>> zero = dict.fromkeys(FEATURES, 0.0)
>>> for _ in range(5):
...     model.learn_one(zero | {"shipping_info_opens": 3.0}, "shipping_speed")
...     model.learn_one(zero | {"coupon_focuses": 2.0}, "price")
>>> max(model.predict_proba_one(zero | {"shipping_info_opens": 2.0}).items(), key=lambda kv: kv[1])[0]
'shipping_speed'
"""

from __future__ import annotations

import math
from typing import Final

from river import base

#: Signal counts (a session's number of such events).
COUNTS: Final = (
    "shipping_info_opens", "review_views", "review_rereads", "return_policy_views", "warranty_views",
    "price_filters", "price_sorts", "coupon_focuses", "installment_views", "tab_switches",
    "cart_to_product", "idles", "form_errors", "checkout_back_steps", "payment_failures",
)  # fmt: skip
#: Counts only a session in checkout can show (payment failures: from step 3).
_CHECKOUT_COUNTS: Final = frozenset({"form_errors", "checkout_back_steps"})
#: Counts whose rate depends on the device class (desktop or not).
BY_DEVICE: Final = frozenset({"tab_switches", "form_errors"})
#: Levels scored as Gaussian, when the session has them.
LEVELS: Final = ("price_level", "review_depth_mean")
_PRODUCT_SIGNALS: Final = ("shipping_info_opens", "review_views", "return_policy_views", "warranty_views",
                           "installment_views")  # fmt: skip
#: Prior mean of a cart stretch (seconds), weighing one stretch.
DWELL_PRIOR_S: Final = 30.0


def count_key(x: dict, name: str) -> str | None:
    """The rate a count is scored against, or None when the session could not show it."""
    step = x.get("checkout_max_step", 0.0)
    if (name in _CHECKOUT_COUNTS and not step) or (name == "payment_failures" and step < 3):
        return None
    if name in BY_DEVICE and (x.get("mobile") or x.get("tablet")):
        return name + "@touch"
    return name


def flags(x: dict) -> dict[str, float]:
    flags = {"removed_dearest": x.get("removed_dearest", 0.0), "in_checkout": float(x.get("checkout_max_step", 0.0) > 0)}
    # Signals spread over several products, when there were two signals and two products to spread over.
    if sum(x.get(f, 0.0) for f in _PRODUCT_SIGNALS) >= 2 and x.get("products_viewed", 0.0) >= 2:
        flags["spread"] = float(x.get("signal_products", 0.0) > 1)
    return flags


def cart_stretches(x: dict) -> float:
    """The number of visible stretches on the cart (0: never on the cart)."""
    mean = x.get("cart_dwell_mean_s", 0.0)
    return x.get("cart_dwell_s", 0.0) / mean if mean > 0 else 0.0


def _levels(x: dict) -> dict[str, float]:
    levels = {"price_level": x.get("price_level", 0.0)} if x.get("price_level") else {}
    if x.get("review_views"):
        levels["review_depth_mean"] = x.get("review_depth_mean", 0.0)
    return levels


class SignalBayes(base.Classifier):
    """Naive Bayes over the session features, one likelihood family per kind of feature.

    Parameters
    ----------
    rate_shape, rate_weight
        Gamma prior on every count rate: ``rate_shape`` events in ``rate_weight`` sessions.

    """

    def __init__(self, rate_shape: float = 0.5, rate_weight: float = 1.0) -> None:
        self.rate_shape = rate_shape
        self.rate_weight = rate_weight
        self._n: dict[str, int] = {}
        self._sums: dict[str, dict[str, float]] = {}
        self._seen: dict[str, dict[str, float]] = {}
        self._moments: dict[str, dict[str, list[float]]] = {}

    def learn_one(self, x: dict, y: base.typing.ClfTarget, **kwargs) -> None:
        label = str(y)
        self._n[label] = self._n.get(label, 0) + 1
        sums = self._sums.setdefault(label, {})
        seen = self._seen.setdefault(label, {})
        for name in COUNTS:
            key = count_key(x, name)
            if key is not None:
                sums[key] = sums.get(key, 0.0) + x.get(name, 0.0)
                seen[key] = seen.get(key, 0.0) + 1
        for name, value in flags(x).items():
            sums["flag:" + name] = sums.get("flag:" + name, 0.0) + value
            seen["flag:" + name] = seen.get("flag:" + name, 0.0) + 1
        stretches = cart_stretches(x)
        if stretches:
            sums["dwell"] = sums.get("dwell", 0.0) + x["cart_dwell_s"]
            seen["dwell"] = seen.get("dwell", 0.0) + stretches
        moments = self._moments.setdefault(label, {})
        for name, value in _levels(x).items():
            n, mean, m2 = moments.get(name, [0.0, 0.0, 0.0])
            n += 1
            delta = value - mean
            mean += delta / n
            moments[name] = [n, mean, m2 + delta * (value - mean)]

    def _log_joint(self, x: dict, label: str, total: int) -> float:
        a0, b0 = self.rate_shape, self.rate_weight
        sums, seen = self._sums[label], self._seen[label]
        lp = math.log((self._n[label] + 1) / (total + len(self._n)))
        for name in COUNTS:
            key = count_key(x, name)
            if key is None:
                continue
            a, b, k = a0 + sums.get(key, 0.0), b0 + seen.get(key, 0.0), x.get(name, 0.0)
            lp += a * math.log(b / (b + 1))
            if k:  # most counts are 0: no gamma functions for them
                lp += math.lgamma(a + k) - math.lgamma(a) - k * math.log(b + 1)
        for name, value in flags(x).items():
            p = (sums.get("flag:" + name, 0.0) + 1) / (seen.get("flag:" + name, 0.0) + 2)
            lp += math.log(p if value else 1 - p)
        stretches = cart_stretches(x)
        if stretches:
            mean = (sums.get("dwell", 0.0) + DWELL_PRIOR_S) / (seen.get("dwell", 0.0) + 1)
            lp += -stretches * math.log(mean) - x["cart_dwell_s"] / mean
        for name, value in _levels(x).items():
            n, mean, m2 = self._moments[label].get(name, [0.0, 0.0, 0.0])
            var = (m2 + 1.0) / (n + 1.0)
            lp += -0.5 * math.log(var) - 0.5 * (value - mean) ** 2 / var
        return lp

    def predict_proba_one(self, x: dict, **kwargs) -> dict[base.typing.ClfTarget, float]:
        if not self._n:
            return {}
        total = sum(self._n.values())
        scores = {label: self._log_joint(x, label, total) for label in self._n}
        top = max(scores.values())
        weights = {label: math.exp(s - top) for label, s in scores.items()}
        norm = sum(weights.values())
        return {label: w / norm for label, w in weights.items()}
