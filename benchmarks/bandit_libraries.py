"""Benchmark: the learning policy against Vowpal Wabbit's cb_explore_adf and River's contextual bandit.

    .venv/bin/python benchmarks/bandit_libraries.py                  # 5,000 sessions
    .venv/bin/python benchmarks/bandit_libraries.py --sessions 20000

Both learn on the same simulated sessions (``nudges/learning/uplift.py``), in time
order, with the reward (net margin) of each decision arriving after the attribution
window, and choose among the same candidates (the scenario engine's first three allowed
incentives). Baseline, measured in the same run on the same sessions: the reason rules
(the engine's first variant). Printed: net margin per session (expected, with its 95 %
interval) as a ratio to the rules', mean regret against the simulator's best policy, and
the time per decision (choose + learn).

* The learning policy: :class:`nudges.learning.bandit.LearningPolicy` (ε-greedy, ε = 5 %,
  on exact ridge estimates: a shared part and one part per incentive).
* Vowpal Wabbit: ``cb_explore_adf`` (ε = 5 %) with the features and options the learning
  policy used before (``benchmarks/policy_values.py``).
* River: ``river.bandit.LinUCBDisjoint`` (River's only contextual policy: one Bayesian
  linear regression per arm on the shared context), ε-greedy around it so that it too
  has a propensity to log (LinUCB alone is deterministic).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=5000, help="simulated sessions (default 5,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epsilon", type=float, default=0.05, help="exploration share of the learning policy and River (Vowpal Wabbit keeps 5 %%)")
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load River and SciPy (seconds)

from nudges.learning.bandit import CANDIDATES  # noqa: E402
from nudges.learning.simulation import (  # noqa: E402
    DEFAULT_STORES,
    Chosen,
    Moment,
    generate,
    load_stores,
    make_policy,
    run_policies,
    summarise,
)
from policy_values import VowpalWabbit  # noqa: E402  (benchmarks/, beside this script)


class VowpalWabbitPolicy:
    """Vowpal Wabbit's own ε-greedy pmf, sampled, with its propensity."""

    name = "vowpal_wabbit"

    def __init__(self, seed: int) -> None:
        self.learner = VowpalWabbit(seed)
        self.random = random.Random(seed)

    def choose(self, moment: Moment) -> Chosen:
        actions = moment.actions[:CANDIDATES]
        pmf = self.learner.estimates(moment.seen, actions)
        total = sum(pmf)
        index = self.random.choices(range(len(actions)), weights=pmf)[0]
        action = actions[index]
        pct = round(action.cost / moment.shopper.cart * 100) if action.incentive == "coupon" else 0.0
        return Chosen(action.incentive, action.cost, pct, pmf[index] / total, index)

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        self.learner.learn(moment.seen, moment.actions[:CANDIDATES], chosen.index, chosen.probability, reward)


class RiverLinUCB:
    """River's LinUCBDisjoint as a policy: arms are incentive names, context is a flat dict."""

    name = "river_linucb"

    def __init__(self, epsilon: float, seed: int) -> None:
        from river import bandit

        self.bandit = bandit.LinUCBDisjoint(alpha=1.0, seed=seed)
        self.epsilon = epsilon
        self.random = random.Random(seed)
        self.seconds = 0.0

    @staticmethod
    def _context(moment: Moment) -> dict[str, float]:
        seen = moment.seen
        x = {f"p_{r}": v for r, v in seen.reasons.items()}
        x.update(conf=seen.confidence, risk=seen.risk, lcart=math.log10(max(seen.cart_value, 1.0)),
                 premium=float(seen.brand_tier == "premium"), mobile=float(seen.device == "mobile"),
                 bold=float(seen.boldness), coupon_ok=float(seen.coupon_eligible))
        x[f"channel_{seen.channel}"] = 1.0
        return x

    def choose(self, moment: Moment) -> Chosen:
        started = time.perf_counter()
        actions = moment.actions[:CANDIDATES]
        names = [a.incentive for a in actions]
        greedy = names.index(self.bandit.pull(names, context=self._context(moment)))
        k = len(actions)
        index = self.random.randrange(k) if self.random.random() < self.epsilon else greedy
        probability = (1 - self.epsilon) * (index == greedy) + self.epsilon / k
        self.seconds += time.perf_counter() - started
        action = actions[index]
        pct = round(action.cost / moment.shopper.cart * 100) if action.incentive == "coupon" else 0.0
        return Chosen(action.incentive, action.cost, pct, probability, index)

    def learn(self, moment: Moment, chosen: Chosen, reward: float) -> None:
        started = time.perf_counter()
        self.bandit.update(chosen.incentive, self._context(moment), reward / max(moment.shopper.cart, 10.0))
        self.seconds += time.perf_counter() - started


class Timed:
    """Times a policy's choose + learn."""

    def __init__(self, policy) -> None:
        self.policy, self.name, self.seconds = policy, policy.name, 0.0

    def choose(self, moment):
        started = time.perf_counter()
        try:
            return self.policy.choose(moment)
        finally:
            self.seconds += time.perf_counter() - started

    def learn(self, moment, chosen, reward):
        started = time.perf_counter()
        self.policy.learn(moment, chosen, reward)
        self.seconds += time.perf_counter() - started


def main() -> None:
    args = options().parse_args()

    shoppers = generate(args.sessions, seed=args.seed)
    stores = load_stores(DEFAULT_STORES)
    rules = make_policy("rules")
    ours = Timed(make_policy("learning", seed=args.seed, epsilon=args.epsilon))
    vw = Timed(VowpalWabbitPolicy(args.seed))
    river = RiverLinUCB(args.epsilon, args.seed)
    runs = run_policies([rules, ours, vw, river], shoppers, stores)
    base = summarise(runs[0]).net_margin.value
    print(f"{args.sessions:,} simulated sessions, seed {args.seed}; baseline: reason rules, same run")
    print(f"{'policy':15s} {'net margin / session (95 % CI)':>32s} {'÷ rules':>8s} {'regret':>8s} {'µs / decision':>14s}")
    for run, policy in zip(runs, [None, ours, vw, river], strict=True):
        s = summarise(run)
        us = f"{policy.seconds / args.sessions * 1e6:,.0f}" if policy is not None else "-"
        ci = f"{s.net_margin.value:.2f} [{s.net_margin.low:.2f}, {s.net_margin.high:.2f}]"
        print(f"{run.name:15s} {ci:>32s} {s.net_margin.value / base:8.3f} {s.mean_regret:8.2f} {us:>14s}")


if __name__ == "__main__":
    main()
