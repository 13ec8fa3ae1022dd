"""Time per event of the default reason model: predict + learn, median in microseconds.

Replays a simulated stream; on every event the default reason model predicts from
the session's features and then learns (as if every event were labelled: the worst
case). Also reports the reducer + feature extraction and a full profile.

    .venv/bin/python benchmarks/scorer_speed.py
"""

from __future__ import annotations

import time
from statistics import median

from scorer.features import extract_features
from scorer.models import DEFAULT_REASON, reason_model
from scorer.profile import Scorer
from scorer.session import apply
from scorer.simulator import SimulatorConfig, collected, simulate

if __name__ == "__main__":
    events = list(collected(simulate(SimulatorConfig(sessions=1500, seed=11))))
    truth = {s.session_id: s.persona or "indecision" for s in simulate(SimulatorConfig(sessions=1500, seed=11))}
    model, scorer = reason_model(), Scorer()
    states, state_us, step_us, profile_us = {}, [], [], []
    for i, event in enumerate(events):
        t0 = time.perf_counter()
        state = states[event.session_id] = apply(states.get(event.session_id), event)
        x = extract_features(state)
        t1 = time.perf_counter()
        model.predict_proba_one(x)
        model.learn_one(x, truth[event.session_id])
        t2 = time.perf_counter()
        state_us.append((t1 - t0) * 1e6)
        step_us.append((t2 - t1) * 1e6)
        if i % 10 == 0:
            t3 = time.perf_counter()
            scorer.profile(state)
            profile_us.append((time.perf_counter() - t3) * 1e6)
    print(f"{len(events)} events, reason model {DEFAULT_REASON!r}")
    print(f"reason predict + learn: {median(step_us):.0f} µs/event (median)")
    print(f"reducer + features:     {median(state_us):.0f} µs/event (median)")
    print(f"full profile (default reason + risk models, untrained risk forest): {median(profile_us):.0f} µs (median)")
