"""How simulated shoppers answer a nudge: the ground truth a learning policy is tested on.

Why a second simulator (``scorer/simulator.py`` makes the *events* of a session): this
one says what happens *after* a nudge. Each shopper has latent reasons, a cart, a brand
tier, a device and a traffic channel; the chance to buy within the attribution window
moves by incentive and reason (coupons move price shoppers, reviews and returns move
trust seekers, express delivery moves speed seekers); purchases a nudge pushed come
back as refunds more often under pressure (scarcity, a lock, a discount); a coupon
shown to a premium brand's shoppers costs brand value; some shoppers abandon on purpose
to get a coupon, and shoppers who got one learn to wait for the next. Net margin, not
clicks, is what a policy earns.

Every parameter is a named field of :class:`UpliftParameters` whose comment gives its
published source, or says "assumed". The incentive names are those of
:mod:`nudges.incentives`. Pure and seeded: the same seed gives the same shoppers.

What a policy sees is not the truth: :func:`observe` turns the latent reason into the
reason probabilities a model would give (noisy, about as often right as the project's
default reason model, ~0.71 accuracy) and a noisy risk.

>>> shoppers = generate(5, seed=3)
>>> [s.cart for s in shoppers] == [s.cart for s in generate(5, seed=3)]
True
>>> s = shoppers[0]
>>> none = expected(s, gaming=False, incentive="none", cost=0.0)
>>> none.incentive_cost, round(none.p_buy, 3) == round(UpliftParameters().base_buy[s.primary], 3)
(0.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final, NamedTuple

import numpy as np

from nudges.incentives import REASON_OF
from scorer.events import REASONS
from scorer.simulator import BAYMARD_SHARES

STANDARD: Final = 0
PREMIUM: Final = 1
DEVICES: Final = ("mobile", "desktop")
CHANNELS: Final = ("search", "social", "email", "direct")
#: November 2026: 30 days, with the simulated stores' Black Friday weekend in it.
START_MS: Final = 1_793_491_200_000  # 2026-11-01T00:00:00Z


def _lifts() -> dict[tuple[str, str], float]:
    # All assumed: no published study gives per-incentive uplifts by reason; the
    # ordering (an incentive that answers the reason moves it most) is the product's
    # premise, the sizes are a few points of purchase probability, as A/B tests of
    # abandonment overlays usually report.
    return {
        ("price", "installments"): 0.0,  # + installments_lift_per_1000 per 1,000 of cart, see below
        ("price", "free_shipping_threshold"): 0.05,  # only when the cart is near the threshold
        ("price", "price_lock"): 0.03,
        ("price", "premium_story"): 0.04,
        ("trust", "reviews"): 0.08,
        ("trust", "return_guarantee"): 0.07,  # + free_returns_lift when returns are free
        ("trust", "premium_story"): 0.06,
        ("trust", "help"): 0.02,
        ("shipping_speed", "delivery_promise"): 0.04,  # + next_day_lift when it ships tomorrow
        ("shipping_speed", "free_express_shipping"): 0.16,
        ("shipping_speed", "free_shipping_threshold"): 0.02,
        ("indecision", "low_stock"): 0.08,
        ("indecision", "price_lock"): 0.07,
        ("indecision", "saved_cart"): 0.03,
        ("indecision", "premium_story"): 0.05,
        ("indecision", "reviews"): 0.03,
        ("checkout_friction", "guest_checkout"): 0.10,  # × device_factor
        ("checkout_friction", "help"): 0.05,
        ("checkout_friction", "saved_cart"): 0.03,
    }


@dataclass(frozen=True)
class UpliftParameters:
    """Every number the simulator uses; each says where it comes from."""

    # --- who the shoppers are -------------------------------------------------------
    #: Latent main reason: Baymard Institute's checkout-abandonment survey, normalised
    #: (see ``scorer/simulator.py``: price 0.28, trust 0.16, shipping 0.09, friction 0.36;
    #: indecision 0.10 is assumed there).
    reason_shares: dict[str, float] = field(default_factory=lambda: dict(BAYMARD_SHARES))
    #: Share of shoppers with a second motive (assumed; as ``scorer/simulator.py``'s mixed_share).
    second_motive_share: float = 0.2
    #: How much an incentive for the second motive moves them, relative to the first (assumed).
    second_motive_weight: float = 0.4
    #: Share of shoppers under 35 (assumed).
    under_35_share: float = 0.5
    #: Shoppers who abandon carts on purpose to be sent a coupon: "about a third of
    #: shoppers, nearly half of those under 35" (survey figure as quoted in the issue and
    #: docs/architecture.md; its primary source was not verified here, so: assumed).
    gamer_share_under_35: float = 0.47
    #: Chosen so that the overall share is about a third (0.5 × 0.47 + 0.5 × 0.20 ≈ 0.33).
    gamer_share_35_plus: float = 0.20
    #: A shopper who says they do it does not do it every visit: share of their sessions (assumed).
    gaming_per_session: float = 0.3
    #: A coupon teaches shoppers to wait for the next one: chance that a shopper shown one
    #: learns it (assumed) ...
    coupon_teaches_waiting: float = 0.5
    #: ... after which, in later sessions, they buy without a coupon this much less often (assumed).
    waiting_penalty: float = 0.4
    #: Share of sessions on a phone (assumed).
    mobile_share: float = 0.6
    #: Traffic channel by age group (assumed: younger shoppers arrive from social more often).
    channels_under_35: tuple[float, ...] = (0.30, 0.40, 0.10, 0.20)
    channels_35_plus: tuple[float, ...] = (0.40, 0.10, 0.20, 0.30)
    #: Share of sessions in the premium store (assumed).
    premium_share: float = 0.3
    #: Cart value: log-normal, median and log-sd per tier, in TRY (assumed).
    cart_median: tuple[float, float] = (600.0, 2400.0)
    cart_log_sd: float = 0.8
    #: Gross margin range per tier (assumed; uniform).
    margin_range: tuple[tuple[float, float], tuple[float, float]] = ((0.40, 0.55), (0.55, 0.70))
    #: Stock states: share of sessions whose product is low, normal, overstocked (assumed).
    stock_shares: tuple[float, float, float] = (0.10, 0.75, 0.15)
    #: Distinct visitors per session: the rest are returning visitors (assumed).
    visitors_per_session: float = 0.6
    days: int = 30

    # --- how they answer ------------------------------------------------------------
    #: Chance to buy within the attribution window with no nudge, by main reason (assumed).
    base_buy: dict[str, float] = field(default_factory=lambda: {
        "price": 0.10, "trust": 0.10, "shipping_speed": 0.12, "indecision": 0.12, "checkout_friction": 0.15,
    })  # fmt: skip
    #: A shopper abandoning for a coupon comes back and buys anyway this often (assumed) ...
    gamer_base_buy: float = 0.75
    #: ... and this often with a coupon of ``gamer_coupon_pct`` or more (assumed).
    gamer_coupon_buy: float = 0.85
    gamer_coupon_pct: float = 5.0
    #: Points of purchase probability per (reason, incentive) (assumed, see ``_lifts``).
    lift: dict[tuple[str, str], float] = field(default_factory=_lifts)
    #: A coupon moves a price shopper this much per percent off (assumed) ...
    coupon_lift_per_pct: float = 0.012
    #: ... and any other shopper this share of it (assumed: everyone likes a discount a little).
    coupon_off_reason_share: float = 0.25
    #: Installments matter for big tickets: points per 1,000 TRY of cart, up to 3,000 (assumed).
    installments_lift_per_1000: float = 0.05
    free_returns_lift: float = 0.02
    next_day_lift: float = 0.03
    #: How the device changes an incentive's effect (assumed: forms are harder on a phone, so
    #: skipping sign-up helps more there; help and chat are used more at a desk).
    device_factor: dict[tuple[str, str], float] = field(default_factory=lambda: {
        ("guest_checkout", "mobile"): 1.5, ("guest_checkout", "desktop"): 0.5,
        ("help", "mobile"): 0.6, ("help", "desktop"): 1.8,
    })  # fmt: skip
    #: How the traffic channel changes an incentive's effect (assumed: shoppers who come back
    #: from the store's own e-mail already trust it; social traffic reacts to social proof).
    channel_factor: dict[tuple[str, str], float] = field(default_factory=lambda: {
        ("reviews", "email"): 0.4, ("return_guarantee", "email"): 0.5,
        ("reviews", "social"): 1.4,
    })  # fmt: skip
    #: An incentive that answers none of the shopper's reasons (assumed: the overlay itself).
    off_reason_lift: float = 0.005
    #: The free-shipping nudge works only when the cart is this close to the threshold (assumed).
    threshold_reach: float = 0.7
    #: Share of orders returned: NRF & Appriss Retail, "2023 Consumer Returns in the Retail
    #: Industry": 14.5 % of sales returned.
    base_refund: float = 0.145
    #: Extra refund rate on purchases a nudge *caused*, by incentive: pressure (assumed).
    pressure_refund: dict[str, float] = field(default_factory=lambda: {
        "low_stock": 0.10, "price_lock": 0.08, "coupon": 0.05, "free_express_shipping": 0.02,
    })  # fmt: skip
    #: Extra refund rate on caused purchases when the nudge answered another reason (assumed).
    mismatch_refund: float = 0.05
    #: Handling a return costs this share of the cart (assumed).
    return_cost_share: float = 0.05
    #: A coupon shown to a premium brand's shopper erodes the brand's price: cost per coupon
    #: shown, as a share of the cart (assumed).
    premium_coupon_brand_cost: float = 0.03

    # --- what the model sees (assumed; sized so the top reason is right ~71 % of the time,
    # as the default reason model on the project simulator, docs/evaluation.md) -----------
    reason_signal: float = 1.45
    second_signal: float = 1.0
    intensity_shape: float = 2.0
    intensity_scale: float = 0.75
    observation_noise: float = 1.0
    risk_noise: float = 0.15


class Shopper(NamedTuple):
    """One session at a trigger moment: its latent state and its pre-drawn chances."""

    index: int
    store: int
    visitor: int
    at_ms: int
    under_35: bool
    gamer: bool
    device: str
    channel: str
    cart: float
    margin: float
    stock_units: int
    primary: str
    secondary: str | None
    intensity: float
    noise: tuple[float, ...]
    risk_noise: float
    #: Uniform draws shared by every policy (common random numbers): the same shopper
    #: buys under two policies when both give the same chance.
    u_gaming: float
    u_taught: float
    u_buy: float
    u_refund: float


def generate(sessions: int, seed: int = 0, params: UpliftParameters | None = None) -> list[Shopper]:
    """``sessions`` shoppers in time order over ``params.days`` days."""
    p = params or UpliftParameters()
    rng = np.random.default_rng(seed)
    n = sessions
    reasons = list(p.reason_shares)
    shares = np.array([p.reason_shares[r] for r in reasons])
    shares = shares / shares.sum()
    primary = rng.choice(len(reasons), size=n, p=shares)
    has_second = rng.random(n) < p.second_motive_share
    second_pick = rng.integers(0, len(reasons) - 1, size=n)
    second = np.where(second_pick >= primary, second_pick + 1, second_pick)
    store = (rng.random(n) < p.premium_share).astype(int)
    n_visitors = max(1, int(n * p.visitors_per_session))
    visitor = rng.integers(0, n_visitors, size=n)
    visitor_young = rng.random(n_visitors) < p.under_35_share
    u_gamer = rng.random(n_visitors)
    gamer_v = np.where(visitor_young, u_gamer < p.gamer_share_under_35, u_gamer < p.gamer_share_35_plus)
    young = visitor_young[visitor]
    channel = np.where(
        young,
        rng.choice(len(CHANNELS), size=n, p=p.channels_under_35),
        rng.choice(len(CHANNELS), size=n, p=p.channels_35_plus),
    )
    mobile = rng.random(n) < p.mobile_share
    median = np.where(store == PREMIUM, p.cart_median[1], p.cart_median[0])
    cart = np.round(median * np.exp(rng.normal(0.0, p.cart_log_sd, n)), 2)
    lo = np.where(store == PREMIUM, p.margin_range[1][0], p.margin_range[0][0])
    hi = np.where(store == PREMIUM, p.margin_range[1][1], p.margin_range[0][1])
    margin = lo + (hi - lo) * rng.random(n)
    stock_state = rng.choice(3, size=n, p=p.stock_shares)
    stock_units = np.select([stock_state == 0, stock_state == 1], [rng.integers(1, 4, n), rng.integers(20, 90, n)],
                            rng.integers(250, 900, n))
    intensity = rng.gamma(p.intensity_shape, p.intensity_scale, n)
    noise = rng.normal(0.0, p.observation_noise, (n, len(REASONS)))
    risk_noise = rng.normal(0.0, p.risk_noise, n)
    at = START_MS + np.sort(rng.integers(0, p.days * 86_400_000, n))
    u = rng.random((n, 4))
    return [
        Shopper(
            index=i,
            store=int(store[i]),
            visitor=int(visitor[i]),
            at_ms=int(at[i]),
            under_35=bool(young[i]),
            gamer=bool(gamer_v[visitor[i]]),
            device=DEVICES[0] if mobile[i] else DEVICES[1],
            channel=CHANNELS[channel[i]],
            cart=float(cart[i]),
            margin=float(margin[i]),
            stock_units=int(stock_units[i]),
            primary=reasons[primary[i]],
            secondary=reasons[second[i]] if has_second[i] else None,
            intensity=float(intensity[i]),
            noise=tuple(float(x) for x in noise[i]),
            risk_noise=float(risk_noise[i]),
            u_gaming=float(u[i, 0]),
            u_taught=float(u[i, 1]),
            u_buy=float(u[i, 2]),
            u_refund=float(u[i, 3]),
        )
        for i in range(n)
    ]


def is_gaming(shopper: Shopper, params: UpliftParameters | None = None) -> bool:
    """Whether this session is an abandonment for a coupon (a gamer's, on some visits)."""
    p = params or UpliftParameters()
    return shopper.gamer and shopper.u_gaming < p.gaming_per_session


def teaches(shopper: Shopper, params: UpliftParameters | None = None) -> bool:
    """Whether the coupon shown in this session teaches the visitor to wait for coupons."""
    p = params or UpliftParameters()
    return shopper.u_taught < p.coupon_teaches_waiting


class Observed(NamedTuple):
    """What a policy can know about the shopper: the model's view, not the truth."""

    reasons: dict[str, float]
    top_reason: str
    confidence: float
    risk: float


def observe(shopper: Shopper, gaming: bool, params: UpliftParameters | None = None) -> Observed:
    """Reason probabilities and risk as a reason model would give them (noisy)."""
    p = params or UpliftParameters()
    primary = "price" if gaming else shopper.primary
    logits = []
    for j, reason in enumerate(REASONS):
        signal = p.reason_signal if reason == primary else p.second_signal if reason == shopper.secondary else 0.0
        logits.append(math.log(p.reason_shares[reason]) + shopper.intensity * signal + shopper.noise[j])
    top = max(logits)
    weights = [math.exp(x - top) for x in logits]
    total = sum(weights)
    reasons = {r: round(w / total, 4) for r, w in zip(REASONS, weights, strict=True)}
    top_reason = max(reasons, key=reasons.__getitem__)
    base = p.gamer_base_buy if gaming else p.base_buy[primary]
    risk = min(0.99, max(0.01, 1.0 - base + shopper.risk_noise))
    return Observed(reasons, top_reason, reasons[top_reason], round(risk, 4))


class Expected(NamedTuple):
    """What one incentive is worth for one shopper, in expectation."""

    p_buy: float
    #: Chance that a purchase is refunded.
    p_refund: float
    #: Expected net margin: (revenue − refunds) × margin − incentive cost − return handling − brand cost.
    net: float
    #: Expected incentive cost paid (discount, express delivery, installment fee).
    incentive_cost: float
    #: Expected coupon discount alone.
    coupon_cost: float


def _lift(p: UpliftParameters, reason: str, incentive: str, shopper: Shopper, coupon_pct: float,
          facts: StoreFacts) -> float:
    if incentive == "coupon":
        per = p.coupon_lift_per_pct * coupon_pct
        return per if reason == "price" else per * p.coupon_off_reason_share
    base = p.lift.get((reason, incentive))
    if base is None:
        return p.off_reason_lift if incentive not in ("none", "survey") else 0.0
    if incentive == "installments":
        base += p.installments_lift_per_1000 * min(shopper.cart, 3000.0) / 1000
    elif incentive == "free_shipping_threshold":
        threshold = facts.free_shipping_threshold
        if threshold is None or shopper.cart < p.threshold_reach * threshold:
            base = p.off_reason_lift
    elif incentive == "return_guarantee" and facts.free_returns:
        base += p.free_returns_lift
    elif incentive == "delivery_promise" and facts.ships_next_day:
        base += p.next_day_lift
    base *= p.device_factor.get((incentive, shopper.device), 1.0)
    return base * p.channel_factor.get((incentive, shopper.channel), 1.0)


class StoreFacts(NamedTuple):
    """The few store facts the response depends on (read from the simulated stores file)."""

    premium: bool
    free_shipping_threshold: float | None
    free_returns: bool
    ships_next_day: bool


NO_FACTS: Final = StoreFacts(premium=False, free_shipping_threshold=None, free_returns=False, ships_next_day=False)


def expected(shopper: Shopper, gaming: bool, incentive: str, cost: float, coupon_pct: float = 0.0,
             facts: StoreFacts = NO_FACTS, params: UpliftParameters | None = None,
             waiting: bool = False) -> Expected:
    """The expected outcome of showing ``incentive`` (``"none"``: nothing) to this shopper.

    ``cost`` is what the store pays if the shopper buys with it (the offer's
    ``expected_cost``: the discount, the express delivery, the installment fee).
    ``waiting``: an earlier coupon taught this visitor to wait for one.
    """
    p = params or UpliftParameters()
    cart, coupon = shopper.cart, incentive == "coupon"
    if gaming:
        base = p.gamer_base_buy
        answers = {"price"}
        if coupon and coupon_pct >= p.gamer_coupon_pct:
            lift = p.gamer_coupon_buy - base
        else:
            lift = _lift(p, "price", incentive, shopper, coupon_pct, facts) * 0.5
    else:
        base = p.base_buy[shopper.primary] * ((1 - p.waiting_penalty) if waiting else 1.0)
        answers = {shopper.primary} | ({shopper.secondary} if shopper.secondary else set())
        lift = _lift(p, shopper.primary, incentive, shopper, coupon_pct, facts)
        if shopper.secondary is not None:
            lift += p.second_motive_weight * _lift(p, shopper.secondary, incentive, shopper, coupon_pct, facts)
    p_buy = min(0.97, base + lift)
    caused = lift / p_buy if p_buy > 0 else 0.0
    extra = p.pressure_refund.get(incentive, 0.0)
    if incentive not in ("none", "survey") and not answers & _answers(incentive):
        extra += p.mismatch_refund
    p_refund = min(0.9, p.base_refund + caused * extra)
    discount = cost if coupon else 0.0
    other_cost = 0.0 if coupon else cost
    kept = cart * shopper.margin - discount - other_cost
    refunded = -other_cost - p.return_cost_share * cart
    brand = p.premium_coupon_brand_cost * cart if coupon and facts.premium else 0.0
    net = p_buy * ((1 - p_refund) * kept + p_refund * refunded) - brand
    return Expected(p_buy, p_refund, net, p_buy * cost, p_buy * (1 - p_refund) * discount)


def _answers(incentive: str) -> set[str]:
    """The reasons an incentive answers: its reason in nudges.incentives, and the lift table's."""
    return _ANSWERS.get(incentive, set())


_ANSWERS: Final[dict[str, set[str]]] = {
    incentive: {reason for (reason, name) in _lifts() if name == incentive} | {REASON_OF[incentive]}
    for incentive in REASON_OF
}
_ANSWERS["coupon"].add("price")


class Outcome(NamedTuple):
    """What happened: drawn with the shopper's own uniforms, so policies are compared fairly."""

    bought: bool
    refunded: bool
    net: float
    incentive_cost: float
    coupon_cost: float


def realise(shopper: Shopper, exp: Expected, incentive: str, cost: float, facts: StoreFacts = NO_FACTS,
            params: UpliftParameters | None = None) -> Outcome:
    """Draw the outcome of an :class:`Expected` with the shopper's pre-drawn uniforms."""
    p = params or UpliftParameters()
    coupon = incentive == "coupon"
    brand = p.premium_coupon_brand_cost * shopper.cart if coupon and facts.premium else 0.0
    if shopper.u_buy >= exp.p_buy:
        return Outcome(False, False, -brand, 0.0, 0.0)
    discount = cost if coupon else 0.0
    other = 0.0 if coupon else cost
    if shopper.u_refund < exp.p_refund:
        return Outcome(True, True, -other - p.return_cost_share * shopper.cart - brand, other, 0.0)
    return Outcome(True, False, shopper.cart * shopper.margin - cost - brand, cost, discount)
