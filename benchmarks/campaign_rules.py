"""Benchmark: what a store's campaign rules (and the trace) add to one decision.

    .venv/bin/python benchmarks/campaign_rules.py                  # 2,000 decisions, 0 vs 10 rules
    .venv/bin/python benchmarks/campaign_rules.py --decisions 5000 --rules 25

Runs :func:`nudges.decision.decide` for the same profiles (every reason, confident and
not) with a store without rules, the baseline measured in the same run, then with
``--rules`` rules (conditions over category, season, stock, cart value and reason, a third
of them matching), then the same with the "why this nudge" trace asked, interleaved decision
by decision. Printed: the mean time per decision and its ratio to the baseline. Memory ledger, no network: this is the
decision core alone (the overlay route adds a Redis read or two on the full path).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from nudges.catalogue import Catalogue
    from scorer.profile import AbandonmentProfile

CONDITIONS = [
    'category == "coats" and season == "winter"',
    "stock != null and stock > 150",
    "cart_value >= 300 and cart_value <= 1000",
    'reason == "price"',
    'device == "mobile" and confidence > 0.7',
]


def store_yaml(rules: int) -> str:
    lines = [f'      - {{name: r{i}, when: \'{CONDITIONS[i % len(CONDITIONS)]}\', deny: [warranty]}}'
             for i in range(rules)]
    return f"""
stores:
  - id: shop
    write_key: wk_shop_0001
    secret_key: sk_shop_0001
    allowed_origins: []
    experiment: {{min_confidence: 0.0, holdout: 0.0}}
    facts: {{return_days: 30, warranty_years: 2, delivery: {{ships_next_day: true, delivery_days: 2, express_days: 1}},
             reviews: [{{author: Ada, rating: 5, text: "Lovely."}}], guest_checkout: true, help_path: /help}}
    policy:
      allowed_incentives: [delivery_promise, delivery_date, free_express_shipping, reviews, return_guarantee,
                           warranty, installments, coupon, price_lock, guest_checkout, help, saved_cart]
      max_coupon_pct: 15
      price_lock_allowed: true
      installments: {{max_months: 6}}
    rules:
{chr(10).join(lines) if lines else "      []"}
"""


def profiles(n: int) -> list[AbandonmentProfile]:
    from scorer.events import REASONS
    from scorer.profile import AbandonmentProfile

    out = []
    for i in range(n):
        top = REASONS[i % len(REASONS)]
        confidence = 0.9 if i % 2 else 0.45
        rest = (1 - confidence) / (len(REASONS) - 1)
        out.append(AbandonmentProfile(
            store_id="shop", session_id=f"s-bench-{i:06d}", visitor_id=f"v-bench-{i:06d}", at=0,
            reasons={r: confidence if r == top else rest for r in REASONS}, top_reason=top, confidence=confidence,
            risk=0.6, evidence=["x"], cart_value=200.0 + (i % 10) * 100, device="mobile" if i % 3 else "desktop",
            events_seen=5, model_version="m"))
    return out


async def timed(configs: list[tuple[object, bool]], batch: list[AbandonmentProfile],
                catalogue: Catalogue) -> list[list[float]]:
    """Seconds per decision for each (store, trace) configuration, interleaved decision by
    decision so that a busy machine slows every configuration alike."""
    from nudges.decision import Moment, decide
    from nudges.decision_trace import Trace
    from nudges.ledger import MemoryLedger

    ledger = MemoryLedger()
    times: list[list[float]] = [[] for _ in configs]
    for p in batch:
        moment = Moment(session_id=p.session_id, visitor_id=None, trigger="exit_intent", locale="en",
                        product_id="coat", now_ms=1_767_225_600_000)  # 1 January 2026: winter
        for (store, trace), out in zip(configs, times, strict=True):
            started = time.perf_counter()
            await decide(store, p, moment, ledger, catalogue,  # type: ignore[arg-type]
                         trace=Trace(store_id="shop", session_id=p.session_id, at=0) if trace else None)
            out.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=2000, help="decisions per configuration (default 2000)")
    parser.add_argument("--rules", type=int, default=10, help="rules in the store with rules (default 10)")
    args = parser.parse_args()
    # Imported after the arguments: --help answers without loading the decision core.
    from nudges.catalogue import Catalogue
    from nudges.stores import StoreRegistry

    catalogue = Catalogue.from_products("shop", [{"id": "coat", "name": "Coat", "price": 800, "cost": 400,
                                                  "stock": 180, "category": "coats"}])
    batch = profiles(args.decisions)
    plain = StoreRegistry.from_yaml_text(store_yaml(0)).by_id("shop")
    ruled = StoreRegistry.from_yaml_text(store_yaml(args.rules)).by_id("shop")
    assert plain is not None and ruled is not None
    configs = [(plain, False), (ruled, False), (ruled, True)]
    asyncio.run(timed(configs, batch[:50], catalogue))  # warm up (rule parsing is cached)
    names = ["no rules (baseline)", f"{args.rules} rules", f"{args.rules} rules + trace"]
    runs = dict(zip(names, asyncio.run(timed(configs, batch, catalogue)), strict=True))
    base = statistics.mean(runs["no rules (baseline)"])
    print(f"{args.decisions} decisions each, decision core only (memory ledger)")
    for name, times in runs.items():
        mean = statistics.mean(times)
        p99 = sorted(times)[int(len(times) * 0.99) - 1]
        print(f"  {name:24s} mean {mean * 1e6:8.1f} µs  p99 {p99 * 1e6:8.1f} µs  ratio {mean / base:5.2f}×")


if __name__ == "__main__":
    main()
