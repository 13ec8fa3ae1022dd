"""Features: the numbers the rule prior and the models read from a session's state.

Why a fixed, flat ``dict[str, float]``: River models take dicts, every key is always
present (so a model never sees a feature "appear" mid-stream), and a CRO analyst
can read each name. Labels and outcomes (``survey_answer``, ``purchase``,
``refund``) and our own overlay events are never features: a model must not learn
from the answer it is asked to predict, nor from the nudge it chose.

Store and product context comes from event ``props`` set by the store's page:
``stock`` (``"low"``, ``"normal"``, ``"overstock"``), ``brand_tier`` (``"premium"``,
``"standard"``, ``"value"``) and ``price_index`` (the product's price divided by its
category's median price); absent context gives neutral values.

>>> from scorer.events import CollectedEvent
>>> from scorer.session import apply
>>> e = CollectedEvent(id="e-000001", type="review_view", ts=5, at=5, received_at=5,
...     store_id="demo", visitor_id="v-000001", session_id="s-000001", product_id="p1",
...     depth=0.8, dwell_ms=30_000)
>>> f = extract_features(apply(None, e))
>>> f["review_views"], f["review_depth_max"], f["review_dwell_s"]
(1.0, 0.8, 30.0)
"""

from __future__ import annotations

import math
from typing import Final

from scorer.session import TOKENS, SessionState

#: Event types that are behaviour (not labels, outcomes or our own overlay).
_NOT_BEHAVIOUR: Final = frozenset(
    {
        "survey_answer",
        "purchase",
        "refund",
        "overlay_impression",
        "overlay_click",
        "overlay_dismiss",
    }
)
#: Product-side and cart-side tokens: moving from one side to the other is a back-and-forth.
_PRODUCT_SIDE = frozenset(TOKENS.index(t) for t in ("page_view:product", "cart_to_product"))
_CART_SIDE = frozenset(TOKENS.index(t) for t in ("page_view:cart", "cart_view", "cart_dwell"))
_EXIT = TOKENS.index("exit_intent")
_CART_DWELL = TOKENS.index("cart_dwell")
_BEHAVIOUR_TOKENS: Final = frozenset(
    i for i, t in enumerate(TOKENS) if t.split(":")[0] not in _NOT_BEHAVIOUR
)

#: Recency features are capped here (seconds): "long ago" and "never" look alike.
RECENCY_CAP_S: Final = 1800.0

#: Every feature name, in a fixed order (documented in ``docs/scorer.md``).
FEATURES: Final[tuple[str, ...]] = (
    "events",
    "duration_s",
    "pages",
    "products_viewed",
    "signal_products",
    "mobile",
    "tablet",
    "shipping_info_opens",
    "review_views",
    "review_rereads",
    "review_depth_max",
    "review_depth_mean",
    "review_dwell_s",
    "return_policy_views",
    "warranty_views",
    "price_filters",
    "price_sorts",
    "coupon_focuses",
    "installment_views",
    "copy_product_info",
    "cart_adds",
    "cart_removes",
    "removed_dearest",
    "cart_value",
    "cart_value_change",
    "cart_items",
    "cart_views",
    "cart_dwell_s",
    "cart_dwell_mean_s",
    "cart_to_product",
    "back_and_forth_recent",
    "checkout_max_step",
    "checkout_back_steps",
    "form_errors",
    "payment_failures",
    "tab_switches",
    "exit_intents",
    "idles",
    "idle_s",
    "since_cart_s",
    "since_checkout_s",
    "since_price_s",
    "since_trust_s",
    "since_shipping_s",
    "price_signal_share",
    "trust_signal_share",
    "cart_dwell_share",
    "removes_per_add",
    "exit_after_cart_dwell",
    "last_is_exit_intent",
    "price_level",
    "stock_low",
    "stock_overstock",
    "brand_premium",
)


def _since(state: SessionState, group: str) -> float:
    at = state.maxima.get(f"at:{group}")
    if at is None:
        return RECENCY_CAP_S
    return min((state.last_at - at) / 1000.0, RECENCY_CAP_S)


def extract_features(state: SessionState) -> dict[str, float]:
    """Read every feature in :data:`FEATURES` from a session's state (pure, cheap)."""
    c = state.counts.get
    d = state.dwell_ms.get
    maxima, latest = state.maxima, state.latest
    behaviour = sum(n for t, n in state.counts.items() if t not in _NOT_BEHAVIOUR)
    total_dwell = sum(state.dwell_ms.values())

    reviews = c("review_view", 0)
    reviewed = len(state.distinct.get("reviewed", ()))
    adds, removes = c("cart_add", 0), c("cart_remove", 0)
    dearest_added = maxima.get("price:cart_add", 0)
    removed_max = maxima.get("price:cart_remove", 0)
    first_value = state.earliest.get("cart_value", (0, 0, 0.0))[2]
    # The cart value the pages showed last; else at least what this session put in it
    # (a product page's add, before any cart page was seen).
    shown_value = float(latest.get("cart_value", (0, 0, 0.0))[2])
    last_value = shown_value if "cart_value" in latest else max(state.sums.get("added_cents", 0), 0) / 100.0
    price_signals = sum(
        c(t, 0) for t in ("price_filter", "price_sort", "coupon_focus", "installment_view")
    )
    trust_signals = reviews + c("return_policy_view", 0) + c("warranty_view", 0)

    tokens = [entry[2] for entry in state.recent if entry[2] in _BEHAVIOUR_TOKENS]
    sides = [t in _CART_SIDE for t in tokens if t in _PRODUCT_SIDE or t in _CART_SIDE]
    back_and_forth = sum(a != b for a, b in zip(sides, sides[1:]))
    exit_after_dwell = 0.0
    if _EXIT in tokens and _CART_DWELL in tokens:
        exit_after_dwell = float(
            len(tokens) - 1 - tokens[::-1].index(_EXIT) > tokens.index(_CART_DWELL)
        )

    priced = state.sums.get("priced", 0)
    price_index = latest.get("price_index")
    if price_index is not None:
        price_level = float(price_index[2])
    elif priced:
        # Without the store's index, the mean log price seen (currency units): prices
        # spread multiplicatively, so one dear item does not swamp the rest.
        price_level = state.sums.get("log_price_milli", 0) / priced / 1000.0
    else:
        price_level = 0.0
    stock = latest.get("stock", (0, 0, ""))[2]
    device = latest.get("device", (0, 0, ""))[2]

    return {
        "events": float(behaviour),
        "duration_s": (state.last_at - state.first_at) / 1000.0,
        "pages": float(c("page_view", 0)),
        "products_viewed": float(len(state.distinct.get("products", ()))),
        # Products with a product-page signal: one for a shopper weighing one product.
        "signal_products": float(len(state.distinct.get("signalled", ()))),
        "mobile": float(device == "mobile"),
        "tablet": float(device == "tablet"),
        "shipping_info_opens": float(c("shipping_info_open", 0)),
        "review_views": float(reviews),
        "review_rereads": float(max(reviews - reviewed, 0)),
        "review_depth_max": maxima.get("depth:review_view", 0) / 1000.0,
        "review_depth_mean": state.sums.get("depth:review_view", 0) / 1000.0 / max(reviews, 1),
        "review_dwell_s": d("review_view", 0) / 1000.0,
        "return_policy_views": float(c("return_policy_view", 0)),
        "warranty_views": float(c("warranty_view", 0)),
        "price_filters": float(c("price_filter", 0)),
        "price_sorts": float(c("price_sort", 0)),
        "coupon_focuses": float(c("coupon_focus", 0)),
        "installment_views": float(c("installment_view", 0)),
        "copy_product_info": float(c("copy_product_info", 0)),
        "cart_adds": float(adds),
        "cart_removes": float(removes),
        "removed_dearest": float(removed_max > 0 and removed_max >= dearest_added),
        "cart_value": last_value,
        "cart_value_change": (shown_value - first_value) / max(first_value, 1.0),
        "cart_items": float(latest.get("cart_items", (0, 0, 0.0))[2]),
        "cart_views": float(c("cart_view", 0)),
        "cart_dwell_s": d("cart_dwell", 0) / 1000.0,
        # The snippet sends one cart_dwell per visible stretch on the cart.
        "cart_dwell_mean_s": d("cart_dwell", 0) / 1000.0 / max(c("cart_dwell", 0), 1),
        "cart_to_product": float(c("cart_to_product", 0)),
        "back_and_forth_recent": float(back_and_forth),
        "checkout_max_step": float(maxima.get("step:checkout_step_enter", 0)),
        # The snippet leaves every step it enters, progress or not: a step entered
        # again (after going back) is what tells an exit from progress.
        "checkout_back_steps": float(max(c("checkout_step_enter", 0) - maxima.get("step:checkout_step_enter", 0), 0)),
        "form_errors": float(c("form_error", 0)),
        "payment_failures": float(c("payment_failed", 0)),
        "tab_switches": float(c("tab_hidden", 0)),
        "exit_intents": float(c("exit_intent", 0)),
        "idles": float(c("idle", 0)),
        "idle_s": d("idle", 0) / 1000.0,
        "since_cart_s": _since(state, "cart"),
        "since_checkout_s": _since(state, "checkout"),
        "since_price_s": _since(state, "price"),
        "since_trust_s": _since(state, "trust"),
        "since_shipping_s": _since(state, "shipping"),
        "price_signal_share": price_signals / max(behaviour, 1),
        "trust_signal_share": trust_signals / max(behaviour, 1),
        "cart_dwell_share": d("cart_dwell", 0) / total_dwell if total_dwell else 0.0,
        "removes_per_add": removes / max(adds, 1),
        "exit_after_cart_dwell": exit_after_dwell,
        "last_is_exit_intent": float(bool(tokens) and tokens[-1] == _EXIT),
        "price_level": price_level,
        "stock_low": float(stock == "low"),
        "stock_overstock": float(stock == "overstock"),
        "brand_premium": float(latest.get("brand_tier", (0, 0, ""))[2] == "premium"),
    }
