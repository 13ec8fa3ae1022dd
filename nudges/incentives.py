"""The incentive catalogue: what each nudge offers, when it is true, and what it costs.

Why offers are built here and nowhere else: an offer's *claims* (the cutoff hour, the
stock count, the coupon percentage, the review texts) are read from store data by
this module only. Copy (templates or a language model) may phrase them, never invent
them, and :mod:`nudges.guardrails` rebuilds the offer from store data to check
that what is about to be shown matches.

Each incentive answers one reason (see DESIGN.md, "Scenarios"); premium brands get
content instead of coupons; scarcity only when stock says so; a coupon never above
the policy's maximum nor below the margin floor; low stock makes the coach
protective (no discount on what is selling out), overstock and sale days bolder.

>>> from nudges.stores import Store
>>> store = msgspec.convert({"id": "shop", "write_key": "wk_shop_0001",
...     "secret_key": "sk_shop_0001", "allowed_origins": [],
...     "policy": {"allowed_incentives": ["coupon"], "max_coupon_pct": 15,
...                "margin_floor_pct": 25}}, Store)
>>> from nudges.catalogue import Catalogue
>>> mug = Catalogue.from_products("shop", [{"id": "m", "name": "Mug", "price": 100,
...     "cost": 60, "stock": 50}]).product("shop", "m")
>>> ctx = Context(store=store, product=mug, cart_value=100.0, now_ms=0)
>>> max_coupon_pct(ctx)   # 40 % margin, 25 % floor: at most 20 % off, policy says 15
15
>>> offer = build_offer("coupon", ctx)
>>> offer.coupon_pct, offer.expected_cost   # a small coupon: half the room in normal stock
(7, 7.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import msgspec

from nudges.catalogue import Product
from nudges.stores import Delivery, Review, Store

#: The reason each incentive answers (``premium_story`` and ``survey`` serve several).
REASON_OF: Final[dict[str, str]] = {
    "delivery_promise": "shipping_speed",
    "delivery_date": "shipping_speed",
    "free_express_shipping": "shipping_speed",
    "free_shipping_threshold": "shipping_speed",
    "reviews": "trust",
    "return_guarantee": "trust",
    "warranty": "trust",
    "low_stock": "indecision",
    "price_lock": "indecision",
    "saved_cart": "indecision",
    "installments": "price",
    "coupon": "price",
    "guest_checkout": "checkout_friction",
    "help": "checkout_friction",
    "premium_story": "indecision",
    "survey": "indecision",
}

#: Incentives per reason, best first: the different ways of answering it (a confident
#: profile is shown three of them). Premium brands get ``premium_story`` for price too.
#: Free shipping over a threshold answers the cost of shipping (price), not its speed.
BY_REASON: Final[dict[str, tuple[str, ...]]] = {
    "shipping_speed": ("delivery_promise", "free_express_shipping", "delivery_date"),
    "trust": ("reviews", "return_guarantee", "warranty", "premium_story"),
    "indecision": ("low_stock", "price_lock", "premium_story", "saved_cart"),
    "price": ("installments", "coupon", "price_lock", "free_shipping_threshold", "premium_story"),
    "checkout_friction": ("guest_checkout", "help", "saved_cart"),
}

#: Incentives that cost the store money when the shopper buys (made bolder or calmer by context).
COSTLY: Final = frozenset({"coupon", "free_express_shipping", "installments"})
#: A coupon's percentage is a whole number: "7 %", never "7.35 %".
COUPON_STEP: Final = 1


@dataclass(frozen=True, slots=True)
class Context:
    """Everything an offer may be grounded in: the store, the product, the cart, the time."""

    store: Store
    product: Product | None
    cart_value: float
    now_ms: int
    locale: str = "en"
    #: False for a visitor who already got a coupon and did not buy (see "Honest incentives").
    coupon_eligible: bool = True
    #: A campaign rule's aggressiveness (-1, 0, +1), which overrides stock and calendar.
    boldness_override: int | None = None

    @property
    def stock_level(self) -> str | None:
        """``low``, ``normal``, ``overstock``, or None when the stock is unknown."""
        stock = self.product.stock if self.product is not None else None
        if stock is None:
            return None
        if stock <= self.store.policy.low_stock_units:
            return "low"
        if stock >= self.store.policy.overstock_units:
            return "overstock"
        return "normal"

    @property
    def boldness(self) -> int:
        """-1 protective, 0 normal, +1 bold: a campaign rule's say, else stock and the store's calendar."""
        if self.boldness_override is not None:
            return self.boldness_override
        level = {"low": -1, "overstock": 1}.get(self.stock_level or "", 0)
        today = datetime.fromtimestamp(self.now_ms / 1000, UTC).date()
        level += sum(day.tone for day in self.store.calendar if day.covers(today))
        return max(-1, min(1, level))

    @property
    def delivery(self) -> Delivery | None:
        if self.product is not None and self.product.delivery is not None:
            return self.product.delivery
        return self.store.facts.delivery

    @property
    def reviews(self) -> list[Review]:
        """The product's reviews, else the store's, in this locale; best first, at most three."""
        source = self.product.reviews if self.product is not None and self.product.reviews else self.store.facts.reviews
        shown = [r for r in (review.in_locale(self.locale) for review in source) if r is not None]
        return sorted(shown, key=lambda r: -r.rating)[:3]

    def fact(self, name: str):
        """A product fact if the product has it, else the store-wide one."""
        value = getattr(self.product, name, None) if self.product is not None else None
        return value if value not in (None, []) else getattr(self.store.facts, name)


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """An incentive grounded in store data: what may be said, and what it costs if taken."""

    incentive: str
    reason: str
    #: Every fact the copy may cite, by the store-data field it comes from.
    claims: dict[str, str | int | float]
    #: What the store pays if the shopper buys with this offer (currency units).
    expected_cost: float = 0.0
    coupon_pct: int | None = None
    lock_ends_at: int | None = None
    reviews: list[Review] = []


def max_coupon_pct(ctx: Context) -> int:
    """The largest whole-percent discount both the policy and the margin floor allow.

    With gross margin *m* and floor *f* (fractions of the selling price), a discount *d*
    leaves ``(p(1-d) - c) / (p(1-d))`` of margin, which stays at or above *f* while
    ``d <= 1 - (1-m)/(1-f)``. An unknown margin allows no coupon at all.
    """
    policy = ctx.store.policy
    if ctx.store.brand_tier == "premium" or ctx.product is None:
        return 0
    margin = ctx.product.gross_margin_pct
    if margin is None:
        return 0
    m, f = margin / 100, policy.margin_floor_pct / 100
    room = 0.0 if f >= 1 else 1 - (1 - m) / (1 - f)
    return max(0, min(math.floor(policy.max_coupon_pct), math.floor(room * 100 + 1e-9)))


def _coupon_pct(ctx: Context) -> int:
    """A small coupon: half the room normally, all of it when bold, none when protective."""
    room = max_coupon_pct(ctx)
    share = {-1: 0.0, 0: 0.5, 1: 1.0}[ctx.boldness]
    return math.floor(room * share / COUPON_STEP) * COUPON_STEP


def build_offer(incentive: str, ctx: Context, coupon_pct: int | None = None) -> Offer | None:
    """The offer for ``incentive`` in this context, or None when it would not be true or allowed.

    ``coupon_pct`` asks for a specific percentage (a language model may propose one);
    it is refused (None) when above what the policy and the margin floor allow.
    """
    store, policy, facts = ctx.store, ctx.store.policy, ctx.store.facts
    if incentive != "survey" and incentive not in policy.allowed_incentives:
        return None
    reason = REASON_OF[incentive]
    claims: dict[str, str | int | float] = {}
    cost = 0.0
    if ctx.product is not None:
        claims["product.name"] = ctx.product.name_in(ctx.locale)

    if incentive == "delivery_promise":  # it ships tomorrow
        delivery = ctx.delivery
        if delivery is None or not delivery.ships_next_day:
            return None
        claims["delivery.cutoff"] = delivery.cutoff
    elif incentive == "delivery_date":  # when it arrives
        delivery = ctx.delivery
        if delivery is None or not delivery.delivery_days:
            return None
        claims["delivery.delivery_days"] = delivery.delivery_days
    elif incentive == "free_express_shipping":
        delivery = ctx.delivery
        if delivery is None or delivery.express_days is None:
            return None
        claims["delivery.express_days"] = delivery.express_days
        cost = policy.express_shipping_cost
    elif incentive == "free_shipping_threshold":
        threshold = policy.free_shipping_threshold
        if threshold is None:
            return None
        claims["policy.free_shipping_threshold"] = threshold
        if ctx.cart_value < threshold:
            claims["cart.missing_for_free_shipping"] = round(threshold - ctx.cart_value, 2)
    elif incentive == "reviews":
        reviews = ctx.reviews
        if not reviews:
            return None
        rated = ctx.product if ctx.product is not None and ctx.product.rating else ctx.store.facts
        rating, count = rated.rating, rated.rating_count
        if rating is not None and count:
            claims["reviews.rating"] = rating
            claims["reviews.rating_count"] = count
        return Offer(incentive=incentive, reason=reason, claims=claims, reviews=reviews)
    elif incentive == "return_guarantee":
        days = ctx.fact("return_days")
        if not days:
            return None
        claims["returns.days"] = days
        claims["returns.free"] = "yes" if facts.free_returns else "no"
    elif incentive == "warranty":
        years = ctx.fact("warranty_years")
        if not years:
            return None
        claims["warranty.years"] = years
    elif incentive == "low_stock":
        stock = ctx.product.stock if ctx.product is not None else None
        if stock is None or not 0 < stock <= policy.low_stock_units:
            return None
        claims["product.stock"] = stock
    elif incentive == "price_lock":
        if not policy.price_lock_allowed or ctx.product is None:
            return None
        claims["policy.price_lock_hours"] = policy.price_lock_hours
        claims["product.price"] = ctx.product.price
        ends = ctx.now_ms + policy.price_lock_hours * 3_600_000
        return Offer(incentive=incentive, reason=reason, claims=claims, lock_ends_at=ends)
    elif incentive == "installments":
        terms = policy.installments
        if terms is None or ctx.cart_value < terms.min_amount or ctx.cart_value <= 0:
            return None
        claims["installments.max_months"] = terms.max_months
        claims["installments.interest_free"] = "yes" if terms.interest_free else "no"
        cost = round(ctx.cart_value * terms.cost_pct / 100, 2)
    elif incentive == "coupon":
        if store.brand_tier == "premium" or not ctx.coupon_eligible:
            return None
        pct = _coupon_pct(ctx) if coupon_pct is None else coupon_pct
        if pct <= 0 or pct > max_coupon_pct(ctx):
            return None
        claims["policy.coupon_pct"] = pct
        claims["policy.coupon_valid_hours"] = policy.coupon_valid_hours
        base = ctx.cart_value or (ctx.product.price if ctx.product else 0.0)
        return Offer(
            incentive=incentive,
            reason=reason,
            claims=claims,
            coupon_pct=pct,
            expected_cost=round(base * pct / 100, 2),
        )
    elif incentive == "guest_checkout":
        if not facts.guest_checkout:
            return None
    elif incentive == "help":
        if facts.help_path is None:
            return None
    elif incentive == "premium_story":
        if store.brand_tier != "premium":
            return None
        highlights = ctx.fact("highlights")
        years = ctx.fact("warranty_years")
        if not highlights and not years:
            return None
        if highlights:
            claims["product.highlights"] = " · ".join(highlights[:2])
        if years:
            claims["warranty.years"] = years
        return Offer(incentive=incentive, reason=reason, claims=claims, reviews=ctx.reviews[:1])
    return Offer(incentive=incentive, reason=reason, claims=claims, expected_cost=cost)


def candidate_offers(reasons: dict[str, float], ctx: Context) -> list[tuple[float, Offer]]:
    """Every true, allowed offer with its score: reason probability × fit, moved by boldness.

    Fit falls with the incentive's place in its reason's list (1.0, 0.85, 0.7...);
    costly incentives gain when bold and lose when protective.
    """
    scored: dict[str, tuple[float, Offer]] = {}
    for reason, probability in reasons.items():
        for place, incentive in enumerate(BY_REASON.get(reason, ())):
            offer = build_offer(incentive, ctx)
            if offer is None:
                continue
            score = probability * (1.0 - 0.15 * place)
            if incentive in COSTLY:
                score *= 1.0 + 0.25 * ctx.boldness
            if incentive in ("low_stock", "price_lock") and ctx.boldness < 0:
                score *= 1.2
            if incentive not in scored or scored[incentive][0] < score:
                scored[incentive] = (score, msgspec.structs.replace(offer, reason=reason))
    return sorted(scored.values(), key=lambda pair: (-pair[0], pair[1].expected_cost, pair[1].incentive))
