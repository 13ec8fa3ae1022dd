"""The Bayes oracle for simulated sessions: the ceiling of any reason model on a simulation.

Why: when a model stalls on the simulator, the question is whether the model, the
features or the simulator's own noise is to blame. The oracle answers the last
part. It reads a :class:`~scorer.simulator.SimSession`'s raw events and computes,
from the simulator's own generative model, the posterior probability of each
survey answer: signal counts are Poisson with rates from ``BASE_RATES`` and
``PERSONA_RATES`` at a Gamma-distributed intensity (integrated on a grid), a
second motive (any other reason, with ``mixed_share``) adds half-strength
signals, checkout signals count only where the shopper was in checkout (a
checkout "exit" is a back-step, read from the steps entered again), and
review depths, product prices, every visible stretch of cart dwell, removing the dearest item, the
product that product-page signals land on and the answer noise all enter with
the simulator's distributions. No model reading the same events can do better in
expectation (it reads only the events before the survey answer, as the models
are asked there), so its macro-F1 on a stream is the ceiling for that configuration
(up to sampling noise). It is a diagnostic, not a product model: it knows how the
data was made.

It has to follow ``scorer/simulator.py``; it imports the simulator's constants, and
``tests/unit/test_oracle.py`` checks that its probabilities are calibrated on a
fresh simulation, which fails if the two drift apart.

>>> from scorer.simulator import SimulatorConfig, simulate
>>> config = SimulatorConfig(sessions=40, seed=3, label_rate=1.0)
>>> answered = [s for s in simulate(config) if s.answer in REASONS]
>>> p = answer_posterior(answered[0], config)
>>> sorted(p) == sorted(REASONS), round(sum(p.values()), 6)
(True, 1.0)
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from scorer.events import REASONS, Reason
from scorer.simulator import BASE_RATES, CART_DWELL_OTHERS_S, CART_DWELL_S, CHECKOUT_ENTRY
from scorer.simulator import CHECKOUT_ENTRY_OTHERS, INTENSITY, MOBILE_FACTORS, PERSONA_RATES
from scorer.simulator import PRICE_INDEX_MU, PRICE_INDEX_SIGMA, PRICE_SPREAD, PRODUCT_PRICE
from scorer.simulator import PRODUCT_SIGNALS, REMOVE_DEAREST
from scorer.simulator import REMOVE_DEAREST_OTHERS, REVIEW_DEPTH
from scorer.simulator import SECOND_STRENGTH, SimSession, SimulatorConfig

#: Intensity grid for the Gamma integral: midpoints of 400 cells up to 16 scale units
#: (the Gamma(2) tail beyond is below 1e-5).
_CELLS: Final = 400
_SIGNALS: Final = tuple(BASE_RATES)
_CHECKOUT_SIGNALS: Final = frozenset({"form_error", "checkout_step_leave"})
_LOG_PRICE_SIGMA: Final = math.hypot(PRICE_INDEX_SIGMA, PRICE_SPREAD)


def _intensity_grid() -> tuple[np.ndarray, np.ndarray]:
    shape, scale = INTENSITY
    width = 16 * scale / _CELLS
    grid = (np.arange(_CELLS) + 0.5) * width
    log_pdf = (shape - 1) * np.log(grid) - grid / scale - math.lgamma(shape) - shape * math.log(scale)
    return grid, log_pdf + math.log(width)


_GRID, _LOG_WEIGHT = _intensity_grid()


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def _log_beta(x: float, a: float, b: float) -> float:
    x = min(max(x, 1e-6), 1 - 1e-6)
    return (a - 1) * math.log(x) + (b - 1) * math.log(1 - x) + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)


class _Observed:
    """What a session shows before its survey answer, in the terms of the generative model."""

    def __init__(self, session: SimSession) -> None:
        events = [sim.event for sim in session.events]
        answered = next((i for i, e in enumerate(events) if e.type == "survey_answer"), len(events))
        events = events[:answered]  # what a model asked at the answer has seen
        self.mobile = session.device != "desktop"
        self.counts = dict.fromkeys(_SIGNALS, 0)
        for e in events:
            if e.type in self.counts:
                self.counts[e.type] += 1
        # Every step left sends a step leave; the generative "exits" are the back-steps,
        # read from the entries: two per back-step (the step before and this one again),
        # one from the first step (back to the cart).
        enters = [e.step for e in events if e.type == "checkout_step_enter"]
        self.steps = max(enters, default=0)
        if self.steps:
            again = len(enters) - self.steps
            self.counts["checkout_step_leave"] = again if self.steps == 1 else again // 2
        # Checkout signals exist only in checkout; payment failures only from step 3.
        self.observed = set(_SIGNALS)
        if not self.steps:
            self.observed -= _CHECKOUT_SIGNALS | {"payment_failed"}
        elif self.steps < 3:
            self.observed.discard("payment_failed")
        # The products drawn: product page views not reached from the cart.
        viewed = [
            e for e, after in zip(events, [*events[1:], None])
            if e.type == "page_view" and e.page_type == "product"
            and not (after is not None and after.type == "cart_to_product")
        ]  # fmt: skip
        self.products = [e.product_id for e in viewed]
        self.log_prices = [math.log(max(e.price or 0.0, 1e-3)) for e in viewed]
        self.product_signals = [e.product_id for e in events if e.type in PRODUCT_SIGNALS]
        self.depths = [e.depth for e in events if e.type == "review_view"]
        self.cart_dwell_ms = [e.dwell_ms or 0 for e in events if e.type == "cart_dwell"]
        self.cart_adds = sum(e.type == "cart_add" for e in events)
        self.removed = any(e.type == "cart_remove" for e in events)


def _log_likelihood(o: _Observed, persona: Reason, second: Reason | None, noise: float) -> float:
    counts = np.zeros((len(_SIGNALS), 1))
    rates = np.zeros((len(_SIGNALS), _CELLS))
    for i, signal in enumerate(_SIGNALS):
        if signal not in o.observed:
            continue
        per_unit = PERSONA_RATES[persona].get(signal, 0.0)
        if second is not None:
            per_unit += SECOND_STRENGTH * PERSONA_RATES[second].get(signal, 0.0)
        factor = MOBILE_FACTORS.get(signal, 1.0) if o.mobile else 1.0
        rates[i] = factor * (BASE_RATES[signal] * noise + per_unit * _GRID)
        counts[i] = o.counts[signal]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(rates), 0.0) - rates
    ll = float(np.logaddexp.reduce(terms.sum(axis=0) + _LOG_WEIGHT))

    entry = CHECKOUT_ENTRY.get(persona, CHECKOUT_ENTRY_OTHERS)
    ll += _log(entry if o.steps else 1.0 - entry)
    motives = (persona, second)
    a, b = REVIEW_DEPTH["trust" if "trust" in motives else "other"]
    ll += sum(_log_beta(d, a, b) for d in o.depths)
    # log price = log PRODUCT_PRICE + log price index + log-normal spread: normal.
    mu = math.log(PRODUCT_PRICE) + PRICE_INDEX_MU["price" if "price" in motives else "other"]
    ll += sum(-0.5 * ((v - mu) / _LOG_PRICE_SIGMA) ** 2 for v in o.log_prices)
    if o.cart_dwell_ms:  # one exponential stretch per cart_dwell
        mean = 1000 * max(CART_DWELL_S.get(persona, CART_DWELL_OTHERS_S), CART_DWELL_S.get(second or "", 0.0))
        ll += sum(-math.log(mean) - d / mean for d in o.cart_dwell_ms)
    if o.cart_adds > 1:
        remove = REMOVE_DEAREST.get(persona, REMOVE_DEAREST_OTHERS) + 0.5 * REMOVE_DEAREST.get(second or "", 0.0)
        ll += _log(remove if o.removed else 1.0 - remove)
    if o.product_signals:
        if persona == "trust":  # every product-page signal on the first product
            ll += 0.0 if all(p == o.products[0] for p in o.product_signals) else -math.inf
        else:  # each on a product drawn uniformly from those viewed
            ll -= len(o.product_signals) * math.log(len(o.products))
    return ll


def answer_posterior(session: SimSession, config: SimulatorConfig) -> dict[Reason, float]:
    """P(survey answer = reason | the session's events) for a hesitating shopper's session."""
    o = _Observed(session)
    shares = {r: w for r, w in config.reason_shares.items() if w > 0}
    total = sum(shares.values())
    hypotheses: list[tuple[float, Reason, Reason | None]] = []
    for persona, share in shares.items():
        others = {r: w for r, w in shares.items() if r != persona}
        mixed = config.mixed_share if others else 0.0
        if mixed < 1:
            hypotheses.append((math.log(share / total * (1 - mixed)), persona, None))
        for second, w in others.items() if mixed > 0 else ():
            prior = share / total * mixed * w / sum(others.values())
            hypotheses.append((math.log(prior), persona, second))
    scores = np.array([lp + _log_likelihood(o, p, s, config.noise) for lp, p, s in hypotheses])
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    # The answer names the persona, or with answer_noise the second motive (else any reason).
    noise = config.answer_noise
    answer = dict.fromkeys(REASONS, 0.0)
    for w, (_, persona, second) in zip(weights.tolist(), hypotheses):
        answer[persona] += w * (1 - noise)
        if second is not None:
            answer[second] += w * noise
        else:
            for reason in REASONS:
                answer[reason] += w * noise / len(REASONS)
    return answer
