"""Policies side by side on the same simulated sessions: what each would earn, with intervals.

Why here and not in the CLI: ``cartcoach policy simulate`` and the library comparison in
``benchmarks/`` run the same loop. Each policy meets the same shoppers (same latent
reasons, carts, pre-drawn chances) in the same order, through the real decision core:
the simulated stores come from a stores file checked by the real validator, offers from
:func:`nudges.incentives.candidate_offers` (what the store's policy allows and its data
makes true), the reason rules from :func:`nudges.scenarios.propose`'s top variant, and
the coupon rule of the ledger (no second coupon for a visitor) applies. Only the
blanket coupon ignores the store's policy: it is the counterfactual "10 % off for every
abandoner" the coach is measured against.

Rewards reach the learning policy late, as in production: an outcome is learnt only
once the attribution window after its decision has passed (in simulated time). Regret is
measured in expectation against the simulator's best policy: for each session, the
allowed incentive with the highest expected net margin given the shopper's *true* state.

>>> from nudges.stores import StoreRegistry
>>> stores = load_stores(DEFAULT_STORES)
>>> shoppers = generate(300, seed=2)
>>> runs = [run_policy(make_policy(name, seed=2), shoppers, stores) for name in ("none", "rules")]
>>> [r.name for r in runs], runs[0].coupons_shown
(['none', 'rules'], 0)
"""

from __future__ import annotations

import math
import random
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NamedTuple, Protocol

import numpy as np

from nudges.catalogue import Product
from nudges.incentives import Context
from nudges.learning.bandit import (
    CANDIDATES,
    Action,
    LearningPolicy,
    PolicyContext,
    Visit,
    allowed_actions,
    context_of,
)
from nudges.learning.uplift import (
    PREMIUM,
    Shopper,
    StoreFacts,
    UpliftParameters,
    expected,
    generate,
    is_gaming,
    observe,
    realise,
    teaches,
)
from nudges.scenarios import propose
from nudges.stores import Store, StoreRegistry
from scorer.profile import AbandonmentProfile

DEFAULT_STORES: Final = Path(__file__).with_name("simulated_stores.yaml")
POLICIES: Final = ("none", "blanket_coupon", "rules", "learning")
BLANKET_COUPON_PCT: Final = 10
#: Attribution window of the simulated stores (the stores file's default).
WINDOW_MS: Final = 24 * 3_600_000
#: Two-sided 95 % normal quantile.
Z95: Final = 1.959964

__all__ = ["DEFAULT_STORES", "POLICIES", "Learning", "generate", "load_stores", "make_policy", "mean_interval", "run_policies", "run_policy",
           "summarise"]


class Moment(NamedTuple):
    """One session as a policy meets it: the truth (for scoring) and what may be seen."""

    shopper: Shopper
    store: Store
    ctx: Context
    profile: AbandonmentProfile
    seen: PolicyContext
    #: The allowed, true incentives, best first by the engine's own score.
    actions: list[Action]


class Chosen(NamedTuple):
    incentive: str
    cost: float
    coupon_pct: float
    probability: float = 1.0
    #: The action's index in ``Moment.actions`` (learning policy only).
    index: int = -1
    #: The chance this decision had of showing a coupon (its pmf's share on ``coupon``).
    coupon_probability: float = 0.0


class Policy(Protocol):
    name: str

    def choose(self, moment: Moment) -> Chosen: ...

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None: ...


class NoNudge:
    name = "none"

    def choose(self, moment: Moment) -> Chosen:
        return Chosen("none", 0.0, 0.0)

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        return None


class BlanketCoupon:
    """10 % off for every abandoner, whatever the store's policy: the counterfactual."""

    name = "blanket_coupon"

    def choose(self, moment: Moment) -> Chosen:
        pct = BLANKET_COUPON_PCT
        return Chosen("coupon", round(moment.shopper.cart * pct / 100, 2), pct)

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        return None


class ReasonRules:
    """Today's rule: the scenario engine's first variant (it answers the top reason)."""

    name = "rules"

    def choose(self, moment: Moment) -> Chosen:
        top = propose(moment.profile, moment.ctx)[0]
        return Chosen(top.incentive, top.expected_cost, float(top.coupon_pct or 0))

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        return None


class Learning:
    """The learning policy (:class:`LearningPolicy`) over the moment's allowed incentives."""

    name = "learning"

    def __init__(self, policy: LearningPolicy) -> None:
        self.policy = policy

    def choose(self, moment: Moment) -> Chosen:
        actions = moment.actions[:CANDIDATES]
        choice = self.policy.choose(moment.seen, actions)
        action = actions[choice.index]
        coupon = sum(p for a, p in zip(actions, choice.pmf, strict=True) if a.incentive == "coupon")
        return Chosen(action.incentive, action.cost, _pct(action, moment.shopper), choice.probability, choice.index,
                      coupon)

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        self.policy.learn(moment.seen, moment.actions[:CANDIDATES], chosen.index, chosen.probability, reward,
                          _visit(moment, chosen))


class FixedArms:
    """The default experiment (``policy: fixed``, equal weights): one of the candidates the
    learning policy chooses from, at random, with its propensity. Its decision log is what
    a store has before it switches to learning; ``learner`` (if given) learns from it, as
    ``cartcoach policy train`` does from a store's log."""

    name = "fixed_arms"

    def __init__(self, seed: int, learner: LearningPolicy | None = None) -> None:
        self.random = random.Random(seed)
        self.learner = learner

    def choose(self, moment: Moment) -> Chosen:
        actions = moment.actions[:CANDIDATES]
        index = self.random.randrange(len(actions))
        action = actions[index]
        coupon = sum(1 for a in actions if a.incentive == "coupon") / len(actions)
        return Chosen(action.incentive, action.cost, _pct(action, moment.shopper), 1 / len(actions), index, coupon)

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        if self.learner is not None:
            self.learner.learn(moment.seen, moment.actions[:CANDIDATES], chosen.index, chosen.probability, reward,
                               _visit(moment, chosen))


def _visit(moment: Moment, chosen: Chosen) -> Visit:
    """What a store knows of the decision's visitor: its id, the time, the logged coupon chance."""
    return Visit(moment.profile.visitor_id, moment.profile.at, chosen.coupon_probability)


#: The warm start's shoppers are another month's: the evaluation seed plus this.
WARM_START_SEED_OFFSET: Final = 1000
#: ... the month before the evaluated one, and other visitors (ids from this number on).
MONTH_MS: Final = 30 * 86_400_000
WARM_START_VISITORS: Final = 10_000_000


def previous_month(shoppers: list[Shopper]) -> list[Shopper]:
    """The warm start's shoppers as last month's other visitors: a policy that tells
    visitors apart (the coupon-waiting charge) must not take them for this month's."""
    return [s._replace(at_ms=s.at_ms - MONTH_MS, visitor=s.visitor + WARM_START_VISITORS) for s in shoppers]


def make_policy(name: str, seed: int = 0, epsilon: float = 0.05, warm_start: int = 0,
                stores: tuple[Store, Store] | None = None) -> Policy:
    """A policy by name; ``learning`` first learns from ``warm_start`` decisions of the
    fixed arms on other shoppers (seed + 1000) when asked."""
    if name == "none":
        return NoNudge()
    if name == "blanket_coupon":
        return BlanketCoupon()
    if name == "rules":
        return ReasonRules()
    if name == "learning":
        learner = LearningPolicy(epsilon=epsilon, seed=seed)
        if warm_start > 0:
            history = previous_month(generate(warm_start, seed=seed + WARM_START_SEED_OFFSET))
            run_policy(FixedArms(seed, learner), history, stores or load_stores(DEFAULT_STORES))
        return Learning(learner)
    raise ValueError(f"policy: unknown {name!r}; one of {', '.join(POLICIES)}")


def load_stores(path: Path) -> tuple[Store, Store]:
    """The standard and the premium store of a simulation stores file (first of each tier)."""
    registry = StoreRegistry.from_file(path)
    standard = next((s for s in registry if s.brand_tier != "premium"), None)
    premium = next((s for s in registry if s.brand_tier == "premium"), None)
    if standard is None or premium is None:
        raise ValueError(f"{path}: needs one premium store and one other")
    return standard, premium


def _facts(store: Store) -> StoreFacts:
    delivery = store.facts.delivery
    return StoreFacts(
        premium=store.brand_tier == "premium",
        free_shipping_threshold=store.policy.free_shipping_threshold,
        free_returns=store.facts.free_returns,
        ships_next_day=bool(delivery and delivery.ships_next_day),
    )


def _moment(shopper: Shopper, gaming: bool, store: Store, coupon_eligible: bool,
            params: UpliftParameters) -> Moment:
    seen = observe(shopper, gaming, params)
    product = Product(id="sim-item", name="Item", price=shopper.cart, cost=round(shopper.cart * (1 - shopper.margin), 2),
                      stock=shopper.stock_units)
    ctx = Context(store=store, product=product, cart_value=shopper.cart, now_ms=shopper.at_ms, locale=store.locale,
                  coupon_eligible=coupon_eligible)
    profile = AbandonmentProfile(
        store_id=store.id, session_id=f"s-{shopper.index:08d}", visitor_id=f"v-{shopper.visitor:08d}",
        at=shopper.at_ms, reasons=seen.reasons, top_reason=seen.top_reason, confidence=seen.confidence,
        risk=seen.risk, evidence=[], cart_value=shopper.cart, device=shopper.device, events_seen=10,
        model_version="uplift-sim",
    )
    actions = allowed_actions(seen.reasons, ctx)
    policy_ctx = context_of(profile, ctx, shopper.channel)
    return Moment(shopper, store, ctx, profile, policy_ctx, actions)


@dataclass
class PolicyRun:
    """Per-session results of one policy over the simulated sessions."""

    name: str
    net: np.ndarray
    bought: np.ndarray
    refunded: np.ndarray
    coupon_cost: np.ndarray
    incentive_cost: np.ndarray
    #: Expected net margin of the chosen incentive, and of the best allowed one (regret).
    expected_net: np.ndarray
    best_net: np.ndarray
    #: The chosen incentive's expected purchase chance, refunded share and coupon cost.
    expected_buy: np.ndarray
    expected_refund: np.ndarray
    expected_coupon: np.ndarray
    premium: np.ndarray
    coupons_shown: int
    premium_coupons_shown: int
    incentives: dict[str, int]

    @property
    def regret(self) -> np.ndarray:
        """Cumulative expected regret after each session."""
        return np.cumsum(self.best_net - self.expected_net)


class _Track:
    """One policy's state and results while the sessions go by."""

    def __init__(self, policy: Policy, n: int) -> None:
        self.policy = policy
        self.net, self.exp_net, self.best = np.zeros(n), np.zeros(n), np.zeros(n)
        self.exp_buy, self.exp_refund, self.exp_coupon = np.zeros(n), np.zeros(n), np.zeros(n)
        self.bought, self.refunded = np.zeros(n, bool), np.zeros(n, bool)
        self.coupon_cost, self.incentive_cost = np.zeros(n), np.zeros(n)
        self.coupons: dict[int, int] = defaultdict(int)
        self.taught: set[int] = set()
        self.pending: deque[tuple[int, Moment, Chosen, float]] = deque()
        self.shown = self.premium_shown = 0
        self.incentives: dict[str, int] = defaultdict(int)

    def result(self, premium: np.ndarray) -> PolicyRun:
        return PolicyRun(self.policy.name, self.net, self.bought, self.refunded, self.coupon_cost,
                         self.incentive_cost, self.exp_net, self.best, self.exp_buy, self.exp_refund,
                         self.exp_coupon, premium, self.shown, self.premium_shown, dict(self.incentives))


def run_policies(policies: list[Policy], shoppers: list[Shopper], stores: tuple[Store, Store],
                 params: UpliftParameters | None = None, window_ms: int = WINDOW_MS) -> list[PolicyRun]:
    """Every shopper through every policy, in time order; rewards learnt after the window.

    The policies go side by side, session by session: a session that looks the same to
    two policies (the visitor's coupon history has not made them differ) is built once.
    """
    p = params or UpliftParameters()
    n = len(shoppers)
    tracks = [_Track(policy, n) for policy in policies]
    premium = np.array([s.store == PREMIUM for s in shoppers], dtype=bool)
    facts = [_facts(stores[0]), _facts(stores[1])]
    for i, shopper in enumerate(shoppers):
        store, fact = stores[shopper.store], facts[shopper.store]
        built: dict[tuple[bool, bool], tuple[Moment, float]] = {}
        gaming = is_gaming(shopper, p)
        for t in tracks:
            while t.pending and t.pending[0][0] <= shopper.at_ms:
                _, m, c, r = t.pending.popleft()
                t.policy.learn(m, c, r)
            before = t.coupons[shopper.visitor]
            waiting = shopper.visitor in t.taught
            key = (before == 0, waiting)
            if key not in built:
                moment = _moment(shopper, gaming, store, before == 0, p)
                options = [expected(shopper, gaming, a.incentive, a.cost, _pct(a, shopper), fact, p, waiting).net
                           for a in moment.actions]
                built[key] = (moment, max(options, default=-math.inf))
            moment, best = built[key]
            chosen = t.policy.choose(moment)
            outcome_exp = expected(shopper, gaming, chosen.incentive, chosen.cost, chosen.coupon_pct, fact, p,
                                   waiting)
            outcome = realise(shopper, outcome_exp, chosen.incentive, chosen.cost, fact, p)
            t.best[i] = max(best, outcome_exp.net) if best == -math.inf else best
            t.net[i], t.exp_net[i] = outcome.net, outcome_exp.net
            t.exp_buy[i], t.exp_refund[i] = outcome_exp.p_buy, outcome_exp.p_buy * outcome_exp.p_refund
            t.exp_coupon[i] = outcome_exp.coupon_cost
            t.bought[i], t.refunded[i] = outcome.bought, outcome.refunded
            t.coupon_cost[i], t.incentive_cost[i] = outcome.coupon_cost, outcome.incentive_cost
            t.incentives[chosen.incentive] += 1
            if chosen.incentive == "coupon":
                t.shown += 1
                t.premium_shown += shopper.store == PREMIUM
                t.coupons[shopper.visitor] += 1
                if teaches(shopper, p):
                    t.taught.add(shopper.visitor)
            if chosen.index >= 0:
                t.pending.append((shopper.at_ms + window_ms, moment, chosen, outcome.net))
    return [t.result(premium) for t in tracks]


def run_policy(policy: Policy, shoppers: list[Shopper], stores: tuple[Store, Store],
               params: UpliftParameters | None = None, window_ms: int = WINDOW_MS) -> PolicyRun:
    """One policy on its own (see :func:`run_policies`)."""
    return run_policies([policy], shoppers, stores, params, window_ms)[0]


def _pct(action: Action, shopper: Shopper) -> float:
    return round(action.cost / shopper.cart * 100) if action.incentive == "coupon" and shopper.cart else 0.0


class Estimate(NamedTuple):
    value: float
    low: float
    high: float

    def overlaps(self, other: Estimate) -> bool:
        return self.low <= other.high and other.low <= self.high


def mean_interval(values: np.ndarray) -> Estimate:
    """A mean with its 95 % normal interval (n is large: 100,000 sessions by default)."""
    n = len(values)
    m = float(values.mean()) if n else math.nan
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Estimate(m, m - Z95 * se, m + Z95 * se)


class Summary(NamedTuple):
    name: str
    sessions: int
    recovery_rate: Estimate
    coupon_cost: Estimate
    refund_rate: Estimate
    net_margin: Estimate
    coupons_shown: int
    premium_coupons_shown: int
    mean_regret: float


def ratio_interval(num: np.ndarray, den: np.ndarray) -> Estimate:
    """Σnum / Σden with its 95 % interval (delta method)."""
    if den.sum() <= 0 or len(den) < 2:
        return Estimate(math.nan, math.nan, math.nan)
    r = float(num.sum() / den.sum())
    se = float(np.std(num - r * den, ddof=1) / math.sqrt(len(den)) / den.mean())
    return Estimate(r, r - Z95 * se, r + Z95 * se)


def summarise(run: PolicyRun, realised: bool = False) -> Summary:
    """Per-session figures of a run, each with its 95 % interval.

    By default each session counts with its *expected* outcome under the chosen incentive
    (the shopper's true purchase and refund chances): the same mean as the drawn outcomes,
    with much less noise (conditioning on what was shown removes the coin flips, not the
    policy's choices). ``realised=True`` counts the drawn outcomes instead; the learning
    policy only ever learns from those.
    """
    if realised:
        return Summary(
            name=run.name, sessions=len(run.net),
            recovery_rate=mean_interval(run.bought.astype(float)),
            coupon_cost=mean_interval(run.coupon_cost),
            refund_rate=ratio_interval(run.refunded.astype(float), run.bought.astype(float)),
            net_margin=mean_interval(run.net),
            coupons_shown=run.coupons_shown, premium_coupons_shown=run.premium_coupons_shown,
            mean_regret=float((run.best_net - run.expected_net).mean()) if len(run.net) else math.nan,
        )
    return Summary(
        name=run.name,
        sessions=len(run.net),
        recovery_rate=mean_interval(run.expected_buy),
        coupon_cost=mean_interval(run.expected_coupon),
        refund_rate=ratio_interval(run.expected_refund, run.expected_buy),
        net_margin=mean_interval(run.expected_net),
        coupons_shown=run.coupons_shown,
        premium_coupons_shown=run.premium_coupons_shown,
        mean_regret=float((run.best_net - run.expected_net).mean()) if len(run.net) else math.nan,
    )


def plot_regret(runs: list[PolicyRun], path: Path) -> None:
    """Cumulative and moving-average regret per policy against the simulator's best policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for run in runs:
        gap = run.best_net - run.expected_net
        x = np.arange(1, len(gap) + 1)
        left.plot(x, np.cumsum(gap), label=run.name)
        width = max(1, len(gap) // 50)
        smooth = np.convolve(gap, np.ones(width) / width, mode="valid")
        right.plot(x[width - 1:], smooth, label=run.name)
    left.set_title("cumulative regret (expected net margin, TRY)")
    right.set_title(f"regret per session (moving mean of {max(1, len(runs[0].net) // 50):,})")
    for ax in (left, right):
        ax.set_xlabel("sessions")
        ax.grid(alpha=0.3)
    right.set_ylim(bottom=0)
    left.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
