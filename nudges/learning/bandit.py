"""The learning policy: which allowed incentive to show in this context, learnt from net margin.

Why Vowpal Wabbit's ``cb_explore_adf`` (compared with River's bandits in
``benchmarks/bandit_libraries.py``, see ``docs/evaluation.md``): it is made for this
problem — a context shared by a *varying* set of actions (each store, product and cart
allows different incentives), action features (what the incentive answers, what it
costs relative to the cart), rewards that arrive late and in any order, and an
explicit probability for every action (its pmf), which is what the decision logs as
its propensity and what off-policy evaluation needs. River's contextual bandit
(``LinUCBDisjoint``) keeps a fixed arm set, is deterministic (no propensity) and says
itself that it is too slow for practice.

Exploration is bounded: ε-greedy with ε = 5 % by default, so at most one decision in
twenty deviates from the best-known incentive, and only ever to an incentive the
store's policy allows and the store's data makes true (the caller's action set).
The reward is net margin in the store's currency. Vowpal Wabbit minimises a cost, and
learns it as ``-reward / cart value``: a cart's value is known when the choice is made,
so dividing by it changes no choice (the best incentive for a context stays the best),
while it takes away most of the spread between a 100 TRY and a 5,000 TRY cart, which
otherwise drowns what the incentives change (learning is several times faster).

>>> policy = LearningPolicy(seed=1)
>>> ctx = PolicyContext(reasons={"price": 0.7, "trust": 0.1, "shipping_speed": 0.1,
...     "indecision": 0.05, "checkout_friction": 0.05}, confidence=0.7, risk=0.8,
...     cart_value=400.0, brand_tier="standard", stock_level="normal", boldness=0,
...     device="mobile", channel="exit_intent", coupon_eligible=True)
>>> actions = [Action("coupon", "price", 20.0), Action("reviews", "trust", 0.0)]
>>> choice = policy.choose(ctx, actions)
>>> choice.pmf   # nothing learnt yet: every allowed incentive alike
[0.5, 0.5]
>>> policy.learn(ctx, actions, choice.index, choice.probability, reward=120.0)
"""

from __future__ import annotations

import math
import random
import tempfile
from pathlib import Path
from typing import NamedTuple

from vowpalwabbit import Workspace

from nudges.incentives import REASON_OF, Context, candidate_offers
from scorer.events import REASONS
from scorer.profile import AbandonmentProfile

#: Share of decisions that explore (spread evenly over the allowed incentives).
DEFAULT_EPSILON = 0.05
#: The policy chooses among the scenario engine's first few incentives, as the fixed arms
#: do (variants 1-3), but by context instead of at random: measured on the uplift simulator,
#: choosing among all allowed incentives (a dozen) learnt too slowly to beat the engine's
#: ranking within 100,000 sessions (docs/evaluation.md).
CANDIDATES = 3
#: Carts below this value are learnt as if they were this big (no division by ~0).
MIN_CART = 10.0
#: How Vowpal Wabbit models the cost of an incentive in a context (see docs/evaluation.md):
#: the direct method (a regression of the cost), each context namespace crossed with the
#: incentive (R reasons, S store/page state, N numbers, A what the action answers and
#: costs), and reason × state × incentive and reason × numbers × incentive, because on
#: the uplift simulator (and, presumably, in a store) what an incentive earns depends on
#: the reason *and* the device, channel, cart or risk at once (guest checkout helps a
#: friction shopper on a phone; a coupon a price shopper who is really hesitating).
MODEL_ARGS = "--cb_type dm -q RI -q SI -q NI -q AI --cubic RSI --cubic RNI -l 0.05"


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
    #: boldness; see ``nudges.incentives.candidate_offers``): the rule the learner starts
    #: from and corrects, so it is not worse than the rules while it knows little.
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


def _token(value: object) -> str:
    return str(value).replace(" ", "_").replace(":", "_").replace("|", "_")


def shared_features(ctx: PolicyContext) -> str:
    """The context as a Vowpal Wabbit ``shared`` line (namespaces R reasons, N numbers, S state).

    >>> shared_features(PolicyContext({"price": 1.0}, 1.0, 0.5, 100.0, "premium", None, 1, None,
    ...     "social", False))
    'shared |R price:1.0 |N conf:1.0 risk:0.5 lcart:2.0 |S tier=premium stock=unknown bold=1 device=unknown channel=social no_coupon'
    """
    reasons = " ".join(f"{r}:{ctx.reasons.get(r, 0.0)}" for r in REASONS if ctx.reasons.get(r, 0.0) > 0)
    lcart = round(math.log10(max(ctx.cart_value, 1.0)), 3)
    state = (
        f"tier={_token(ctx.brand_tier)} stock={_token(ctx.stock_level or 'unknown')} bold={ctx.boldness} "
        f"device={_token(ctx.device or 'unknown')} channel={_token(ctx.channel or 'unknown')}"
        + ("" if ctx.coupon_eligible else " no_coupon")
    )
    return f"shared |R {reasons} |N conf:{ctx.confidence} risk:{ctx.risk} lcart:{lcart} |S {state}"


def action_features(action: Action, ctx: PolicyContext) -> str:
    """An action line: the incentive (namespace I, which every context namespace is crossed
    with), the reason it answers and how likely that reason is, its cost as a share of the
    cart, and the engine's score (namespace A).

    >>> action_features(Action("reviews", "trust", 0.0, 0.6), PolicyContext({"trust": 0.8}, 0.8, 0.5, 200.0,
    ...     "standard", None, 0, None, None, True))
    '|I i=reviews |A r=trust match:0.8 cost:0.0 prior:0.6'
    """
    share = round(action.cost / ctx.cart_value, 4) if ctx.cart_value > 0 else 0.0
    match = ctx.reasons.get(action.reason, 0.0)
    return (
        f"|I i={_token(action.incentive)} |A r={_token(action.reason)} match:{match} cost:{share} "
        f"prior:{round(action.prior, 4)}"
    )


class LearningPolicy:
    """A contextual bandit over the incentives a store allows (Vowpal Wabbit ``cb_explore_adf``).

    ``choose`` samples from the model's pmf with its own seeded generator, so a run is
    reproducible; ``learn`` takes the reward whenever it arrives (after the attribution
    window), with the probability that was logged when the choice was made.
    """

    def __init__(
        self,
        epsilon: float = DEFAULT_EPSILON,
        seed: int = 0,
        model: Path | None = None,
    ) -> None:
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError("epsilon: must be within [0, 1]")
        self.epsilon = epsilon
        self._random = random.Random(seed)
        args = f"--cb_explore_adf --epsilon {epsilon} {MODEL_ARGS} --random_seed {seed} --quiet"
        if model is not None:
            # A saved model carries its own options (exploration included): only read it.
            args = f"--quiet -i {model}"
        self._vw = Workspace(args)

    def _examples(self, ctx: PolicyContext, actions: list[Action]) -> list[str]:
        return [shared_features(ctx), *(action_features(a, ctx) for a in actions)]

    def choose(self, ctx: PolicyContext, actions: list[Action]) -> Choice:
        """Pick one of ``actions`` (at least one); the pmf sums to one over them."""
        if not actions:
            raise ValueError("actions: at least one allowed incentive is needed")
        pmf = list(self._vw.predict(self._examples(ctx, actions)))
        total = sum(pmf)
        pmf = [p / total for p in pmf]
        u, edge, index = self._random.random(), 0.0, len(pmf) - 1
        for i, p in enumerate(pmf):
            edge += p
            if u < edge:
                index = i
                break
        return Choice(index, pmf[index], pmf)

    def learn(self, ctx: PolicyContext, actions: list[Action], chosen: int, probability: float, reward: float) -> None:
        """Learn from one decision's reward (net margin), however late it comes."""
        if not 0.0 < probability <= 1.0:
            raise ValueError("probability: must be within (0, 1]")
        lines = self._examples(ctx, actions)
        # Bounded: one decision moves the model at most as much as losing or earning its
        # whole cart (a verified order larger than the cart the browser reported counts as the cart).
        cost = min(1.0, max(-1.0, -reward / max(ctx.cart_value, MIN_CART)))
        lines[1 + chosen] = f"0:{cost}:{probability} {lines[1 + chosen]}"
        self._vw.learn(lines)

    def save(self, path: Path) -> None:
        """Write the model; ``LearningPolicy(model=path)`` reads it back."""
        self._vw.save(str(path))

    def to_bytes(self) -> bytes:
        """The model as bytes (a checkpoint); :meth:`from_bytes` reads it back."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.vw"
            self.save(path)
            return path.read_bytes()

    @classmethod
    def from_bytes(cls, blob: bytes, seed: int = 0) -> LearningPolicy:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.vw"
            path.write_bytes(blob)
            return cls(seed=seed, model=path)

    def close(self) -> None:
        self._vw.finish()
