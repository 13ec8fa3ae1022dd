"""``cartcoach policy ...``: simulate policies, evaluate one on a decision log, train from a log.

Mounted by ``cartcoach/cli.py`` as the ``policy`` sub-command; the logic is in
``nudges/learning/``. The figures in ``docs/evaluation.md`` ("Learning which nudge
works") come from ``cartcoach policy simulate``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nudges.learning.bandit import LearningPolicy, Visit
from nudges.learning.decision_log import NONE, Joined, coupon_chance, join
from nudges.learning.offpolicy import RewardTable, doubly_robust, ips, snips
from nudges.learning.simulation import (
    DEFAULT_STORES,
    POLICIES,
    Learning,
    generate,
    load_stores,
    make_policy,
    mean_interval,
    plot_regret,
    run_policies,
    summarise,
)
from scorer.events import decode_event

app = typer.Typer(help="Compare nudge policies: simulate them, evaluate one on logged decisions.", no_args_is_help=True)
console = Console(width=150)


def _ci(e, digits: int = 2, scale: float = 1.0) -> str:
    return f"{e.value * scale:.{digits}f} [{e.low * scale:.{digits}f}, {e.high * scale:.{digits}f}]"


@app.command()
def simulate(
    sessions: Annotated[int, typer.Option(min=100, help="simulated sessions (each policy meets the same ones)")] = 100_000,
    seed: int = 1,
    stores: Annotated[Path, typer.Option(help="stores file with one premium and one other store")] = DEFAULT_STORES,
    plot: Annotated[Path, typer.Option(help="where to save the regret plot (PNG)")] = Path("policy-regret.png"),
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the figures as JSON")] = None,
    exploration: Annotated[float, typer.Option(min=0.0, max=0.2, help="learning policy's exploration share")] = 0.05,
    warm_start: Annotated[int, typer.Option(
        min=0, help="decisions of the fixed arms (other shoppers: seed + 1000) the learning policy learns from "
                    "first, as a store trains from its log before switching")] = 150_000,
) -> None:
    """Run no nudge, a blanket 10 % coupon, the reason rules and the learning policy on the
    same simulated sessions; print recovery, coupon cost, refunds and net margin per session
    (95 % intervals) and save the learning policy's regret over time."""
    started = time.perf_counter()
    shoppers = generate(sessions, seed=seed)
    store_pair = load_stores(stores)
    policies = [make_policy(name, seed=seed, epsilon=exploration, warm_start=warm_start, stores=store_pair)
                for name in POLICIES]
    runs = run_policies(policies, shoppers, store_pair)
    summaries = [summarise(run) for run in runs]
    table = Table(title=f"{sessions:,} simulated sessions (seed {seed}); per session, 95 % intervals")
    for column in ("policy", "recovery rate %", "coupon cost TRY", "refund rate %", "net margin TRY",
                   "regret TRY", "coupons shown", "to premium"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    for s in summaries:
        table.add_row(s.name, _ci(s.recovery_rate, 2, 100), _ci(s.coupon_cost), _ci(s.refund_rate, 2, 100),
                      _ci(s.net_margin), f"{s.mean_regret:.2f}", f"{s.coupons_shown:,}", f"{s.premium_coupons_shown:,}")
    console.print(table)
    by = {s.name: s for s in summaries}
    learning, rules, blanket = by["learning"].net_margin, by["rules"].net_margin, by["blanket_coupon"].net_margin
    paired = mean_interval(runs[POLICIES.index("learning")].expected_net - runs[POLICIES.index("rules")].expected_net)
    console.print(f"learning − rules, paired on the same sessions: {_ci(paired)} TRY per session")
    console.print(
        f"net margin: learning above rules with intervals apart: {learning.low > rules.high}; "
        f"rules above blanket coupon with intervals apart: {rules.low > blanket.high}"
    )
    learner = policies[POLICIES.index("learning")]
    charge = learner.policy.waiting.predict_one() if isinstance(learner, Learning) else 0.0
    console.print(f"learning policy's coupon-waiting charge at the end: {charge:.2f} TRY per coupon shown")
    premium = {s.name: s.premium_coupons_shown for s in summaries if s.name in ("rules", "learning")}
    console.print(f"coupons shown to the premium store's shoppers: {premium} (its policy in {stores} allows none)")
    plot_regret([r for r in runs if r.name != "none"], plot)
    console.print(f"regret plot -> {plot}; {time.perf_counter() - started:.0f} s in all")
    if json_out is not None:
        realised = {s.name: s._asdict() for s in (summarise(r, realised=True) for r in runs)}
        payload = {"sessions": sessions, "seed": seed, "warm_start": warm_start, "exploration": exploration,
                   "coupon_waiting_charge": charge,
                   "learning_minus_rules": paired._asdict(), "expected": {s.name: s._asdict() for s in summaries},
                   "realised": realised, "incentives": {r.name: r.incentives for r in runs}}
        json_out.write_text(json.dumps(payload, indent=1, default=float))


def _load(log: Path, margin_pct: float) -> list[Joined]:
    with open(log, "rb") as f:
        events = [decode_event(line) for line in f if line.strip()]
    return join(events, margin_pct)


def _target(policy: str, joined: list[Joined]) -> list[list[float]]:
    """Each logged decision's action probabilities under the candidate ``policy``."""
    out = []
    learner = None
    if policy.startswith("learning:"):
        learner = LearningPolicy(model=Path(policy.split(":", 1)[1]))
    for j in joined:
        names = j.logged.actions
        probs = [0.0] * len(names)
        if policy == "none" or (policy == "rules" and len(names) == 1):
            probs[names.index(NONE)] = 1.0
        elif policy == "rules":
            probs[1] = 1.0  # the engine's first incentive (the fixed arms log it first)
        elif policy == "logged":
            probs = list(j.logged.probs)
        elif policy == "uniform":
            probs = [1.0 / len(names)] * len(names)
        elif learner is not None:
            if j.actions:
                pmf = learner.choose(j.context, j.actions).pmf
                probs = [0.0, *pmf]
            else:
                probs[0] = 1.0
        else:
            raise typer.BadParameter(f"unknown policy {policy!r}", param_hint="--policy")
        out.append(probs)
    return out


@app.command()
def evaluate(
    log: Annotated[Path, typer.Option(help="JSONL of collected events: decisions, purchases, refunds")],
    policy: Annotated[list[str], typer.Option(help="none | rules | logged | uniform | learning:MODEL (repeatable)")] = ["rules"],  # noqa: B006
    margin_pct: Annotated[float, typer.Option(min=0, max=100, help="gross margin turning revenue into margin")] = 30.0,
) -> None:
    """What each candidate policy would have earned per decision on a logged decision stream
    (IPS, self-normalised IPS, doubly robust; 95 % intervals)."""
    joined = _load(log, margin_pct)
    if not joined:
        console.print(f"{log}: no decisions with logged actions (decisions logged before this version lack them)")
        raise typer.Exit(1)
    logged = [j.logged for j in joined]
    model = RewardTable(logged)
    table = Table(title=f"{len(logged):,} logged decisions from {log}; net margin per decision, 95 % intervals")
    for column in ("policy", "IPS", "SNIPS", "doubly robust", "effective n"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    on_policy = sum(d.reward for d in logged) / len(logged)
    for name in policy:
        target = _target(name, joined)
        a, b, c = ips(logged, target), snips(logged, target), doubly_robust(logged, target, model)
        table.add_row(name, _ci(a), _ci(b), _ci(c), f"{a.effective_n:,.0f}")
    console.print(table)
    console.print(f"logged policy's own mean reward: {on_policy:.2f}")


@app.command()
def train(
    log: Annotated[Path, typer.Option(help="JSONL of collected events: decisions, purchases, refunds")],
    out: Annotated[Path, typer.Option(help="model file for the stores file's experiment.policy_model")],
    margin_pct: Annotated[float, typer.Option(min=0, max=100)] = 30.0,
    exploration: Annotated[float, typer.Option(min=0.0, max=0.2, help="exploration the saved model keeps")] = 0.05,
) -> None:
    """Train the learning policy from a decision log, each decision with its delayed reward."""
    joined = _load(log, margin_pct)
    learner = LearningPolicy(epsilon=exploration)
    used = 0
    for j in joined:
        if j.logged.chosen == 0 or not j.actions:
            continue  # the holdout showed nothing: no incentive to learn about
        chance = coupon_chance(list(j.logged.actions), list(j.logged.probs))
        learner.learn(j.context, j.actions, j.logged.chosen - 1, j.logged.probs[j.logged.chosen], j.logged.reward,
                      Visit(j.visitor, j.at, chance) if j.visitor else None)
        used += 1
    learner.save(out)
    console.print(f"learnt from {used:,} decisions ({len(joined) - used:,} holdout or empty) -> {out}")
