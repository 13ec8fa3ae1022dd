"""Stores, products and profiles for the scenario-engine tests, built in code."""

from __future__ import annotations

import time

import msgspec

from nudges.catalogue import Catalogue, Product
from nudges.incentives import Context
from nudges.stores import Store
from scorer.events import REASONS
from scorer.profile import AbandonmentProfile

FULL_POLICY = {
    "allowed_incentives": [
        "delivery_promise", "delivery_date", "free_express_shipping", "free_shipping_threshold", "reviews",
        "return_guarantee", "warranty", "low_stock", "price_lock", "installments", "coupon",
        "guest_checkout", "saved_cart", "help",
    ],
    "max_coupon_pct": 15,
    "free_shipping_threshold": 500,
    "express_shipping_cost": 49,
    "installments": {"max_months": 6, "interest_free": True, "min_amount": 100, "cost_pct": 2},
    "margin_floor_pct": 25,
    "price_lock_allowed": True,
}
FACTS = {
    "delivery": {"ships_next_day": True, "cutoff": "15:00", "delivery_days": 3, "express_days": 1},
    "return_days": 30,
    "free_returns": True,
    "warranty_years": 2,
    "guest_checkout": True,
    "help_path": "/help",
    "highlights": ["Full-grain leather"],
}


def make_store(**overrides: object) -> Store:
    raw: dict = {
        "id": "shop",
        "write_key": "wk_shop_0001",
        "secret_key": "sk_shop_0001",
        "allowed_origins": ["https://shop.example"],
        "policy": dict(FULL_POLICY),
        "facts": dict(FACTS),
    }
    raw.update(overrides)
    return msgspec.convert(raw, Store)


def make_product(stock: int = 50, price: float = 400.0, cost: float = 200.0, **extra: object) -> Product:
    raw = {
        "id": "bag-1",
        "name": {"en": "Leather Tote", "tr": "Deri Çanta"},
        "price": price,
        "cost": cost,
        "stock": stock,
        "rating": 4.6,
        "rating_count": 212,
        "reviews": [
            {"author": "Ayşe K.", "rating": 5, "text": {"en": "Lovely bag.", "tr": "Çok güzel bir çanta."}},
            {"author": "Tom R.", "rating": 4, "text": {"en": "Sturdy and roomy.", "tr": "Sağlam ve geniş."}},
        ],
        **extra,
    }
    product = Catalogue.from_products("shop", [raw]).product("shop", "bag-1")
    assert product is not None
    return product


def make_profile(top: str = "shipping_speed", confidence: float = 0.8, cart_value: float = 400.0,
                 session_id: str = "s-test-0001") -> AbandonmentProfile:
    rest = (1 - confidence) / (len(REASONS) - 1)
    reasons = {r: (confidence if r == top else rest) for r in REASONS}
    return AbandonmentProfile(
        store_id="shop", session_id=session_id, visitor_id="v-test-0001", at=0, reasons=reasons,
        top_reason=top, confidence=confidence, risk=0.7, evidence=["test"], cart_value=cart_value,
        device="desktop", events_seen=5, model_version="test",
    )


def ctx(store: Store | None = None, product: Product | None = None, cart_value: float = 400.0,
        locale: str = "en", now_ms: int | None = None, **kw: object) -> Context:
    return Context(
        store=store or make_store(),
        product=product,
        cart_value=cart_value,
        now_ms=now_ms if now_ms is not None else int(time.time() * 1000),
        locale=locale,
        **kw,  # type: ignore[arg-type]
    )
