"""The default reason learner: River's contract, and what it reads differently from SignalBayes."""

from __future__ import annotations

import doctest
import importlib

import pytest
from river import datasets

from scorer import persistence
from scorer.engagement_bayes import EngagementBayes
from scorer.evaluation import Candidate, replay
from scorer.features import FEATURES
from scorer.metrics import macro_f1
from scorer.models import reason_model
from scorer.profile import Scorer
from scorer.simulator import SimulatorConfig, collected, simulate
from tests.unit.test_models import _GENERAL, _WITH_DATA

ZERO = dict.fromkeys(FEATURES, 0.0)
KEY = b"test-signing-key-0123456789abcdef"


@pytest.mark.parametrize("name", ["scorer.engagement_bayes", "scorer.signal_bayes", "scorer.models"])
def test_doctests_pass(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted and not result.failed


def test_rivers_estimator_checks():
    model = EngagementBayes()
    for check in _GENERAL:
        check(model.clone())
    for check in _WITH_DATA:
        check(model.clone(), dataset=datasets.Phishing().take(120))


def _trained(examples: list[tuple[dict, str]], times: int = 30) -> EngagementBayes:
    model = EngagementBayes()
    for _ in range(times):
        for x, y in examples:
            model.learn_one(x, y)
    return model


def test_a_mean_over_many_reviews_says_more_than_one_review():
    deep, shallow = ZERO | {"review_views": 1.0, "review_depth_mean": 0.8}, ZERO | {"review_views": 1.0, "review_depth_mean": 0.3}
    model = _trained([(deep, "trust"), (deep | {"review_depth_mean": 0.7}, "trust"),
                      (shallow, "price"), (shallow | {"review_depth_mean": 0.2}, "price")])  # fmt: skip
    # The same (ambiguous) mean depth, read over five reviews instead of one: the draws
    # pile up on the side their mean is on.
    one = model.predict_proba_one(ZERO | {"review_views": 1.0, "review_depth_mean": 0.62})
    five = model.predict_proba_one(ZERO | {"review_views": 5.0, "review_depth_mean": 0.62})
    assert five["trust"] / five["price"] > one["trust"] / one["price"]


def test_keeping_a_single_item_is_no_evidence_against_price():
    # Price shoppers with two items often remove the dearest one; others never do.
    price = ZERO | {"coupon_focuses": 1.0, "cart_adds": 2.0}
    model = _trained([(price | {"removed_dearest": 1.0}, "price"), (price, "price"),
                      (ZERO | {"cart_adds": 2.0, "review_views": 1.0}, "trust")])  # fmt: skip
    kept_one = model.predict_proba_one(ZERO | {"coupon_focuses": 1.0, "cart_adds": 1.0})
    kept_both = model.predict_proba_one(ZERO | {"coupon_focuses": 1.0, "cart_adds": 2.0})
    assert kept_one["price"] > kept_both["price"]


def test_one_flooding_session_teaches_no_more_than_a_keen_shopper():
    keen, flood = _trained([]), _trained([])
    for model, opens in ((keen, 20.0), (flood, 1e9)):
        model.learn_one(ZERO | {"review_views": 2.0}, "trust")
        model.learn_one(ZERO | {"shipping_info_opens": opens}, "price")
    probe = ZERO | {"shipping_info_opens": 3.0, "review_views": 1.0}
    assert flood.predict_proba_one(probe) == keen.predict_proba_one(probe)


def test_it_reads_the_simulators_shoppers_better_than_signal_bayes():
    # Progressive validation on one small simulated stream, every abandoner answering.
    candidates = [Candidate(name, reason=reason_model(name)) for name in ("engagement_bayes", "signal_bayes")]
    replay(collected(simulate(SimulatorConfig(sessions=2000, seed=21, label_rate=1.0))), candidates)
    new, old = (macro_f1(c.reason_true, c.reason_pred) for c in candidates)
    assert len(candidates[0].reason_true) > 900
    assert new > old + 0.01


def test_a_checkpoint_of_the_previous_default_still_loads_and_learns():
    x = ZERO | {"coupon_focuses": 2.0}
    previous = Scorer(reason=reason_model("softmax+bayes"), name="softmax+bayes+forest")
    previous.reason.learn_one(x, "price")
    loaded = Scorer.load(previous.save(key=KEY), key=KEY)
    assert loaded.reason.predict_proba_one(x) == previous.reason.predict_proba_one(x)
    loaded.reason.learn_one(x, "price")
    assert loaded.model_version == "softmax+bayes+forest@r2.o0"
    assert persistence.read_header(Scorer().save(key=KEY)).model_version == "engagement_bayes+forest@r0.o0"
