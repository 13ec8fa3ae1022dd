"""The online models: why a shopper hesitates (reason) and whether they will leave (risk).

Both follow River's contract (``learn_one(x, y)``, ``predict_proba_one(x)``) and
learn one labelled example at a time: a survey answer teaches the reason model, a
session's outcome teaches the risk model. Both are a :class:`PriorBlend`: before
the store has labels the prior speaks (the rule table for reasons, the average
abandonment rate for risk); as labels arrive the learned model takes over, with
weight ``n / (n + prior_strength)`` after ``n`` labels. The rule prior is also a
feature of the learned reason model (:func:`add_rule_prior`).

The candidates below are the configurations the evaluation harness compares;
:data:`DEFAULT_REASON` and :data:`DEFAULT_RISK` are the ones it chose (figures in
``docs/evaluation.md``). Any River classifier can be plugged in by import path
with :func:`load_estimator`.

>>> model = reason_model()
>>> from scorer.features import FEATURES
>>> x = dict.fromkeys(FEATURES, 0.0) | {"coupon_focuses": 2.0}
>>> max(model.predict_proba_one(x).items(), key=lambda kv: kv[1])[0]   # cold start: rules
'price'
>>> model.learn_one(x, "trust")
>>> round(sum(model.predict_proba_one(x).values()), 6)
1.0
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from river import base, compose, forest, linear_model, metrics, multiclass, naive_bayes, optim
from river import preprocessing, tree

from scorer.engagement_bayes import EngagementBayes
from scorer.events import REASONS
from scorer.rules import rule_prior
from scorer.signal_bayes import SignalBayes
from scorer.softmax import StandardSoftmax

#: Cross-store average: about 70 % of carts are abandoned (Baymard's meta-study).
ABANDONMENT_BASE_RATE: Final = 0.70
#: The risk ranks sessions once it has learned at least this many outcomes of each kind
#: (bought, left) and its progressive ROC AUC over the latest RISK_AUC_WINDOW outcomes
#: (each scored before it was learned) reaches RISK_MIN_AUC. Until then one number for
#: everyone would mislead: profiles say the risk is not yet trained.
RISK_MIN_OUTCOMES: Final = 200
RISK_MIN_AUC: Final = 0.6
RISK_AUC_WINDOW: Final = 1000


def add_rule_prior(x: dict) -> dict:
    """The features plus the rule prior's probabilities as ``prior_<reason>``."""
    prior = rule_prior(x)
    return x | {f"prior_{reason}": p for reason, p in prior.items()}


def log1p_values(x: dict) -> dict:
    """``log(1 + v)`` of every non-negative value: durations and counts are heavy-tailed."""
    return {k: math.log1p(v) if v >= 0 else v for k, v in x.items()}


def abandonment_prior(x: Mapping[str, Any]) -> dict[bool, float]:
    """Risk before any outcome is known: the base rate (``True`` = leaves without buying)."""
    return {True: ABANDONMENT_BASE_RATE, False: 1.0 - ABANDONMENT_BASE_RATE}


class PriorBlend(base.Wrapper, base.Classifier):
    """A classifier whose answers start at a prior and move to what it has learned.

    Parameters
    ----------
    classifier
        The River classifier that learns (``None``: the prior alone, which never learns).
    prior
        ``x -> {label: probability}``, a module-level function so the blend pickles;
        ``None``: the class's default (the rule prior; the base rate for risk).
    prior_strength
        Labels after which the learned model and the prior weigh the same.

    """

    _default_prior = staticmethod(rule_prior)

    def __init__(
        self,
        classifier: base.Classifier | None = None,
        prior: Callable[[dict], dict] | None = None,
        prior_strength: float = 20.0,
    ) -> None:
        self.classifier = classifier
        self.prior = prior
        self.prior_strength = prior_strength
        self.n_learned = 0

    @property
    def _wrapped_model(self):
        return self.classifier

    @property
    def _multiclass(self) -> bool:
        return True

    @classmethod
    def _unit_test_params(cls):
        yield {
            "classifier": preprocessing.StandardScaler() | linear_model.LogisticRegression(),
            "prior": rule_prior,
        }

    def learn_one(self, x: dict, y: base.typing.ClfTarget, **kwargs) -> None:
        if self.classifier is None:
            return
        self.classifier.learn_one(x, y, **kwargs)
        self.n_learned += 1

    def predict_proba_one(self, x: dict, **kwargs) -> dict[base.typing.ClfTarget, float]:
        prior = (self.prior or self._default_prior)(x)
        if not self.n_learned:
            return prior
        weight = self.n_learned / (self.n_learned + self.prior_strength)
        learned = self.classifier.predict_proba_one(x, **kwargs)
        blend = {label: (1.0 - weight) * p for label, p in prior.items()}
        for label, p in learned.items():
            blend[label] = blend.get(label, 0.0) + weight * p
        total = sum(blend.values())
        return {label: p / total for label, p in blend.items()}


class ReasonModel(PriorBlend):
    """Probabilities over :data:`scorer.events.REASONS`, learned from survey answers."""

    @classmethod
    def _unit_test_params(cls):
        yield {"classifier": compose.FuncTransformer(add_rule_prior) | naive_bayes.GaussianNB()}

    def predict_proba_one(self, x: dict, **kwargs) -> dict[str, float]:
        proba = super().predict_proba_one(x, **kwargs)
        # Always every reason, in REASONS order, so profiles look the same from the first event.
        return {reason: proba.get(reason, 0.0) for reason in REASONS} | proba


class RiskModel(PriorBlend):
    """Probability that the session ends without a purchase, learned from outcomes."""

    _default_prior = staticmethod(abandonment_prior)

    @classmethod
    def _unit_test_params(cls):
        yield {"classifier": preprocessing.StandardScaler() | linear_model.LogisticRegression()}

    @property
    def _multiclass(self) -> bool:
        return False

    def risk(self, x: dict) -> float:
        """P(leaves without buying)."""
        return self.predict_proba_one(x).get(True, 0.0)

    def learn_one(self, x: dict, y: base.typing.ClfTarget, **kwargs) -> None:
        # Progressive validation: score the session before learning its outcome.
        if self.classifier is not None:
            left = bool(y)
            self._ranking.update(left, self.risk(x))
            self._outcomes[left] = self._outcomes.get(left, 0) + 1
        super().learn_one(x, y, **kwargs)

    @property
    def _ranking(self) -> metrics.RollingROCAUC:
        if "_auc" not in self.__dict__:
            self._auc = metrics.RollingROCAUC(window_size=RISK_AUC_WINDOW)
            self._outcomes: dict[bool, int] = {}
        return self._auc

    @property
    def progressive_auc(self) -> float | None:
        """ROC AUC of the risk on the latest outcomes, each scored before it was learned."""
        counts = self.__dict__.get("_outcomes", {})
        return self._ranking.get() if counts.get(True) and counts.get(False) else None

    @property
    def ranks(self) -> bool:
        """True once the risk has shown it orders sessions (see :data:`RISK_MIN_AUC`)."""
        counts = self.__dict__.get("_outcomes", {})
        auc = self.progressive_auc
        return min(counts.get(True, 0), counts.get(False, 0)) >= RISK_MIN_OUTCOMES and auc is not None and auc >= RISK_MIN_AUC


class GeometricMean(base.Classifier):
    """The normalised geometric mean of several classifiers' probabilities (all learn every label).

    Why: the softmax (discriminative, many weights) and :class:`SignalBayes` (generative,
    few rates) err differently; the product of their opinions beats either alone on the
    simulator (``docs/evaluation.md``).
    """

    def __init__(self, members: list[base.Classifier]) -> None:
        self.members = members

    @classmethod
    def _unit_test_params(cls):
        yield {"members": [naive_bayes.GaussianNB(), _scaled(linear_model.LogisticRegression())]}

    def learn_one(self, x: dict, y: base.typing.ClfTarget, **kwargs) -> None:
        for member in self.members:
            member.learn_one(x, y)

    def predict_proba_one(self, x: dict, **kwargs) -> dict[base.typing.ClfTarget, float]:
        opinions = [member.predict_proba_one(x) for member in self.members]
        labels = set().union(*opinions)
        if not labels:
            return {}
        logs = {y: sum(math.log(max(o.get(y, 0.0), 1e-9)) for o in opinions) / len(opinions) for y in labels}
        top = max(logs.values())
        weights = {y: math.exp(v - top) for y, v in logs.items()}
        norm = sum(weights.values())
        return {y: w / norm for y, w in weights.items()}


def _scaled(classifier: base.Classifier) -> base.Classifier:
    return preprocessing.StandardScaler() | classifier


def _with_prior(classifier: base.Classifier) -> base.Classifier:
    return compose.FuncTransformer(add_rule_prior) | classifier


#: Reason configurations the harness compares (name -> learner; ``None`` = rules only).
REASON_CANDIDATES: Final[dict[str, Callable[[], base.Classifier | None]]] = {
    "rules": lambda: None,
    "logreg": lambda: _with_prior(
        _scaled(multiclass.OneVsRestClassifier(linear_model.LogisticRegression(optim.SGD(0.05))))
    ),
    # ``_scaled(linear_model.SoftmaxRegression())`` in one fast step, plus per-class
    # intercepts and a smaller learning rate (chosen on simulator seeds 4-6, see docs).
    "softmax": lambda: _with_prior(StandardSoftmax(lr=0.005, intercept_lr=0.01)),
    "naive_bayes": lambda: _with_prior(naive_bayes.GaussianNB()),
    "signal_bayes": lambda: SignalBayes(),
    # The previous default: the softmax and the signal naive Bayes, their probabilities multiplied.
    "softmax+bayes": lambda: GeometricMean([_with_prior(StandardSoftmax(lr=0.005, intercept_lr=0.01)), SignalBayes()]),
    # The default: signal counts sharing one engagement level per session (docs/evaluation.md).
    "engagement_bayes": lambda: EngagementBayes(),
    "hoeffding_tree": lambda: _with_prior(tree.HoeffdingTreeClassifier(grace_period=50)),
    "adaptive_tree": lambda: _with_prior(
        tree.HoeffdingAdaptiveTreeClassifier(grace_period=50, seed=1)
    ),
    "forest": lambda: _with_prior(forest.ARFClassifier(n_models=10, seed=1)),
}

#: Risk configurations the harness compares.
RISK_CANDIDATES: Final[dict[str, Callable[[], base.Classifier | None]]] = {
    "base_rate": lambda: None,
    "logreg": lambda: compose.FuncTransformer(log1p_values)
    | _scaled(linear_model.LogisticRegression(optim.SGD(0.05))),
    "naive_bayes": lambda: naive_bayes.GaussianNB(),
    "hoeffding_tree": lambda: tree.HoeffdingTreeClassifier(grace_period=50),
    "adaptive_tree": lambda: tree.HoeffdingAdaptiveTreeClassifier(grace_period=50, seed=1),
    "forest": lambda: forest.ARFClassifier(n_models=10, seed=1),
}

#: Chosen by ``benchmarks/evaluate_reasons.py --seeds`` (best macro-F1 against the Bayes
#: oracle's over simulator seeds 1-10, checked on seeds 11-15).
DEFAULT_REASON: Final = "engagement_bayes"
#: Chosen by ``cartcoach model uci`` (best prequential ROC AUC on the UCI data).
DEFAULT_RISK: Final = "forest"


def reason_model(name: str = DEFAULT_REASON, classifier: base.Classifier | None = None) -> ReasonModel:
    """A fresh reason model: a named candidate, or ``classifier`` (e.g. from an import path)."""
    if classifier is None:
        if name not in REASON_CANDIDATES:
            raise KeyError(f"unknown reason model {name!r}; choose from {sorted(REASON_CANDIDATES)}")
        classifier = REASON_CANDIDATES[name]()
    return ReasonModel(classifier)


def risk_model(name: str = DEFAULT_RISK, classifier: base.Classifier | None = None) -> RiskModel:
    """A fresh risk model: a named candidate, or ``classifier``."""
    if classifier is None:
        if name not in RISK_CANDIDATES:
            raise KeyError(f"unknown risk model {name!r}; choose from {sorted(RISK_CANDIDATES)}")
        classifier = RISK_CANDIDATES[name]()
    return RiskModel(classifier)


def load_estimator(path: str) -> base.Classifier:
    """Build a River classifier from ``"package.module:name"``.

    ``name`` may be an estimator (it is cloned, so each use starts fresh) or a
    callable taking no arguments that returns one.
    """
    module_name, sep, attr = path.partition(":")
    if not sep or not attr:
        raise ValueError(f"expected 'package.module:name', got {path!r}")
    target = getattr(importlib.import_module(module_name), attr)
    estimator = target.clone() if isinstance(target, base.Estimator) else target()
    if not isinstance(estimator, base.Classifier):
        raise TypeError(f"{path} gave {type(estimator).__name__}, not a River classifier")
    return estimator
