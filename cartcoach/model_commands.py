"""``cartcoach model ...``: simulate shoppers, compare models, run the real-data check.

Mounted by ``cartcoach/cli.py`` as the ``model`` sub-command. Every figure in
``docs/evaluation.md`` comes from these commands.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from scorer import uci as uci_check
from scorer.evaluation import Candidate, replay, report
from scorer.events import decode_event
from scorer.models import RISK_CANDIDATES, load_estimator
from scorer.models import ReasonModel, RiskModel, reason_model, risk_model
from scorer.simulator import SimulatorConfig, collected, simulate, to_batches, write_jsonl

app = typer.Typer(help="Simulate shoppers, evaluate models, check on real data.", no_args_is_help=True)
console = Console(width=170)
#: Shipped in the repository (CC BY 4.0, see data/README.md), so a clone needs no path.
DEFAULT_UCI = Path(__file__).resolve().parents[1] / "data" / "online_shoppers_intention.csv"


def _config(sessions: int, seed: int, label_rate: float, noise: float, length: float) -> SimulatorConfig:
    return SimulatorConfig(sessions=sessions, seed=seed, label_rate=label_rate, noise=noise, length=length)


@app.command("simulate")
def simulate_sessions(
    out: Annotated[Path, typer.Option(help="CollectedEvent JSONL to write")] = Path("sim.jsonl"),
    sessions: int = 1000,
    seed: int = 0,
    label_rate: Annotated[float, typer.Option(help="share of abandoning sessions that answer the survey")] = 0.1,
    noise: float = 1.0,
    length: float = 1.0,
    batches_out: Annotated[Path | None, typer.Option(help="also write Batch JSON lines for /v1/collect")] = None,
    write_key: str = "wk_demo_public_0001",
) -> None:
    """Generate simulated sessions as collected events (and optionally raw batches)."""
    generated = simulate(_config(sessions, seed, label_rate, noise, length))
    n = write_jsonl(generated, out)
    if batches_out is not None:
        with open(batches_out, "wb") as f:
            for session in generated:
                for batch in to_batches(session, write_key=write_key):
                    f.write(msgspec.json.encode(batch) + b"\n")
    labelled = sum(1 for s in generated if s.answer is not None)
    console.print(f"{n} events from {sessions} sessions ({labelled} answered the survey) -> {out}")


def _events(events: Path | None, sessions: int, seed: int, label_rate: float, noise: float):
    if events is None:
        return list(collected(simulate(_config(sessions, seed, label_rate, noise, 1.0))))
    with open(events, "rb") as f:
        return [decode_event(line) for line in f if line.strip()]


def _fmt(value) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def _plot(reports: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in reports:
        curve = r.get("reason", {}).get("curve", [])
        if curve:
            ax.plot([p["sessions"] for p in curve], [p["macro_f1"] for p in curve], label=r["name"])
    ax.set_xlabel("sessions seen")
    ax.set_ylabel("reason macro-F1 (per chunk of labels)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


@app.command()
def evaluate(
    events: Annotated[Path | None, typer.Option(help="CollectedEvent JSONL; default: simulate")] = None,
    sessions: int = 20_000,
    seed: int = 1,
    label_rate: float = 0.1,
    noise: float = 1.0,
    reason: Annotated[str, typer.Option(help="comma-separated reason candidates")] = "rules,logreg,softmax,naive_bayes,hoeffding_tree",
    risk: Annotated[str, typer.Option(help="comma-separated risk candidates")] = "base_rate,logreg,hoeffding_tree",
    pipeline: Annotated[list[str] | None, typer.Option(help="your reason classifier, 'module:name'")] = None,
    risk_pipeline: Annotated[list[str] | None, typer.Option(help="your risk classifier, 'module:name'")] = None,
    json_out: Annotated[Path | None, typer.Option("--json")] = None,
    plot: Annotated[Path | None, typer.Option(help="PNG of the learning curves")] = None,
    timing_every: int = 10,
) -> None:
    """Progressive validation of several configurations side by side, in one replay."""
    stream = _events(events, sessions, seed, label_rate, noise)
    candidates = [Candidate(f"reason:{n}", reason=reason_model(n)) for n in filter(None, reason.split(","))]
    candidates += [Candidate(f"reason:{p}", reason=ReasonModel(load_estimator(p))) for p in pipeline or []]
    candidates += [Candidate(f"risk:{n}", risk=risk_model(n)) for n in filter(None, risk.split(","))]
    candidates += [Candidate(f"risk:{p}", risk=RiskModel(load_estimator(p))) for p in risk_pipeline or []]
    started = time.perf_counter()
    stats = replay(stream, candidates, timing_every=timing_every)
    stats["seconds"] = time.perf_counter() - started
    reports = [report(c) for c in candidates]

    table = Table(title=f"Reasons: {stats['events']} events, {stats['sessions']} sessions")
    for column in ("model", "labels", "macro-F1", "recent", "accuracy", "log-loss", "ECE", "µs pred+learn"):
        table.add_column(column)
    for r in reports:
        if "reason" in r:
            m = r["reason"]
            table.add_row(r["name"], str(m["labels"]), _fmt(m["macro_f1"]), _fmt(m["macro_f1_recent"]),
                          _fmt(m["accuracy"]), _fmt(m["log_loss"]), _fmt(m["calibration"]["ece"]),
                          f"{r['timing_us']['predict_plus_learn']:.0f}")  # fmt: skip
    console.print(table)
    per = Table(title="Per reason (precision / recall)")
    per.add_column("model")
    columns = sorted({k for r in reports for k in r.get("reason", {}).get("per_reason", {})})
    for name in columns:
        per.add_column(name)
    for r in reports:
        if "reason" in r:
            pr = r["reason"]["per_reason"]
            per.add_row(r["name"], *(f"{pr[c]['precision']:.2f} / {pr[c]['recall']:.2f}" if c in pr else "-" for c in columns))
    console.print(per)
    risk_table = Table(title="Risk (at the cart moment)")
    for column in ("model", "examples", "ROC AUC", "log-loss", "Brier", "accuracy", "trained at outcome"):
        risk_table.add_column(column)
    for r in reports:
        if "risk" in r:
            m = r["risk"]
            trained = "never" if m["trained_at_outcome"] is None else str(m["trained_at_outcome"])
            risk_table.add_row(r["name"], str(m["examples"]), _fmt(m["roc_auc"]), _fmt(m["log_loss"]),
                               _fmt(m["brier"]), _fmt(m["accuracy"]), trained)  # fmt: skip
    console.print(risk_table)
    console.print(f"state + features: {stats['state_and_features_us_median']:.1f} µs/event (median); "
                  f"replay took {stats['seconds']:.1f} s")  # fmt: skip
    if json_out is not None:
        json_out.write_text(json.dumps({"stream": stats, "candidates": reports}, indent=2, default=str))
    if plot is not None:
        _plot(reports, plot)


@app.command()
def uci(
    data: Annotated[Path, typer.Option(help="online_shoppers_intention.csv")] = DEFAULT_UCI,
    models: Annotated[str, typer.Option(help="comma-separated risk candidates")] = "logreg,naive_bayes,hoeffding_tree,forest",
    repeats: Annotated[int, typer.Option(help="70/30 splits (published: 100)")] = 10,
    json_out: Annotated[Path | None, typer.Option("--json")] = None,
) -> None:
    """The risk model on real sessions: prequential (month order) and the published batch protocol."""
    if not data.is_file():
        raise typer.BadParameter(
            f"{data} not found: a clone has it in data/ (an installed wheel does not); pass --data PATH",
            param_hint="--data",
        )
    rows = uci_check.load(data)
    variants = {"with PageValues": rows, "without PageValues": uci_check.without_page_values(rows)}
    results = []
    for name in models.split(","):
        if name not in RISK_CANDIDATES:
            raise typer.BadParameter(f"unknown risk model {name!r}")
        for variant, data_rows in variants.items():
            make = lambda: risk_model(name)  # noqa: E731
            entry = {"model": name, "data": variant,
                     "prequential": uci_check.prequential(data_rows, make),
                     "batch": uci_check.batch(data_rows, make, repeats=repeats),
                     "batch_oversampled": uci_check.batch(data_rows, make, repeats=repeats, oversample=True)}  # fmt: skip
            results.append(entry)
    table = Table(title=f"UCI online shoppers: predicting a purchase ({len(rows)} sessions)")
    for column in ("model", "data", "preq. AUC", "preq. F1", "trained at", "batch AUC", "batch acc.", "batch F1", "oversampled F1"):
        table.add_column(column)
    for e in results:
        p, b, o = e["prequential"], e["batch"], e["batch_oversampled"]
        trained = "never" if p["trained_at_session"] is None else str(p["trained_at_session"])
        table.add_row(e["model"], e["data"], _fmt(p["roc_auc"]), _fmt(p["f1"]), trained, _fmt(b["roc_auc"]),
                      _fmt(b["accuracy"]), _fmt(b["f1"]), _fmt(o["f1"]))  # fmt: skip
    console.print(table)
    console.print("Published (batch): Sakar et al. 2019 MLP F1 0.58 imbalanced, 0.86 oversampled "
                  "(accuracy 87.24 %); Heliyon 2023 gradient boosting auROC 0.937.")  # fmt: skip
    if json_out is not None:
        json_out.write_text(json.dumps({"repeats": repeats, "results": results}, indent=2))
