"""The real-data check reads the UCI file as documented and runs both protocols."""

from __future__ import annotations

import hashlib

from cartcoach.model_commands import DEFAULT_UCI as DATA
from scorer import uci
from scorer.models import risk_model

#: data/README.md's checksum: the shipped file is UCI's original, byte for byte.
SHA256 = "b3055ee355f59134d851d32641183cb4a8b45def7124d2f50442a042f358e0d9"


def test_the_data_set_ships_with_the_repository_unchanged():
    assert hashlib.sha256(DATA.read_bytes()).hexdigest() == SHA256


def test_the_file_loads_in_month_order_with_the_documented_label_rate():
    rows = uci.load(DATA)
    assert len(rows) == 12_330
    assert sum(r.purchased for r in rows) == 1_908
    months = [uci.MONTHS.index(r.month) for r in rows]
    assert months == sorted(months)
    assert "PageValues" in rows[0].x and "PageValues" not in uci.without_page_values(rows)[0].x


def test_both_protocols_score_a_learnable_stream():
    rows = [uci.Row({"pages": float(i % 7), "noise": float(i % 3)}, "Feb", i % 7 >= 5) for i in range(700)]
    preq = uci.prequential(rows, lambda: risk_model("logreg"))
    assert preq["roc_auc"] > 0.95
    batch = uci.batch(rows, lambda: risk_model("logreg"), repeats=2, oversample=True)
    assert batch["roc_auc"] > 0.95 and batch["f1"] > 0.8
