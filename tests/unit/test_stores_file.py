"""The stores file: the demo file loads; mistakes stop start-up with the field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from overlay_api.app import create_app
from nudges.catalogue import Catalogue
from nudges.stores import StoreRegistry, StoresFileError

BASE = {"id": "shop", "write_key": "wk_shop_0001", "secret_key": "sk_shop_0001",
        "allowed_origins": ["https://shop.example"]}


def test_the_demo_stores_file_and_its_catalogue_load() -> None:
    registry = StoreRegistry.from_file(DEFAULT_STORES_FILE)
    demo = registry.by_id("demo")
    assert demo.write_key == "wk_demo_public_0001" and demo.policy.max_coupon_pct == 10
    assert Catalogue(registry).product("demo", "p2").stock == 11


def test_json_and_a_single_store_without_the_list(tmp_path: Path) -> None:
    path = tmp_path / "stores.json"
    path.write_text(json.dumps(BASE | {"locale": "tr", "voice": "formal"}), encoding="utf-8")
    assert StoreRegistry.from_file(path).by_id("shop").voice == "formal"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"locale": "de"}, "$.stores[0].locale"),
        ({"brand_tier": "luxury"}, "$.stores[0].brand_tier"),
        ({"voice": "shouty"}, "$.stores[0].voice"),
        ({"currency": "lira"}, "$.stores[0].currency"),
        ({"allowed_origins": ["shop.example/path"]}, "$.stores[0].allowed_origins[0]"),
        ({"policy": {"max_coupon_pct": 150}}, "$.stores[0].policy.max_coupon_pct"),
        ({"policy": {"allowed_incentives": ["free_money"]}}, "$.stores[0].policy.allowed_incentives[0]"),
        ({"polcy": {}}, "polcy"),
        ({"brand_tier": "premium", "policy": {"allowed_incentives": ["coupon"], "max_coupon_pct": 10}},
         "$.stores[0].policy.allowed_incentives"),
        ({"policy": {"allowed_incentives": ["coupon"]}}, "$.stores[0].policy.max_coupon_pct"),
        ({"policy": {"allowed_incentives": ["installments"]}}, "$.stores[0].policy.installments"),
        ({"policy": {"allowed_incentives": ["price_lock"]}}, "$.stores[0].policy.price_lock_allowed"),
        ({"policy": {"low_stock_units": 50, "overstock_units": 10}}, "$.stores[0].policy.overstock_units"),
        ({"facts": {"delivery": {"cutoff": "25:00"}}}, "$.stores[0].facts.delivery.cutoff"),
        ({"facts": {"checkout_path": "https://evil.example/pay"}}, "$.stores[0].facts.checkout_path"),
        ({"experiment": {"holdout": 1.5}}, "$.stores[0].experiment.holdout"),
        ({"experiment": {"weights": [0, 0, 0]}}, "$.stores[0].experiment.weights"),
        ({"calendar": [{"name": "x", "from": "2026-12-02", "to": "2026-12-01"}]}, "$.stores[0].calendar[0].to"),
        ({"catalogue": {"file": "a.yaml", "url": "https://x.example/feed"}}, "$.stores[0].catalogue"),
    ],
)
def test_mistakes_fail_with_a_message_naming_the_field(tmp_path: Path, change: dict, named: str) -> None:
    path = tmp_path / "stores.yaml"
    path.write_text(yaml.safe_dump({"stores": [BASE | change]}), encoding="utf-8")
    with pytest.raises(StoresFileError) as exc:
        create_app(Settings(stores_file=path))  # start-up fails
    assert named in str(exc.value) and str(path) in str(exc.value)


def test_a_bad_catalogue_fails_start_up_naming_the_product_field(tmp_path: Path) -> None:
    (tmp_path / "cat.yaml").write_text(yaml.safe_dump({"products": [{"id": "p1", "name": "A", "price": -3}]}))
    path = tmp_path / "stores.yaml"
    path.write_text(yaml.safe_dump({"stores": [BASE | {"catalogue": {"file": "cat.yaml"}}]}))
    with pytest.raises(StoresFileError, match=r"cat.yaml: .*\$\.products\[0\]\.price"):
        create_app(Settings(stores_file=path))
    (tmp_path / "cat.yaml").unlink()
    with pytest.raises(StoresFileError, match="cannot read the catalogue"):
        create_app(Settings(stores_file=path))


async def test_the_catalogue_is_refreshed_without_a_restart_and_a_bad_edit_keeps_the_old(tmp_path: Path) -> None:
    import os

    cat = tmp_path / "cat.yaml"
    cat.write_text(yaml.safe_dump({"products": [{"id": "p1", "name": "A", "price": 10, "stock": 50}]}))
    path = tmp_path / "stores.yaml"
    path.write_text(yaml.safe_dump({"stores": [BASE | {"catalogue": {"file": "cat.yaml"}}]}))
    catalogue = Catalogue(StoreRegistry.from_file(path))
    cat.write_text(yaml.safe_dump({"products": [{"id": "p1", "name": "A", "price": 10, "stock": 2}]}))
    os.utime(cat, (1, 1))  # a different mtime whatever the clock's resolution
    await catalogue.refresh()
    assert catalogue.product("shop", "p1").stock == 2
    cat.write_text("products: [{id: p1, price: oops}]")
    os.utime(cat, (2, 2))
    await catalogue.refresh()
    assert catalogue.product("shop", "p1").stock == 2
