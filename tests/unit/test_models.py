"""The online models: River's own checks, cold start from the rules, learning, plug-ins."""

from __future__ import annotations

import pytest
from river import datasets
from river.checks import clf, common

from scorer.events import REASONS
from scorer.features import extract_features
from scorer.models import ReasonModel, RiskModel, load_estimator, reason_model, risk_model
from scorer.profile import Scorer
from scorer.rules import rule_prior
from tests.unit.scorer_helpers import session

_GENERAL = [
    common.check_repr, common.check_str, common.check_tags, common.check_clone_same_class,
    common.check_clone_is_idempotent, common.check_init_has_default_params_for_tests,
    common.check_init_default_params_are_not_mutable, common.check_doc,
    common.check_clone_changes_memory_addresses, common.check_pickling_supports_roundtrip,
    common.check_clone_with_new_params_applies, common.check_get_params_matches_signature,
    common.check_wrapper_accepts_kwargs,
]  # fmt: skip
_WITH_DATA = [
    common.check_learn_one, common.check_pickling, common.check_shuffle_features_no_impact,
    common.check_emerging_features, common.check_disappearing_features,
    common.check_predict_one_pure, common.check_predict_one_before_any_learn,
    common.check_no_state_aliasing_with_input, common.check_clone_is_independent,
    clf.check_predict_proba_one, clf.check_classifier_tracks_seen_labels,
]  # fmt: skip


@pytest.mark.parametrize("cls", [ReasonModel, RiskModel])
def test_rivers_estimator_checks(cls):
    # river.checks.check_estimator needs scikit-learn only to build its dataset list;
    # these are its checks, run on the Phishing stream River ships.
    for params in cls._unit_test_params():
        model = cls(**params)
        for check in _GENERAL:
            check(model.clone())
        for check in _WITH_DATA:
            check(model.clone(), dataset=datasets.Phishing().take(120))
    risk = RiskModel(**next(RiskModel._unit_test_params()))
    clf.check_predict_proba_one_binary(risk, dataset=datasets.Phishing().take(50))


def test_cold_start_answers_with_the_rule_prior():
    x = extract_features(session("a", "page_view", "shipping_info_open", "shipping_info_open"))
    assert reason_model().predict_proba_one(x) == rule_prior(x)
    assert risk_model().risk(x) == pytest.approx(0.70)


def test_the_learned_model_overrides_the_rules_when_the_store_says_otherwise():
    # In this store, shoppers who open shipping info twice say "price" in the survey.
    x = extract_features(session("a", "page_view", "shipping_info_open", "shipping_info_open"))
    quiet = extract_features(session("b", "page_view", "review_view", "return_policy_view"))
    model = reason_model()
    for _ in range(200):
        model.learn_one(x, "price")
        model.learn_one(quiet, "trust")
    proba = model.predict_proba_one(x)
    assert max(proba, key=proba.get) == "price"
    assert tuple(proba)[: len(REASONS)] == REASONS


def test_risk_learns_outcomes():
    browsing = extract_features(session("a", "page_view", "exit_intent"))
    checkout = extract_features(session("b", "cart_add", "checkout_step_enter", "checkout_step_enter"))
    model = risk_model("logreg")
    for _ in range(300):
        model.learn_one(browsing, True)
        model.learn_one(checkout, False)
    assert model.risk(browsing) > 0.8 > 0.2 > model.risk(checkout)


def test_a_pipeline_can_be_plugged_in_by_import_path():
    model = load_estimator("river.naive_bayes:GaussianNB")
    scorer = Scorer(reason=ReasonModel(model), name="mine")
    state = session("a", "page_view", "coupon_focus")
    scorer.learn(state, "price")
    assert scorer.model_version == "mine@r1.o0"
    with pytest.raises(ValueError, match="module:name"):
        load_estimator("river.naive_bayes.GaussianNB")
    with pytest.raises(TypeError, match="not a River classifier"):
        load_estimator("river.preprocessing:StandardScaler")


def test_profile_is_deterministic_and_explains_itself():
    state = session("a", "page_view", "cart_add", "coupon_focus", "coupon_focus", "exit_intent",
                    cart_value=180.0, device="mobile")  # fmt: skip
    scorer = Scorer()
    first, second = scorer.profile(state), scorer.profile(state)
    assert first == second
    assert first.top_reason == "price"
    assert first.evidence == ["Clicked into the coupon field twice", "Showed exit intent once"]
    assert (first.cart_value, first.device, first.events_seen) == (180.0, "mobile", 5)
    assert first.confidence == first.reasons["price"] == max(first.reasons.values())
    assert first.at == state.last_at and first.session_id == "s-a-0000"


def test_survey_answer_other_teaches_nothing():
    scorer = Scorer()
    scorer.learn(session("a", "page_view"), "other")
    scorer.learn_outcome(session("a", "page_view"), purchased=True)
    assert scorer.model_version.endswith("@r0.o1")


def test_the_risk_says_it_ranks_only_once_it_has_shown_it():
    import random

    from scorer.features import FEATURES
    from scorer.models import RISK_MIN_OUTCOMES, risk_model

    zero = dict.fromkeys(FEATURES, 0.0)
    rnd = random.Random(3)
    ranking, guessing, prior = risk_model("logreg"), risk_model("logreg"), risk_model("base_rate")
    for i in range(1500):
        left = rnd.random() < 0.6
        # Leavers fill dearer carts here; the guessing model gets a coin flip for a label.
        x = zero | {"cart_value": 100.0 + (80.0 if left else 0.0) + rnd.gauss(0, 40)}
        ranking.learn_one(x, left)
        guessing.learn_one(x, rnd.random() < 0.6)
        prior.learn_one(x, left)
        if i < RISK_MIN_OUTCOMES:  # too few outcomes of each kind, however good
            assert not ranking.ranks
    assert ranking.ranks and ranking.progressive_auc > 0.8
    assert not guessing.ranks and abs(guessing.progressive_auc - 0.5) < 0.1
    assert not prior.ranks and prior.progressive_auc is None  # the base rate never learns
