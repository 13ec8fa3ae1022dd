"""Exact metrics for progressive validation, computed from recorded predictions.

Why not River's running metrics: the report needs several views of the same
predictions (per reason, per chunk of the learning curve, calibration bins), and
River's ROC AUC is an approximation on fixed thresholds; recording the
predictions once and computing exact figures keeps every number reproducible by hand.

>>> macro_f1(["a", "b", "b"], ["a", "b", "a"])
0.6666666666666666
>>> roc_auc([0.9, 0.8, 0.3, 0.1], [True, False, True, False])
0.75
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def per_class(y_true: Sequence, y_pred: Sequence) -> dict:
    """Precision, recall, F1 and support for every class seen in either sequence."""
    classes = sorted(set(y_true) | set(y_pred), key=str)
    out = {}
    for c in classes:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == c and p == c)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != c and p == c)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[c] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return out


def macro_f1(y_true: Sequence, y_pred: Sequence) -> float:
    """Unweighted mean of per-class F1 over classes seen in either sequence."""
    scores = per_class(y_true, y_pred)
    return sum(s["f1"] for s in scores.values()) / len(scores) if scores else 0.0


def log_loss(probas: Sequence[Mapping], y_true: Sequence, eps: float = 1e-15) -> float:
    """Mean negative log probability given to the true class."""
    if not probas:
        return 0.0
    return -sum(math.log(max(p.get(y, 0.0), eps)) for p, y in zip(probas, y_true)) / len(probas)


def roc_auc(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Exact area under the ROC curve (ties count one half), by ranks."""
    ranked = sorted(zip(scores, positives), key=lambda item: item[0])
    n_pos = sum(1 for _, y in ranked if y)
    n_neg = len(ranked) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2  # 1-based average rank of the tie group
        rank_sum += mid_rank * sum(1 for _, y in ranked[i:j] if y)
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def calibration(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> dict:
    """Reliability bins (mean confidence vs accuracy) and the expected calibration error."""
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [
            (c, ok) for c, ok in zip(confidences, correct) if lo <= c < hi or (b == bins - 1 and c == 1.0)
        ]
        if not members:
            continue
        mean_conf = sum(c for c, _ in members) / len(members)
        accuracy = sum(1 for _, ok in members if ok) / len(members)
        ece += len(members) / len(confidences) * abs(mean_conf - accuracy)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(members), "confidence": mean_conf,
                      "accuracy": accuracy})  # fmt: skip
    return {"ece": ece, "bins": table}
