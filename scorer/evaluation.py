"""Progressive (test-then-train) evaluation of reason and risk models on an event log.

Why this protocol: the product learns online, so the honest question is "how good
was each answer at the moment it was given, by a model that had not seen that
label yet". The harness replays :class:`~scorer.events.CollectedEvent` records
(simulated or recorded JSONL) through the reducer once and feeds every candidate
the same features:

* a ``survey_answer`` is a reason label: each reason model predicts from the
  session's state just before the answer, is scored, then learns it; an event the
  reducer has already seen (a re-delivered batch) counts once, as in the stream;
* the risk model is asked at the cart moment (the state right after the
  session's first ``cart_view``) and learns the outcome when it is known: a
  ``purchase`` (not abandoned), or no purchase by the session's end (abandoned).
  Sessions that never view the cart are not cart abandonments and are left out.

Figures: macro-F1 (cumulative and over the latest quarter of labels), per-reason
precision/recall, log-loss, calibration (top-label reliability and ECE), a
learning curve (macro-F1 per chunk of labels against sessions seen), risk ROC AUC,
and time per prediction and per learning step (sampled every ``timing_every`` events).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median

from scorer import metrics
from scorer.events import REASONS, CollectedEvent
from scorer.features import extract_features
from scorer.models import ReasonModel, RiskModel
from scorer.session import SessionState, apply

#: A session with no event for this long is over (Faust sweeps on the same rule).
SESSION_TIMEOUT_MS = 30 * 60 * 1000


@dataclass
class Candidate:
    """One configuration under test; ``reason`` or ``risk`` may be absent."""

    name: str
    reason: ReasonModel | None = None
    risk: RiskModel | None = None
    reason_true: list[str] = field(default_factory=list)
    reason_pred: list[str] = field(default_factory=list)
    reason_proba: list[dict] = field(default_factory=list)
    reason_sessions: list[int] = field(default_factory=list)
    risk_scores: list[float] = field(default_factory=list)
    risk_true: list[bool] = field(default_factory=list)
    risk_sessions: list[int] = field(default_factory=list)
    #: Outcomes learned when the risk model first passed its "ranks" criterion (None: never).
    risk_trained_at: int | None = None
    predict_us: list[float] = field(default_factory=list)
    learn_us: list[float] = field(default_factory=list)


def _argmax(proba: dict) -> str:
    return max(REASONS, key=lambda r: (proba.get(r, 0.0), -REASONS.index(r)))


def replay(
    events: Iterable[CollectedEvent], candidates: list[Candidate], timing_every: int = 10
) -> dict:
    """Run every candidate over the stream (ordered by arrival); return stream statistics."""
    states: dict[str, SessionState] = {}
    snapshots: dict[str, dict[str, float]] = {}  # risk: features at the cart moment
    last_seen: dict[str, int] = {}
    state_us: list[float] = []
    n_events = 0

    def close(sid: str, abandoned: bool) -> None:
        x = snapshots.pop(sid, None)
        if x is None:
            return
        for c in candidates:
            if c.risk is not None:
                c.risk_scores.append(c.risk.risk(x))
                c.risk_true.append(abandoned)
                c.risk_sessions.append(len(states))
                c.risk.learn_one(x, abandoned)
                if c.risk_trained_at is None and c.risk.ranks:
                    c.risk_trained_at = c.risk.n_learned

    for event in events:
        n_events += 1
        sid = event.session_id
        state = states.get(sid)
        t0 = time.perf_counter()
        new_state = apply(state, event)
        apply_us = (time.perf_counter() - t0) * 1e6
        # A re-delivered event (the reducer's duplicate check) teaches and scores nothing.
        accepted = state is None or new_state.events != state.events
        if accepted and event.type == "survey_answer" and state is not None and event.answer in REASONS:
            x = extract_features(state)
            for c in candidates:
                if c.reason is None:
                    continue
                t0 = time.perf_counter()
                proba = c.reason.predict_proba_one(x)
                t1 = time.perf_counter()
                c.reason.learn_one(x, event.answer)
                c.learn_us.append((time.perf_counter() - t1) * 1e6)
                c.predict_us.append((t1 - t0) * 1e6)
                c.reason_true.append(event.answer)
                c.reason_pred.append(_argmax(proba))
                c.reason_proba.append(proba)
                c.reason_sessions.append(len(states))
        elif accepted and event.type == "purchase":
            close(sid, abandoned=False)

        state = new_state
        x = None
        if n_events % timing_every == 0:
            t0 = time.perf_counter()
            x = extract_features(state)
            state_us.append(apply_us + (time.perf_counter() - t0) * 1e6)
        states[sid] = state
        last_seen[sid] = event.at
        if event.type == "cart_view" and sid not in snapshots and state.counts.get("purchase", 0) == 0:
            snapshots[sid] = extract_features(state)
        if x is not None:
            for c in candidates:
                if c.reason is not None:
                    t0 = time.perf_counter()
                    c.reason.predict_proba_one(x)
                    c.predict_us.append((time.perf_counter() - t0) * 1e6)
        if n_events % 1000 == 0:
            for old in [s for s, at in last_seen.items() if at < event.at - SESSION_TIMEOUT_MS]:
                del last_seen[old]
                close(old, abandoned=True)
    for sid in list(last_seen):
        close(sid, abandoned=True)
    return {
        "events": n_events,
        "sessions": len(states),
        "state_and_features_us_median": median(state_us) if state_us else None,
    }


def _curve(c: Candidate, chunk: int) -> list[dict]:
    points = []
    for start in range(0, len(c.reason_true) - chunk + 1, chunk):
        end = start + chunk
        points.append(
            {
                "sessions": c.reason_sessions[end - 1],
                "labels": end,
                "macro_f1": metrics.macro_f1(c.reason_true[start:end], c.reason_pred[start:end]),
            }
        )
    return points


def report(c: Candidate, curve_chunk: int = 200) -> dict:
    """Every figure for one candidate, as plain JSON-ready data."""
    out: dict = {"name": c.name}
    if c.reason is not None and c.reason_true:
        n = len(c.reason_true)
        recent = n - max(n // 4, 1)
        confidence = [p.get(y_hat, 0.0) for p, y_hat in zip(c.reason_proba, c.reason_pred)]
        correct = [t == p for t, p in zip(c.reason_true, c.reason_pred)]
        out["reason"] = {
            "labels": n,
            "macro_f1": metrics.macro_f1(c.reason_true, c.reason_pred),
            "macro_f1_recent": metrics.macro_f1(c.reason_true[recent:], c.reason_pred[recent:]),
            "accuracy": sum(correct) / n,
            "log_loss": metrics.log_loss(c.reason_proba, c.reason_true),
            "per_reason": metrics.per_class(c.reason_true, c.reason_pred),
            "calibration": metrics.calibration(confidence, correct),
            "curve": _curve(c, curve_chunk),
        }
    if c.risk is not None and c.risk_true:
        n = len(c.risk_true)
        probas = [{True: s, False: 1 - s} for s in c.risk_scores]
        out["risk"] = {
            "examples": n,
            "abandon_rate": sum(c.risk_true) / n,
            "roc_auc": metrics.roc_auc(c.risk_scores, c.risk_true),
            "log_loss": metrics.log_loss(probas, c.risk_true),
            "brier": sum((s - y) ** 2 for s, y in zip(c.risk_scores, c.risk_true)) / n,
            "accuracy": sum((s >= 0.5) == y for s, y in zip(c.risk_scores, c.risk_true)) / n,
            # The profile's "risk not yet trained" until this many outcomes (None: all along).
            "trained_at_outcome": c.risk_trained_at,
            "progressive_auc_recent": c.risk.progressive_auc,
        }
    if c.predict_us:
        predict = median(c.predict_us)
        learn = median(c.learn_us) if c.learn_us else 0.0
        out["timing_us"] = {"predict_median": predict, "learn_median": learn,
                            "predict_plus_learn": predict + learn}  # fmt: skip
    return out
