"""The learning policy: which allowed incentive to show in this context, learnt from net margin.

A contextual bandit: ε-greedy over the incentives the store's policy allows here, on
per-incentive value estimates learnt from each decision's delayed reward (net margin).

Exploration is bounded: ε = 5 % by default, so at most one decision in twenty deviates
from the best-known incentive, and only ever to an incentive the store's policy allows
and the store's data makes true (the caller's action set). It falls as rewards
accumulate (half of it after 50,000, never under 1 %): each explored decision costs the
margin of the best-known incentive, and a policy that has learnt from many rewards has
less to find out. Every choice comes with its probability (the pmf), which the decision
logs as its propensity and off-policy evaluation needs.

A coupon is charged what it costs the visitor's later sessions: shoppers who get one
learn to wait for the next, a cost no single decision's reward shows. The charge is
measured on the policy's own rewards, comparing later sessions of visitors shown a
coupon with those shown something else (:mod:`nudges.learning.coupon_waiting`).

Why the value model is what it is (measured on the uplift simulator, docs/evaluation.md):
the reward is one purchase or none, worth up to a few thousand TRY, while the incentives
differ by a few points of purchase probability. Most of a reward's size does not depend
on the incentive at all (who the shopper is, the cart, the margin). So the estimate of
an incentive's value is a *shared* part, learnt from every decision whatever was shown
(the context and all its pairwise products), plus a small *own* part per incentive
(the context, the incentive's cost as a share of the cart, and each reason's probability
crossed with device, channel, risk and cart size: a friction shopper on a desktop wants
help, not guest checkout; a trust shopper from the store's e-mail the return guarantee).
The own parts are shrunk towards zero (ridge), so an incentive the data say little about
ties with the others and the scenario engine's order decides. It is solved exactly
(recursive least squares), not by stochastic gradient: Vowpal Wabbit's ``cb_explore_adf``
with the same or richer features learnt from the same noisy rewards ranked the
incentives worse than the engine's rules, and worse the more data it saw, where the
exact solution of a smaller model beats them (``benchmarks/policy_values.py``). River's
``BayesianLinearRegression`` makes the same exact update, but its state can only be
saved with pickle, and a checkpoint in Redis must not be able to run code when it is
read back; this one saves plain arrays.

The reward is learnt as ``reward / cart value``: the cart's value is known when the
choice is made, so dividing by it changes no choice, while it takes away most of the
spread between a 100 TRY and a 5,000 TRY cart.

>>> policy = LearningPolicy(seed=1)
>>> ctx = PolicyContext(reasons={"price": 0.7, "trust": 0.1, "shipping_speed": 0.1,
...     "indecision": 0.05, "checkout_friction": 0.05}, confidence=0.7, risk=0.8,
...     cart_value=400.0, brand_tier="standard", stock_level="normal", boldness=0,
...     device="mobile", channel="exit_intent", coupon_eligible=True)
>>> actions = [Action("coupon", "price", 20.0), Action("reviews", "trust", 0.0)]
>>> choice = policy.choose(ctx, actions)
>>> choice.pmf   # nothing learnt yet: every allowed incentive alike
[0.5, 0.5]
>>> policy.learn(ctx, actions, 1, 0.5, reward=160.0)
>>> [round(p, 3) for p in policy.choose(ctx, actions).pmf]   # reviews earned: greedy on it
[0.025, 0.975]
"""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from nudges.incentives import REASON_OF, Context, candidate_offers
from nudges.learning.coupon_waiting import CouponWaiting, FirstChoices, Verdict
from scorer.events import REASONS

if TYPE_CHECKING:  # only named in a signature: importing it loads River (about a second)
    from scorer.profile import AbandonmentProfile

#: Share of decisions that explore (spread evenly over the allowed incentives) at first ...
DEFAULT_EPSILON = 0.05
#: ... falling with the rewards learnt, n: ε · H / (H + n), H this many (half of ε after H) ...
EXPLORATION_HALF_AFTER = 50_000
#: ... but never under this share (or ε itself, if smaller).
EXPLORATION_FLOOR = 0.01
#: The policy chooses among the scenario engine's first few incentives, as the fixed arms
#: do (variants 1-3), but by context instead of at random: more candidates mean more
#: values to learn from the same rewards (docs/evaluation.md).
CANDIDATES = 3
#: Carts below this value are learnt as if they were this big (no division by ~0).
MIN_CART = 10.0
#: Ridge penalty of the value model (in squared reward-per-cart units, like one decision's
#: weight): how much evidence an incentive's own part needs before it moves away from the
#: others. Chosen on the simulator's warm-start shoppers (seed 1001 and other seeds, never
#: the evaluation's), 30–3,000 tried: 300 was best at 50,000 decisions, flat up to 1,000 at 150,000.
RIDGE = 300.0
#: Two estimates this close are a tie (the greedy share is split between them).
TIE = 1e-9
#: The exact inverse is recomputed from the sums every this many updates (no drift).
REFRESH_EVERY = 5000


class PolicyContext(NamedTuple):
    """What the learning policy sees of a moment: the profile, the cart, the store, the page."""

    reasons: dict[str, float]
    confidence: float
    risk: float
    cart_value: float
    brand_tier: str
    #: ``low``, ``normal``, ``overstock`` or None (unknown).
    stock_level: str | None
    #: -1 protective, 0 normal, +1 bold (stock and the store's calendar: season, sale days).
    boldness: int
    device: str | None
    #: Where the shopper is spoken to: the trigger (``exit_intent``, ``cart_idle``, ...)
    #: or a follow-up channel; the simulator uses the traffic channel.
    channel: str | None
    #: False once the visitor was offered a coupon (the ledger's no-second-coupon rule).
    coupon_eligible: bool


class Action(NamedTuple):
    """One allowed, true incentive, described by what it answers and what it costs."""

    incentive: str
    reason: str
    #: What the store pays if the shopper buys with it (currency units).
    cost: float
    #: The scenario engine's own score for it (reason probability × fit, moved by
    #: boldness; see ``nudges.incentives.candidate_offers``), logged with the decision.
    #: The actions come in the engine's order, which breaks the learner's ties.
    prior: float = 0.0


def context_of(profile: AbandonmentProfile, ctx: Context, channel: str | None) -> PolicyContext:
    """What the learning policy sees of a decision moment."""
    return PolicyContext(
        reasons=dict(profile.reasons),
        confidence=profile.confidence,
        risk=profile.risk,
        cart_value=ctx.cart_value,
        brand_tier=ctx.store.brand_tier,
        stock_level=ctx.stock_level,
        boldness=ctx.boldness,
        device=profile.device,
        channel=channel,
        coupon_eligible=ctx.coupon_eligible,
    )


def allowed_actions(reasons: dict[str, float], ctx: Context, limit: int | None = None) -> list[Action]:
    """The incentives the store's policy allows and its data makes true here, best first
    by the scenario engine's score (which becomes each action's ``prior``); the first
    ``limit`` of them if given."""
    actions = [
        Action(offer.incentive, REASON_OF[offer.incentive], offer.expected_cost, score)
        for score, offer in candidate_offers(reasons, ctx)
    ]
    return actions[:limit] if limit is not None else actions


class Choice(NamedTuple):
    index: int
    #: The chosen action's probability: what the decision logs as its propensity.
    probability: float
    pmf: list[float]


class Visit(NamedTuple):
    """Who a decision spoke to, when, and the logged chance that it showed a coupon: what
    the coupon-waiting estimate (:class:`CouponWaiting`) learns from besides the reward."""

    visitor: str
    at_ms: int
    coupon_probability: float


def context_features(ctx: PolicyContext) -> dict[str, float]:
    """The context as named numbers (zeros left out).

    >>> context_features(PolicyContext({"price": 1.0}, 1.0, 0.5, 100.0, "premium", "low", 1, None,
    ...     "social", False))
    {'p_price': 1.0, 'conf': 1.0, 'risk': 0.5, 'lcart': -0.8, 'premium': 1.0, 'stock=low': 1.0, 'bold': 1.0, 'channel=social': 1.0}
    """
    x = {f"p_{r}": ctx.reasons[r] for r in REASONS if ctx.reasons.get(r, 0.0) > 0}
    x.update(conf=ctx.confidence, risk=ctx.risk, lcart=round(math.log10(max(ctx.cart_value, 1.0)) - 2.8, 4))
    x["mobile"] = float(ctx.device == "mobile")
    x["premium"] = float(ctx.brand_tier == "premium")
    if ctx.stock_level in ("low", "overstock"):
        x[f"stock={ctx.stock_level}"] = 1.0
    x["bold"] = float(ctx.boldness)
    x["coupon_ok"] = float(ctx.coupon_eligible)
    if ctx.channel:
        x[f"channel={ctx.channel}"] = 1.0
    return {k: v for k, v in x.items() if v != 0.0}


def shared_features(base: dict[str, float]) -> dict[str, float]:
    """What every incentive's estimate shares: the context, all its pairwise products, a bias."""
    names = sorted(base)
    x = {"bias": 1.0, **base}
    for i, a in enumerate(names):
        for b in names[i:]:
            x[f"{a}*{b}"] = base[a] * base[b]
    return x


def own_features(action: Action, ctx: PolicyContext, base: dict[str, float]) -> dict[str, float]:
    """An incentive's own part: a bias, the context, its cost as a share of the cart, and
    each reason's probability crossed with device, channel, risk and cart size.

    >>> own = own_features(Action("help", "checkout_friction", 0.0), PolicyContext({"checkout_friction": 0.9},
    ...     0.9, 0.5, 631.0, "standard", None, 0, "desktop", "email", True), {"p_checkout_friction": 0.9,
    ...     "mobile": 0.0, "channel=email": 1.0})
    >>> own["bias"], own["p_checkout_friction*channel=email"], "cost" in own   # help costs nothing
    (1.0, 0.9, False)
    """
    x = {"bias": 1.0, "cost": action.cost / max(ctx.cart_value, MIN_CART), **base}
    crossed = {k: v for k, v in base.items() if k in ("mobile", "risk", "lcart") or k.startswith("channel=")}
    for reason in REASONS:
        p = base.get(f"p_{reason}", 0.0)
        if p:
            x.update({f"p_{reason}*{k}": p * v for k, v in crossed.items()})
    return {k: v for k, v in x.items() if v != 0.0}


class ValueModel:
    """Ridge regression over named features, solved exactly after every update (recursive
    least squares: the inverse kept by Sherman–Morrison, refreshed from the sums now and
    then). A feature seen for the first time starts at zero weight, as ridge would give it.

    >>> model = ValueModel(ridge=1.0)
    >>> for _ in range(200):
    ...     model.learn({"bias": 1.0, "x": 1.0}, 3.0)
    ...     model.learn({"bias": 1.0}, 1.0)
    >>> round(model.predict({"bias": 1.0, "x": 1.0}), 2), round(model.predict({"bias": 1.0}), 2)
    (2.99, 1.0)
    """

    def __init__(self, ridge: float = RIDGE) -> None:
        self.ridge = ridge
        self.index: dict[str, int] = {}
        self.gram = np.zeros((0, 0))  # ridge·I + Σ x xᵀ
        self.moment = np.zeros(0)  # Σ x y
        self.inverse = np.zeros((0, 0))
        self.weights = np.zeros(0)
        self.updates = 0

    def _vector(self, x: dict[str, float], grow: bool) -> np.ndarray:
        if grow:
            new = [k for k in x if k not in self.index]
            if new:
                for k in new:
                    self.index[k] = len(self.index)
                d, n = len(self.index), len(new)
                self.gram = np.pad(self.gram, ((0, n), (0, n)))
                self.inverse = np.pad(self.inverse, ((0, n), (0, n)))
                self.gram[d - n:, d - n:] = self.ridge * np.eye(n)
                self.inverse[d - n:, d - n:] = np.eye(n) / self.ridge
                self.moment, self.weights = np.pad(self.moment, (0, n)), np.pad(self.weights, (0, n))
        v = np.zeros(len(self.index))
        for k, value in x.items():
            i = self.index.get(k)
            if i is not None:
                v[i] = value
        return v

    def predict(self, x: dict[str, float]) -> float:
        return float(self._vector(x, grow=False) @ self.weights) if self.index else 0.0

    def learn(self, x: dict[str, float], y: float) -> None:
        v = self._vector(x, grow=True)
        self.gram += np.outer(v, v)
        self.moment += y * v
        self.updates += 1
        if self.updates % REFRESH_EVERY == 0:
            self.inverse = np.linalg.inv(self.gram)
            self.weights = self.inverse @ self.moment
            return
        pv = self.inverse @ v
        gain = pv / (1.0 + v @ pv)
        self.weights += gain * (y - v @ self.weights)
        self.inverse -= np.outer(gain, pv)

    def to_bytes(self) -> bytes:
        """Plain arrays and a JSON feature list (``numpy.load`` without pickle reads them)."""
        buffer = io.BytesIO()
        np.savez(buffer, gram=self.gram, moment=self.moment, meta=np.frombuffer(json.dumps(
            {"ridge": self.ridge, "updates": self.updates, "features": list(self.index)}).encode(), dtype=np.uint8))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> ValueModel:
        arrays = np.load(io.BytesIO(blob), allow_pickle=False)
        meta = json.loads(arrays["meta"].tobytes())
        model = cls(ridge=float(meta["ridge"]))
        model.index = {k: i for i, k in enumerate(meta["features"])}
        model.gram, model.moment, model.updates = arrays["gram"], arrays["moment"], int(meta["updates"])
        if model.index:
            model.inverse = np.linalg.inv(model.gram)
            model.weights = model.inverse @ model.moment
        return model


class LearningPolicy:
    """ε-greedy over the incentives a store allows, on :class:`ValueModel` estimates.

    ``choose`` samples from the pmf with its own seeded generator, so a run is
    reproducible; ``learn`` takes the reward whenever it arrives (after the attribution
    window). The logged probability is checked but not used to weight the update: the
    value model is a regression of the reward on the context *and* the incentive shown,
    which needs no reweighting when exploration is spread over every allowed incentive.
    """

    def __init__(self, epsilon: float = DEFAULT_EPSILON, seed: int = 0, model: Path | None = None,
                 ridge: float = RIDGE) -> None:
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError("epsilon: must be within [0, 1]")
        self.epsilon = epsilon
        self.ridge = ridge
        self._random = random.Random(seed)
        #: What a decision earns whatever it showed, learnt from every reward ...
        self.shared = ValueModel(ridge)
        #: ... and what each incentive adds to it, learnt from the rewards of its own decisions.
        self.own: dict[str, ValueModel] = {}
        #: What a coupon shown now costs the visitor's later sessions, charged to the coupon ...
        self.waiting = CouponWaiting()
        #: ... and, when the caller passes visits (one process learning a whole log), each
        #: visitor's first coupon choice. Never saved: it grows with the visitors.
        self.first_choices = FirstChoices()
        if model is not None:
            # A saved model carries its own exploration (cartcoach policy train --exploration).
            self._read(model.read_bytes())

    def estimates(self, ctx: PolicyContext, actions: list[Action]) -> list[float]:
        """Each action's estimated net margin per unit of cart value (an incentive never
        learnt about adds nothing to the shared part)."""
        base = context_features(ctx)
        shared = self.shared.predict(shared_features(base))
        charge = self.waiting.predict_one() / max(ctx.cart_value, MIN_CART)
        return [shared + (self.own[a.incentive].predict(own_features(a, ctx, base)) if a.incentive in self.own else 0.0)
                - (charge if a.incentive == "coupon" else 0.0) for a in actions]

    def exploration(self) -> float:
        """The share of decisions that explore now: ε falling with the rewards learnt.

        >>> policy = LearningPolicy(epsilon=0.05)
        >>> policy.exploration()
        0.05
        >>> policy.shared.updates = EXPLORATION_HALF_AFTER
        >>> policy.exploration()
        0.025
        """
        falling = self.epsilon * EXPLORATION_HALF_AFTER / (EXPLORATION_HALF_AFTER + self.shared.updates)
        return max(min(self.epsilon, EXPLORATION_FLOOR), falling)

    def choose(self, ctx: PolicyContext, actions: list[Action]) -> Choice:
        """Pick one of ``actions`` (at least one); the pmf sums to one over them."""
        if not actions:
            raise ValueError("actions: at least one allowed incentive is needed")
        values = self.estimates(ctx, actions)
        top = max(values)
        best = [i for i, v in enumerate(values) if v >= top - TIE]
        k, epsilon = len(actions), self.exploration()
        pmf = [epsilon / k + ((1.0 - epsilon) / len(best) if i in best else 0.0) for i in range(k)]
        u, edge, index = self._random.random(), 0.0, k - 1
        for i, p in enumerate(pmf):
            edge += p
            if u < edge:
                index = i
                break
        return Choice(index, pmf[index], pmf)

    def learn(self, ctx: PolicyContext, actions: list[Action], chosen: int, probability: float, reward: float,
              visit: Visit | None = None, verdict: Verdict | None = None) -> None:
        """Learn from one decision's reward (net margin), however late it comes; with its
        ``visit`` (judged here, against :attr:`first_choices`) or the ``verdict`` the ledger
        judged when it closed the reward, also what coupons cost the visitor's later sessions."""
        if not 0.0 < probability <= 1.0:
            raise ValueError("probability: must be within (0, 1]")
        base = context_features(ctx)
        shared = shared_features(base)
        # Bounded: one decision moves the model at most as much as losing or earning its
        # whole cart (a verified order larger than the cart the browser reported counts as the cart).
        y = min(1.0, max(-1.0, reward / max(ctx.cart_value, MIN_CART)))
        residual = y - self.shared.predict(shared)
        self.shared.learn(shared, y)
        action = actions[chosen]
        self.own.setdefault(action.incentive, ValueModel(self.ridge)).learn(own_features(action, ctx, base), residual)
        if visit is not None:
            coupon_allowed = any(a.incentive == "coupon" for a in actions)
            verdict = self.first_choices.judge(visit.visitor, visit.at_ms, coupon_allowed, visit.coupon_probability,
                                               action.incentive == "coupon")
        self.waiting.learn_one(verdict, reward, ctx.cart_value)

    def to_bytes(self) -> bytes:
        """The model as bytes (a checkpoint or a model file); :meth:`from_bytes` reads it back."""
        parts = {"": self.shared.to_bytes(), **{name: m.to_bytes() for name, m in sorted(self.own.items())}}
        head = {"epsilon": self.epsilon, "ridge": self.ridge, "waiting": self.waiting.to_dict(),
                "parts": [[name, len(b)] for name, b in parts.items()]}
        return json.dumps(head).encode() + b"\n" + b"".join(parts.values())

    def _read(self, blob: bytes) -> None:
        head, rest = blob.split(b"\n", 1)
        meta = json.loads(head)
        self.epsilon, self.ridge, self.own, at = float(meta["epsilon"]), float(meta["ridge"]), {}, 0
        self.waiting = CouponWaiting.from_dict(meta["waiting"]) if "waiting" in meta else CouponWaiting()
        # An older checkpoint's per-visitor map: the caller moves it where it now lives.
        self.first_choices = FirstChoices.from_checkpoint(meta.get("waiting", {}))
        for name, size in meta["parts"]:
            model = ValueModel.from_bytes(rest[at: at + size])
            at += size
            if name:
                self.own[name] = model
            else:
                self.shared = model

    def save(self, path: Path) -> None:
        """Write the model; ``LearningPolicy(model=path)`` reads it back."""
        path.write_bytes(self.to_bytes())

    @classmethod
    def from_bytes(cls, blob: bytes, seed: int = 0) -> LearningPolicy:
        policy = cls(seed=seed)
        policy._read(blob)
        return policy
