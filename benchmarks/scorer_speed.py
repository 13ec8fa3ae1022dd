"""Time per event of the default reason model: predict + learn, median in microseconds.

Replays a simulated stream; on every event the default reason model predicts from
the session's features and then learns (as if every event were labelled: the worst
case). Also reports the reducer + feature extraction and a full profile.

For a figure that survives a busy machine, the same step is timed in the same run,
on the same events, for the River pipeline the default replaced
(``StandardScaler | SoftmaxRegression``, same arithmetic): the two alternate event
by event, so load hits both alike, and their ratio is printed.

    .venv/bin/python benchmarks/scorer_speed.py
"""

from __future__ import annotations

import argparse
import time
from statistics import median


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=1500, help="simulated shoppers to replay (default 1500)")
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load River and SciPy (seconds)

from river import compose, linear_model, preprocessing  # noqa: E402

from scorer.features import extract_features  # noqa: E402
from scorer.models import DEFAULT_REASON, ReasonModel, add_rule_prior, reason_model  # noqa: E402
from scorer.profile import Scorer  # noqa: E402
from scorer.session import apply  # noqa: E402
from scorer.simulator import SimulatorConfig, collected, simulate  # noqa: E402


def _step_us(model: ReasonModel, x: dict, y: str) -> float:
    t0 = time.perf_counter()
    model.predict_proba_one(x)
    model.learn_one(x, y)
    return (time.perf_counter() - t0) * 1e6


if __name__ == "__main__":
    args = options().parse_args()
    sessions = simulate(SimulatorConfig(sessions=args.sessions, seed=11))
    events = list(collected(sessions))
    truth = {s.session_id: s.persona or "indecision" for s in sessions}
    model, scorer = reason_model(), Scorer()
    baseline = ReasonModel(
        compose.FuncTransformer(add_rule_prior)
        | preprocessing.StandardScaler()
        | linear_model.SoftmaxRegression()
    )
    states, state_us, step_us, baseline_us, profile_us = {}, [], [], [], []
    for i, event in enumerate(events):
        t0 = time.perf_counter()
        state = states[event.session_id] = apply(states.get(event.session_id), event)
        x = extract_features(state)
        state_us.append((time.perf_counter() - t0) * 1e6)
        y = truth[event.session_id]
        step_us.append(_step_us(model, x, y))
        baseline_us.append(_step_us(baseline, x, y))
        if i % 10 == 0:
            t3 = time.perf_counter()
            scorer.profile(state)
            profile_us.append((time.perf_counter() - t3) * 1e6)
    print(f"{len(events)} events, reason model {DEFAULT_REASON!r}")
    print(f"reason predict + learn: {median(step_us):.0f} µs/event (median)")
    print(f"  River StandardScaler | SoftmaxRegression, same run: {median(baseline_us):.0f} µs/event "
          f"(default / baseline = {median(step_us) / median(baseline_us):.2f})")  # fmt: skip
    print(f"reducer + features:     {median(state_us):.0f} µs/event (median)")
    print(f"full profile (default reason + risk models, untrained risk forest): {median(profile_us):.0f} µs (median)")
