"""The fast standardised softmax: River's own checks, and River's arithmetic reproduced."""

from __future__ import annotations

import random

import pytest
from river import datasets, linear_model, optim, preprocessing

from scorer.softmax import StandardSoftmax
from scorer.events import REASONS
from tests.unit.test_models import _GENERAL, _WITH_DATA


def test_rivers_estimator_checks():
    for check in _GENERAL:
        check(StandardSoftmax())
    for check in _WITH_DATA:
        check(StandardSoftmax(), dataset=datasets.Phishing().take(120))


def _stream(n: int, seed: int) -> list[tuple[dict, str]]:
    """Reason-like examples: counts whose rates depend on the label, sometimes reordered or missing."""
    rnd = random.Random(seed)
    names = ["coupons", "reviews", "shipping", "errors", "dwell"]
    out = []
    for _ in range(n):
        y = rnd.choice(REASONS)
        x = {name: float(rnd.random() < (0.7 if REASONS.index(y) == i else 0.2)) * rnd.randint(1, 4)
             for i, name in enumerate(names)}  # fmt: skip
        if rnd.random() < 0.1:
            del x[rnd.choice(names)]
        if rnd.random() < 0.1:
            x = dict(reversed(x.items()))
        out.append((x, y))
    return out


@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_same_probabilities_as_rivers_scaler_and_softmax(l2):
    river_model = preprocessing.StandardScaler() | linear_model.SoftmaxRegression(
        optim.SGD(0.05), l2=l2
    )
    ours = StandardSoftmax(lr=0.05, l2=l2)
    for x, y in _stream(400, seed=3):
        expected, got = river_model.predict_proba_one(x), ours.predict_proba_one(x)
        assert got.keys() == expected.keys()
        assert all(got[k] == pytest.approx(expected[k], abs=1e-9) for k in expected)
        river_model.learn_one(x, y)
        ours.learn_one(x, y)


def test_intercepts_learn_class_frequencies_without_any_signal():
    model = StandardSoftmax(lr=0.0, intercept_lr=0.05)
    for i in range(400):
        model.learn_one({"nothing": 1.0}, "price" if i % 4 else "trust")
    proba = model.predict_proba_one({"nothing": 1.0})
    assert proba["price"] == pytest.approx(0.75, abs=0.05)


def test_features_it_has_not_learned_are_ignored_when_predicting():
    model = StandardSoftmax(lr=0.1)
    for x, y in _stream(200, seed=5):
        model.learn_one(x, y)
    x, _ = _stream(1, seed=6)[0]
    assert model.predict_proba_one(x | {"unseen": 9.0}) == model.predict_proba_one(x)
