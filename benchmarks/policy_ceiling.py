"""How much a policy that sees what the learning policy sees could earn over the reason rules.

    .venv/bin/python benchmarks/policy_ceiling.py                        # 40,000 to fit, 100,000 to test
    .venv/bin/python benchmarks/policy_ceiling.py --train 20000 --sessions 30000

Why: the learning policy can only beat the rules by what the simulator's *observable*
context leaves to gain. This fits, for every incentive, a ridge regression of its true
expected net margin (divided by the cart value; the simulator's own ``expected``, no
coin flips) on the context a policy sees (reason probabilities, confidence, risk, cart,
tier, stock, boldness, device, channel, coupon eligibility, and all their pairwise
products), on other shoppers (seed + 1000), then runs the greedy policy of that table
beside the rules on the evaluation shoppers: once over every allowed incentive, once
over the three candidates the learning policy chooses from. Its net margin is close to
the best any policy of that context can earn here (a richer model could add a little);
the simulator's parameters are untouched. Printed: net margin per session with 95 %
intervals, and each ceiling minus the rules paired on the same sessions (baseline: the
rules, same run).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100_000, help="evaluation sessions (the CLI's default)")
    parser.add_argument("--train", type=int, default=40_000, help="other shoppers the table is fitted on")
    parser.add_argument("--seed", type=int, default=1)
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load River and SciPy (seconds)

from nudges.learning.bandit import CANDIDATES, PolicyContext  # noqa: E402
from nudges.learning.simulation import (  # noqa: E402
    DEFAULT_STORES,
    WARM_START_SEED_OFFSET,
    Chosen,
    Moment,
    ReasonRules,
    _facts,
    _pct,
    generate,
    load_stores,
    mean_interval,
    run_policies,
    summarise,
)
from nudges.learning.uplift import CHANNELS, UpliftParameters, expected, is_gaming  # noqa: E402
from scorer.events import REASONS  # noqa: E402


def features(seen: PolicyContext) -> np.ndarray:
    base = np.array(
        [seen.reasons.get(r, 0.0) for r in REASONS]
        + [seen.confidence, seen.risk, math.log10(max(seen.cart_value, 1.0)) - 2.8, float(seen.device == "mobile"),
           float(seen.brand_tier == "premium"), float(seen.stock_level == "low"),
           float(seen.stock_level == "overstock"), float(seen.boldness), float(seen.coupon_eligible)]
        + [float(seen.channel == c) for c in CHANNELS[1:]]
    )
    pairs = np.outer(base, base)[np.triu_indices(len(base))]
    return np.concatenate([[1.0], base, pairs])


class Recorder(ReasonRules):
    """The rules, recording each moment's context and every allowed incentive's true value."""

    name = "recorder"

    def __init__(self, stores, params: UpliftParameters) -> None:
        self.rows: list[tuple[np.ndarray, dict[str, float]]] = []
        self.facts, self.params = [_facts(stores[0]), _facts(stores[1])], params

    def choose(self, moment: Moment) -> Chosen:
        s = moment.shopper
        gaming, fact = is_gaming(s, self.params), self.facts[s.store]
        values = {a.incentive: expected(s, gaming, a.incentive, a.cost, _pct(a, s), fact, self.params).net / s.cart
                  for a in moment.actions}
        self.rows.append((features(moment.seen), values))
        return super().choose(moment)


class Ceiling:
    """Greedy on the fitted table: the incentive with the highest predicted value."""

    def __init__(self, name: str, weights: dict[str, np.ndarray], limit: int | None) -> None:
        self.name, self.weights, self.limit = name, weights, limit

    def choose(self, moment: Moment) -> Chosen:
        x = features(moment.seen)
        actions = moment.actions[: self.limit] if self.limit else moment.actions
        scores = [float(x @ self.weights[a.incentive]) if a.incentive in self.weights else -math.inf for a in actions]
        action = actions[int(np.argmax(scores))]
        return Chosen(action.incentive, action.cost, _pct(action, moment.shopper))

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        return None


def fit(rows: list[tuple[np.ndarray, dict[str, float]]], ridge: float = 1e-3) -> dict[str, np.ndarray]:
    by: dict[str, tuple[list[np.ndarray], list[float]]] = {}
    for x, values in rows:
        for incentive, value in values.items():
            xs, ys = by.setdefault(incentive, ([], []))
            xs.append(x)
            ys.append(value)
    weights = {}
    for incentive, (xs, ys) in by.items():
        X, y = np.array(xs), np.array(ys)
        weights[incentive] = np.linalg.solve(X.T @ X + ridge * len(y) * np.eye(X.shape[1]), X.T @ y)
    return weights


def main() -> None:
    args = options().parse_args()
    started = time.perf_counter()
    stores, params = load_stores(DEFAULT_STORES), UpliftParameters()
    recorder = Recorder(stores, params)
    run_policies([recorder], generate(args.train, seed=args.seed + WARM_START_SEED_OFFSET), stores)
    weights = fit(recorder.rows)
    policies = [ReasonRules(), Ceiling("ceiling_all_incentives", weights, None),
                Ceiling(f"ceiling_first_{CANDIDATES}", weights, CANDIDATES)]
    runs = run_policies(policies, generate(args.sessions, seed=args.seed), stores)
    rules = runs[0]
    for run in runs:
        s = summarise(run)
        line = (f"{run.name:26} net margin {s.net_margin.value:7.2f} [{s.net_margin.low:.2f}, {s.net_margin.high:.2f}]"
                f"  regret {s.mean_regret:6.2f}")
        if run is not rules:
            d = mean_interval(run.expected_net - rules.expected_net)
            line += (f"  ÷ rules {s.net_margin.value / summarise(rules).net_margin.value:.3f}"
                     f"  − rules (paired) {d.value:.2f} [{d.low:.2f}, {d.high:.2f}]"
                     f"  intervals apart: {s.net_margin.low > summarise(rules).net_margin.high}")
        print(line)
    print(f"best allowed incentive knowing the shopper's true state: "
          f"{float(rules.best_net.mean()):.2f} TRY per session; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
