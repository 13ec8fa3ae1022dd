"""How well the learning policy's per-incentive value estimates rank the incentives.

    .venv/bin/python benchmarks/policy_values.py                     # 50,000 decisions to learn from
    .venv/bin/python benchmarks/policy_values.py --train 20000 --test 5000

Why: the learning policy can only beat the reason rules if its estimate of what each
allowed incentive earns in a context ranks them better than the scenario engine does.
This learns from the fixed arms' decisions (the three candidates at random, propensity
⅓, rewards drawn from the uplift simulator, exactly what ``cartcoach policy simulate``'s
warm start feeds it) on shoppers of seed + 1000, then, on other shoppers (seed), asks the
estimates for every candidate and scores the greedy choice with the simulator's *exact*
expected net margin (``nudges.learning.uplift.expected``: used only to score, never seen
by a learner). Printed: a few contexts with each candidate's estimate beside its exact
value (both per unit of cart), then per estimator the mean exact net margin of its greedy
choice minus the rules' (baseline: the engine's first candidate, same shoppers), with a
95 % interval, beside the best candidate known from the truth.

Estimators: the learning policy (``nudges.learning.bandit.LearningPolicy``), and a
Vowpal Wabbit ``cb_explore_adf`` with the features and options the policy used before
(kept here to show why it was replaced).
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
    parser.add_argument("--train", type=int, default=50_000, help="fixed-arms decisions learnt from (seed + 1000)")
    parser.add_argument("--test", type=int, default=20_000, help="shoppers the greedy choices are scored on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=6, help="contexts printed with estimates and exact values")
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load River and SciPy (seconds)

from nudges.learning.bandit import CANDIDATES, Action, LearningPolicy, PolicyContext  # noqa: E402
from nudges.learning.simulation import (  # noqa: E402
    DEFAULT_STORES,
    WARM_START_SEED_OFFSET,
    Chosen,
    FixedArms,
    Moment,
    _facts,
    _pct,
    generate,
    load_stores,
    run_policies,
)
from nudges.learning.uplift import UpliftParameters, expected, is_gaming  # noqa: E402
from scorer.events import REASONS  # noqa: E402


class VowpalWabbit:
    """The previous learning policy's value model: VW ``cb_explore_adf``, direct method, each
    context namespace crossed with the incentive, two cubic crossings, the engine's score as
    an action feature, cost ÷ cart learnt by stochastic gradient."""

    ARGS = "--cb_explore_adf --epsilon 0.05 --cb_type dm -q RI -q SI -q NI -q AI --cubic RSI --cubic RNI -l 0.05"

    def __init__(self, seed: int) -> None:
        from vowpalwabbit import Workspace

        self.vw = Workspace(f"{self.ARGS} --random_seed {seed} --quiet")

    @staticmethod
    def _lines(ctx: PolicyContext, actions: list[Action]) -> list[str]:
        reasons = " ".join(f"{r}:{ctx.reasons.get(r, 0.0)}" for r in REASONS if ctx.reasons.get(r, 0.0) > 0)
        state = (f"tier={ctx.brand_tier} stock={ctx.stock_level or 'unknown'} bold={ctx.boldness} "
                 f"device={ctx.device or 'unknown'} channel={ctx.channel or 'unknown'}"
                 + ("" if ctx.coupon_eligible else " no_coupon"))
        lcart = round(math.log10(max(ctx.cart_value, 1.0)), 3)
        lines = [f"shared |R {reasons} |N conf:{ctx.confidence} risk:{ctx.risk} lcart:{lcart} |S {state}"]
        for a in actions:
            share = round(a.cost / ctx.cart_value, 4) if ctx.cart_value > 0 else 0.0
            lines.append(f"|I i={a.incentive} |A r={a.reason} match:{ctx.reasons.get(a.reason, 0.0)} cost:{share} "
                         f"prior:{round(a.prior, 4)}")
        return lines

    def estimates(self, ctx: PolicyContext, actions: list[Action]) -> list[float]:
        # Greedy action of the pmf (ε spread evenly): the largest probability.
        return list(self.vw.predict(self._lines(ctx, actions)))

    def learn(self, ctx: PolicyContext, actions: list[Action], chosen: int, probability: float, reward: float) -> None:
        lines = self._lines(ctx, actions)
        cost = min(1.0, max(-1.0, -reward / max(ctx.cart_value, 10.0)))
        lines[1 + chosen] = f"0:{cost}:{probability} {lines[1 + chosen]}"
        self.vw.learn(lines)


class Both:
    """Feeds one fixed-arms log to several learners."""

    def __init__(self, learners: list) -> None:
        self.learners = learners

    def learn(self, ctx, actions, chosen, probability, reward, visit=None) -> None:
        # The visit (what a coupon costs the visitor's later sessions) is left out: this script
        # compares one decision's value estimates with its exact value, as it did before visits.
        for learner in self.learners:
            learner.learn(ctx, actions, chosen, probability, reward)


class Recorder(FixedArms):
    """Records each test moment with every candidate's exact value (per unit of cart)."""

    def __init__(self, seed: int, stores, params: UpliftParameters) -> None:
        super().__init__(seed)
        self.facts, self.params = [_facts(stores[0]), _facts(stores[1])], params
        self.rows: list[tuple[Moment, list[float]]] = []

    def choose(self, moment: Moment) -> Chosen:
        s = moment.shopper
        gaming, fact = is_gaming(s, self.params), self.facts[s.store]
        exact = [expected(s, gaming, a.incentive, a.cost, _pct(a, s), fact, self.params).net / s.cart
                 for a in moment.actions[:CANDIDATES]]
        self.rows.append((moment, exact))
        return super().choose(moment)


def main() -> None:
    args = options().parse_args()
    started = time.perf_counter()
    stores, params = load_stores(DEFAULT_STORES), UpliftParameters()
    learners = {"learning policy": LearningPolicy(seed=args.seed), "vowpal wabbit (before)": VowpalWabbit(args.seed)}
    run_policies([FixedArms(args.seed, Both(list(learners.values())))],
                 generate(args.train, seed=args.seed + WARM_START_SEED_OFFSET), stores)
    recorder = Recorder(args.seed, stores, params)
    run_policies([recorder], generate(args.test, seed=args.seed), stores)
    gains: dict[str, list[float]] = {name: [] for name in ("best candidate (truth)", *learners)}
    shown = 0
    for moment, exact in recorder.rows:
        actions, cart = moment.actions[:CANDIDATES], moment.shopper.cart
        rules = exact[0] * cart
        gains["best candidate (truth)"].append(max(exact) * cart - rules)
        estimates = {name: learner.estimates(moment.seen, actions) for name, learner in learners.items()}
        for name, values in estimates.items():
            gains[name].append(exact[int(np.argmax(values))] * cart - rules)
        if shown < args.show and len(actions) == CANDIDATES:
            shown += 1
            s = moment.shopper
            print(f"{s.primary}{' + ' + s.secondary if s.secondary else ''}, {s.device}, {s.channel}, "
                  f"cart {s.cart:.0f}; seen top {moment.seen.reasons and max(moment.seen.reasons, key=moment.seen.reasons.get)}")
            ours = estimates["learning policy"]
            for a, e, o in zip(actions, exact, ours, strict=True):
                print(f"    {a.incentive:22s} exact {e:7.4f}   learning policy {o:7.4f}")
    print(f"\n{args.train:,} fixed-arms decisions learnt, {len(recorder.rows):,} shoppers scored; "
          "greedy choice's exact net margin − the rules' (TRY per session, 95 % interval):")
    for name, values in gains.items():
        d = np.array(values)
        half = 1.959964 * d.std(ddof=1) / math.sqrt(len(d))
        print(f"    {name:26s} {d.mean():+6.2f} [{d.mean() - half:+.2f}, {d.mean() + half:+.2f}]")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
