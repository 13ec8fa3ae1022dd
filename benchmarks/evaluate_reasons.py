"""Reproduce the model-selection figures in docs/evaluation.md.

Runs the simulator (20,000 sessions, survey answered by 10 % of abandoning
sessions) through every reason and risk candidate with progressive validation,
then the UCI real-data check. Writes JSON and the learning-curve PNG to docs/.

    .venv/bin/python benchmarks/evaluate_reasons.py
"""

from pathlib import Path

from cartcoach.model_commands import evaluate, uci

if __name__ == "__main__":
    evaluate(
        events=None, sessions=20_000, seed=1, label_rate=0.1, noise=1.0,
        reason="rules,logreg,softmax,naive_bayes,hoeffding_tree,adaptive_tree",
        risk="base_rate,logreg,naive_bayes,hoeffding_tree,forest",
        pipeline=None, risk_pipeline=None,
        json_out=Path("docs/evaluation-simulator.json"),
        plot=Path("docs/learning-curves.png"),
        timing_every=10,
    )
    uci(models="logreg,naive_bayes,hoeffding_tree,adaptive_tree,forest", repeats=10,
        json_out=Path("docs/evaluation-uci.json"))
