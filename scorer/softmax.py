"""Standardised softmax regression in one step: the default reason learner, made cheap.

Why not ``preprocessing.StandardScaler() | linear_model.SoftmaxRegression()``: that
pipeline builds several dicts per call (scaled input, scores, gradient) and River's
SGD looks up the learning rate through a scheduler once per feature and class; on
our ~56 features and 5 reasons it cost about 200 µs per predict + learn. This class
does the same arithmetic (Welford running mean and variance, scaling by the running
standard deviation, multinomial cross-entropy with River's probability clamp, plain
SGD with L2) on numpy vectors. Features keep the position they were first seen at,
so when a dict arrives with the known keys in the known order (the case for
:func:`scorer.features.extract_features`) it becomes a vector in one call; any
other dict takes a slower path with the same result. With ``intercept_lr=0`` its
predictions equal the River pipeline's up to floating-point rounding (River's
softmax has no intercept).

>>> model = StandardSoftmax(lr=0.1)
>>> for _ in range(50):
...     model.learn_one({"coupons": 3.0, "shipping": 0.0}, "price")
...     model.learn_one({"coupons": 0.0, "shipping": 2.0}, "shipping_speed")
>>> model.predict_one({"coupons": 2.0, "shipping": 0.0})
'price'
"""

from __future__ import annotations

import numpy as np
from river import base

#: Probabilities are clamped here before the gradient, as River's cross-entropy does.
_EPS = 1e-15


class StandardSoftmax(base.Classifier):
    """Multinomial logistic regression on running-standardised inputs, learned by SGD.

    Parameters
    ----------
    lr
        SGD learning rate.
    l2
        L2 penalty on the feature weights (not on the intercepts).
    intercept_lr
        Learning rate of the per-class intercepts; 0 keeps them at zero.

    """

    def __init__(self, lr: float = 0.01, l2: float = 0.0, intercept_lr: float = 0.0) -> None:
        self.lr = lr
        self.l2 = l2
        self.intercept_lr = intercept_lr
        self.classes: list = []
        #: Feature names in the order of the vectors below.
        self.features: tuple = ()
        self._position: dict = {}
        self.counts = np.zeros(0)
        self.means = np.zeros(0)
        self.vars = np.zeros(0)  # population variance
        self.weights = np.zeros((0, 0))  # feature x class
        self.intercepts = np.zeros(0)

    @property
    def _multiclass(self) -> bool:
        return True

    def _vector(self, x: dict, grow: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """``x`` as a vector in feature order, and a mask of the features present (None: all).

        ``grow`` adds unseen features (learning); otherwise they are ignored (predicting).
        """
        if tuple(x) == self.features:
            return np.fromiter(x.values(), dtype=float, count=len(x)), None
        if grow:
            new = [name for name in x if name not in self._position]
            if new:
                for name in new:
                    self._position[name] = len(self.features)
                    self.features += (name,)
                pad = len(new)
                self.counts = np.concatenate([self.counts, np.zeros(pad)])
                self.means = np.concatenate([self.means, np.zeros(pad)])
                self.vars = np.concatenate([self.vars, np.zeros(pad)])
                self.weights = np.vstack([self.weights, np.zeros((pad, len(self.classes)))])
        values = np.zeros(len(self.features))
        present = np.zeros(len(self.features), dtype=bool)
        for name, value in x.items():
            i = self._position.get(name)
            if i is not None:
                values[i] = value
                present[i] = True
        return values, present

    def _scaled(self, values: np.ndarray, present: np.ndarray | None) -> np.ndarray:
        """Standardised values; 0 where the variance is 0 or the feature is absent."""
        usable = self.vars > 0
        if present is not None:
            usable &= present
        scale = np.sqrt(np.where(usable, self.vars, 1.0))
        return np.where(usable, (values - self.means) / scale, 0.0)

    @staticmethod
    def _softmax(scores: np.ndarray) -> np.ndarray:
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()

    def predict_proba_one(self, x: dict, **kwargs) -> dict:
        if not self.classes:
            return {}
        values, present = self._vector(x, grow=False)
        proba = self._softmax(self._scaled(values, present) @ self.weights + self.intercepts)
        return dict(zip(self.classes, proba.tolist()))

    def learn_one(self, x: dict, y: base.typing.ClfTarget, **kwargs) -> None:
        values, present = self._vector(x, grow=True)
        # Update the running mean and variance first (as the River pipeline's scaler
        # does), then learn from the input scaled with the updated statistics.
        if present is None:
            self.counts += 1.0
            old = self.means.copy()
            self.means += (values - old) / self.counts
            self.vars += ((values - old) * (values - self.means) - self.vars) / self.counts
        else:
            self.counts[present] += 1.0
            n = np.where(present, self.counts, 1.0)
            old = self.means.copy()
            self.means += np.where(present, (values - old) / n, 0.0)
            self.vars += np.where(present, ((values - old) * (values - self.means) - self.vars) / n, 0.0)
        z = self._scaled(values, present)
        known = len(self.classes)
        proba = self._softmax(z @ self.weights + self.intercepts) if known else np.zeros(0)
        if y not in self.classes:
            # A class never seen had no score: its predicted probability was 0.
            self.classes.append(y)
            self.weights = np.hstack([self.weights, np.zeros((len(self.features), 1))])
            self.intercepts = np.append(self.intercepts, 0.0)
            proba = np.append(proba, 0.0)
        gradient = np.clip(proba, _EPS, 1.0 - _EPS)
        gradient[self.classes.index(y)] -= 1.0
        if self.l2:
            # Every feature in x decays, even one scaled to 0, as in River's dict SGD.
            decay = self.lr * self.l2 * (1.0 if present is None else present[:, None])
            self.weights -= decay * self.weights
        self.weights -= self.lr * np.outer(z, gradient)
        if self.intercept_lr:
            self.intercepts -= self.intercept_lr * gradient
