"""The real-data check: the risk model on UCI's "Online Shoppers Purchasing Intention".

Why: the simulator only shows that the models learn what the simulator put in.
This data set is real sessions with a real outcome (``Revenue``), so it tests the
risk model (will this session end without a purchase?) on behaviour nobody here
designed. Two protocols, each with and without ``PageValues`` (nearly a leak, see
``data/README.md``):

* prequential: rows stable-sorted by month (the only time information), each row
  predicted, then learned: the setting the product lives in;
* batch, as published (Sakar et al. 2019): random 70/30 split repeated, the online
  model trained by one pass over the shuffled 70 % (optionally with positives
  oversampled to balance), scored on the 30 %.

>>> rows = [_row({"Administrative": "1", "PageValues": "0", "Month": "Feb", "Browser": "2",
...               "VisitorType": "New_Visitor", "Weekend": "FALSE", "Revenue": "TRUE"})]
>>> rows[0].purchased, rows[0].x["Browser=2"], "PageValues" in without_page_values(rows)[0].x
(True, 1.0, False)
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from river import base

from scorer import metrics

MONTHS: Final = ("Feb", "Mar", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CATEGORICAL: Final = ("OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType")
_SKIP: Final = ("Month", "Revenue", "Weekend", *_CATEGORICAL)


@dataclass(frozen=True)
class Row:
    """One session: features (categoricals one-hot), month, and whether it bought."""

    x: dict[str, float]
    month: str
    purchased: bool


def _row(record: dict[str, str]) -> Row:
    x = {k: float(v) for k, v in record.items() if k not in _SKIP}
    x["Weekend"] = float(record.get("Weekend") == "TRUE")
    x |= {f"{k}={record[k]}": 1.0 for k in _CATEGORICAL if k in record}
    return Row(x, record["Month"], record["Revenue"] == "TRUE")


def load(path: str | Path) -> list[Row]:
    """Read the CSV, stable-sorted by month (the file itself is not in time order)."""
    with open(path, newline="") as f:
        rows = [_row(record) for record in csv.DictReader(f)]
    return sorted(rows, key=lambda r: MONTHS.index(r.month))


def without_page_values(rows: Sequence[Row]) -> list[Row]:
    """The same rows with the near-leak ``PageValues`` removed."""
    return [replace(r, x={k: v for k, v in r.x.items() if k != "PageValues"}) for r in rows]


def _purchase_scores(model: base.Classifier, rows: Sequence[Row]) -> list[float]:
    # The risk model predicts abandonment (True); P(purchase) is its complement.
    return [1.0 - model.predict_proba_one(r.x).get(True, 0.0) for r in rows]


def _scores(scores: Sequence[float], rows: Sequence[Row]) -> dict[str, float]:
    truth = [r.purchased for r in rows]
    predicted = [s >= 0.5 for s in scores]
    tp = sum(1 for p, t in zip(predicted, truth) if p and t)
    precision = tp / max(sum(predicted), 1)
    recall = tp / max(sum(truth), 1)
    return {
        "roc_auc": metrics.roc_auc(scores, truth),
        "accuracy": sum(p == t for p, t in zip(predicted, truth)) / len(rows),
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def prequential(rows: Sequence[Row], make_model: Callable[[], base.Classifier]) -> dict[str, float]:
    """Test-then-train over the rows in order; figures for predicting a purchase."""
    model = make_model()
    scores = []
    trained_at = None
    for r in rows:
        scores.append(1.0 - model.predict_proba_one(r.x).get(True, 0.0))
        model.learn_one(r.x, not r.purchased)
        if trained_at is None and getattr(model, "ranks", False):
            trained_at = len(scores)
    # When a profile would stop saying "risk not yet trained" (RiskModel.ranks).
    return _scores(scores, rows) | {"trained_at_session": trained_at}


def batch(
    rows: Sequence[Row],
    make_model: Callable[[], base.Classifier],
    repeats: int = 10,
    oversample: bool = False,
    seed: int = 0,
) -> dict[str, float]:
    """Random 70/30 splits, one online pass over the training part; mean figures."""
    totals: dict[str, float] = {}
    for repeat in range(repeats):
        rnd = random.Random(seed + repeat)
        shuffled = list(rows)
        rnd.shuffle(shuffled)
        cut = int(0.7 * len(shuffled))
        train, test = shuffled[:cut], shuffled[cut:]
        if oversample:
            positives = [r for r in train if r.purchased]
            extra = len(train) - 2 * len(positives)
            train = train + [rnd.choice(positives) for _ in range(max(extra, 0))]
            rnd.shuffle(train)
        model = make_model()
        for r in train:
            model.learn_one(r.x, not r.purchased)
        for name, value in _scores(_purchase_scores(model, test), test).items():
            totals[name] = totals.get(name, 0.0) + value / repeats
    return totals
