"""Reproduce the model-selection figures in docs/evaluation.md .

Runs the simulator (20,000 sessions, survey answered by 10 % of abandoning
sessions) through every reason and risk candidate with progressive validation,
then the Bayes oracle on the same sessions (the ceiling of any reason model on
this stream), then the oracle, the rules and the default model with one source
of the simulator's noise switched off at a time (what limits the ceiling), then
the UCI real-data check. Writes JSON and the learning-curve PNG to docs/.

    .venv/bin/python benchmarks/evaluate_reasons.py
    .venv/bin/python benchmarks/evaluate_reasons.py --label-rates 0.1,0.3   # default vs oracle by training size
    .venv/bin/python benchmarks/evaluate_reasons.py --seeds 1-10   # default vs oracle over seeds
"""

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path
from unittest import mock


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label-rates", help="only the default model and the oracle, at these comma-separated "
                                              "survey answer rates (e.g. 0.1,0.3), and nothing else")
    parser.add_argument("--seeds", help="only the default model, the previous default and the oracle at the "
                                        "benchmark's settings, over these simulator seeds (e.g. 1-10)")
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load River and SciPy (seconds)

from cartcoach.model_commands import evaluate, uci  # noqa: E402
from scorer import metrics, simulator  # noqa: E402
from scorer.evaluation import Candidate, replay, report  # noqa: E402
from scorer.events import REASONS  # noqa: E402
from scorer.models import DEFAULT_REASON, reason_model  # noqa: E402
from scorer.oracle import answer_posterior  # noqa: E402
from scorer.simulator import SimulatorConfig, collected, simulate  # noqa: E402


def oracle_figures(config: SimulatorConfig) -> dict:
    """The oracle's macro-F1, accuracy and log-loss against the survey answers."""
    answered = [s for s in simulate(config) if s.answer in REASONS]
    probas = [answer_posterior(s, config) for s in answered]
    truth = [s.answer for s in answered]
    predicted = [max(REASONS, key=lambda r: (p[r], -REASONS.index(r))) for p in probas]
    return {
        "labels": len(truth),
        "macro_f1": metrics.macro_f1(truth, predicted),
        "macro_f1_vs_persona": metrics.macro_f1([s.persona for s in answered], predicted),
        "accuracy": sum(t == p for t, p in zip(truth, predicted)) / len(truth),
        "log_loss": metrics.log_loss(probas, truth),
        "per_reason": metrics.per_class(truth, predicted),
        "answer_equals_persona": sum(s.answer == s.persona for s in answered) / len(truth),
    }


def what_if(name: str, config: SimulatorConfig) -> dict:
    """Oracle, rules and default model on one simulator variant, every abandoner answering."""
    candidates = [Candidate("rules", reason=reason_model("rules")), Candidate("default", reason=reason_model())]
    replay(collected(simulate(config)), candidates, timing_every=10**9)
    out = {"variant": name, "oracle": oracle_figures(config)["macro_f1"]}
    for c in candidates:
        out[c.name] = metrics.macro_f1(c.reason_true, c.reason_pred)
    print(f"{name:45} labels {len(candidates[0].reason_true):5}  rules {out['rules']:.3f}  "
          f"default {out['default']:.3f}  oracle {out['oracle']:.3f}")  # fmt: skip
    return out


def by_label_rate(rates: list[float]) -> None:
    """The default model against the oracle on the benchmark's sessions (seed 1, 20,000), with
    more of the abandoning sessions answering the survey: how the ratio grows with labels."""
    for rate in rates:
        config = SimulatorConfig(sessions=20_000, seed=1, label_rate=rate, noise=1.0)
        default = Candidate("default", reason=reason_model())
        replay(collected(simulate(config)), [default], timing_every=10**9)
        f1 = metrics.macro_f1(default.reason_true, default.reason_pred)
        oracle = oracle_figures(config)["macro_f1"]
        half = len(default.reason_true) // 2
        later = metrics.macro_f1(default.reason_true[half:], default.reason_pred[half:])
        print(f"label rate {rate:.2f}: {len(default.reason_true):5} labels, default macro-F1 {f1:.3f}, "
              f"oracle {oracle:.3f}, default / oracle {f1 / oracle:.1%} (second half of the labels: {later:.3f})")


#: The default before session 10, measured beside the default in the same run.
PREVIOUS_DEFAULT = "softmax+bayes"


def by_seed(seeds: list[int]) -> None:
    """The default and the previous default against the oracle at the benchmark's settings
    (20,000 sessions, 10 % of abandoners answering), one simulator seed at a time: the
    ratio's spread between seeds is the figure's uncertainty."""
    ratios: dict[str, list[float]] = {DEFAULT_REASON: [], PREVIOUS_DEFAULT: []}
    for seed in seeds:
        config = SimulatorConfig(sessions=20_000, seed=seed, label_rate=0.1, noise=1.0)
        candidates = [Candidate(name, reason=reason_model(name)) for name in ratios]
        replay(collected(simulate(config)), candidates, timing_every=10**9)
        oracle = oracle_figures(config)["macro_f1"]
        line = [f"seed {seed:3}: {len(candidates[0].reason_true):5} labels, oracle {oracle:.3f}"]
        for c in candidates:
            figures = report(c)["reason"]
            ratios[c.name].append(figures["macro_f1"] / oracle)
            line.append(f"{c.name} {figures['macro_f1']:.3f} = {ratios[c.name][-1]:.1%} "
                        f"(log-loss {figures['log_loss']:.3f}, ECE {figures['calibration']['ece']:.3f})")
        print("; ".join(line), flush=True)
    for name, values in ratios.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"{name}: default / oracle mean {statistics.mean(values):.1%}, sd {spread:.1%}, "
              f"min {min(values):.1%}, max {max(values):.1%}, at least 95 % on {sum(v >= 0.95 for v in values)} "
              f"of {len(values)} seeds")
    gain = [a - b for a, b in zip(ratios[DEFAULT_REASON], ratios[PREVIOUS_DEFAULT])]
    print(f"{DEFAULT_REASON} - {PREVIOUS_DEFAULT}, paired by seed: mean {statistics.mean(gain):+.1%} "
          f"(better on {sum(g > 0 for g in gain)} of {len(gain)} seeds)")


def _seed_list(text: str) -> list[int]:
    """``1-10`` or ``1,4,7`` (or both, comma-separated)."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


if __name__ == "__main__":
    args = options().parse_args()
    if args.seeds:
        by_seed(_seed_list(args.seeds))
        raise SystemExit(0)
    if args.label_rates:
        by_label_rate([float(x) for x in args.label_rates.split(",")])
        raise SystemExit(0)
    sim_json = Path("docs/evaluation-simulator.json")
    evaluate(
        events=None, sessions=20_000, seed=1, label_rate=0.1, noise=1.0,
        reason="rules,logreg,softmax,naive_bayes,hoeffding_tree,adaptive_tree,signal_bayes,softmax+bayes,engagement_bayes",
        risk="base_rate,logreg,naive_bayes,hoeffding_tree,forest",
        pipeline=None, risk_pipeline=None,
        json_out=sim_json,
        plot=Path("docs/learning-curves.png"),
        timing_every=10,
    )
    report = json.loads(sim_json.read_text())
    oracle = oracle_figures(SimulatorConfig(sessions=20_000, seed=1, label_rate=0.1, noise=1.0))
    print(f"Bayes oracle on the same answers: macro-F1 {oracle['macro_f1']:.3f} "
          f"(vs the true persona {oracle['macro_f1_vs_persona']:.3f}), accuracy {oracle['accuracy']:.3f}, "
          f"log-loss {oracle['log_loss']:.3f}; answers naming the persona: {oracle['answer_equals_persona']:.3f}")  # fmt: skip
    default = next(c for c in report["candidates"] if c["name"] == f"reason:{DEFAULT_REASON}")["reason"]
    print(f"Default reason model ({DEFAULT_REASON}): macro-F1 {default['macro_f1']:.3f} = "
          f"{default['macro_f1'] / oracle['macro_f1']:.1%} of the Bayes oracle's {oracle['macro_f1']:.3f} "
          "(target: at least 95 %)")  # fmt: skip
    risks = {c["name"]: c["risk"] for c in report["candidates"] if "risk" in c}
    print("Risk ranking on simulated outcomes (ROC AUC at the cart moment): "
          + ", ".join(f"{n.split(':')[1]} {r['roc_auc']:.3f}" for n, r in risks.items()))  # fmt: skip
    report["default_vs_oracle"] = default["macro_f1"] / oracle["macro_f1"]
    base = SimulatorConfig(sessions=10_000, seed=3, label_rate=1.0)
    variants = [
        what_if("defaults", base),
        what_if("answers always name the persona (answer_noise 0)", replace(base, answer_noise=0.0)),
        what_if("no second motive (mixed_share 0)", replace(base, mixed_share=0.0)),
        what_if("no stray signals (noise 0)", replace(base, noise=0.0)),
    ]
    with mock.patch.dict(simulator.CHECKOUT_ENTRY, {"checkout_friction": 1.0}):
        variants.append(what_if("friction shoppers always reach checkout", base))
    report["oracle"] = oracle
    report["what_if"] = variants
    sim_json.write_text(json.dumps(report, indent=2, default=str))
    uci(models="logreg,naive_bayes,hoeffding_tree,adaptive_tree,forest", repeats=10,
        json_out=Path("docs/evaluation-uci.json"))
