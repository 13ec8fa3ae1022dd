"""The evaluation harness on a tiny fixed stream gives the numbers computed by hand."""

from __future__ import annotations

import json
import math

import msgspec
import pytest
from typer.testing import CliRunner

from cartcoach.model_commands import app
from scorer import metrics
from scorer.evaluation import Candidate, replay, report
from scorer.models import reason_model, risk_model
from tests.unit.scorer_helpers import event


def _tiny_stream():
    """Four sessions, each answering the survey; A buys, B abandons (both view the cart)."""
    spec = {
        "A": ["cart_view", "shipping_info_open", ("survey_answer", "shipping_speed"), "purchase"],
        "B": ["cart_view", "coupon_focus", ("survey_answer", "price")],
        "C": ["page_view", "shipping_info_open", ("survey_answer", "trust")],
        "D": ["page_view", ("survey_answer", "indecision")],
    }
    stream = []
    for s, (name, steps) in enumerate(spec.items()):
        for i, step in enumerate(steps):
            kind, answer = step if isinstance(step, tuple) else (step, None)
            extra = {"answer": answer} if answer else {}
            stream.append(event(name, i, kind, 1_000_000 + 10_000 * s + 1000 * i, **extra))
    return stream


def test_rules_and_base_rate_on_the_tiny_stream_match_hand_computation():
    rules = Candidate("rules", reason=reason_model("rules"), risk=risk_model("base_rate"))
    stats = replay(_tiny_stream(), [rules], timing_every=1)
    assert (stats["events"], stats["sessions"]) == (12, 4)
    r = report(rules, curve_chunk=2)

    # Rules predict: A shipping (right), B price (right), C shipping (wrong: trust), D indecision (right).
    # F1: shipping 2*(1/2*1)/(1/2+1) = 2/3, price 1, trust 0, indecision 1 -> macro 2/3.
    assert rules.reason_pred == ["shipping_speed", "price", "shipping_speed", "indecision"]
    assert r["reason"]["macro_f1"] == pytest.approx(2 / 3)
    assert r["reason"]["accuracy"] == 0.75
    assert r["reason"]["per_reason"]["shipping_speed"] == {
        "precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1,
    }  # fmt: skip
    # Scores: bias indecision 0.5; one shipping open +1.0; one coupon focus +1.2.
    e = math.e
    p_a = e**1.0 / (e**1.0 + e**0.5 + 3)
    p_b = e**1.2 / (e**1.2 + e**0.5 + 3)
    p_c = 1 / (e**1.0 + e**0.5 + 3)
    p_d = e**0.5 / (e**0.5 + 4)
    expected = -(math.log(p_a) + math.log(p_b) + math.log(p_c) + math.log(p_d)) / 4
    assert r["reason"]["log_loss"] == pytest.approx(expected)
    # Learning curve in chunks of 2 labels: [A, B] both right -> 1.0; [C, D]: trust 0, shipping 0, indecision 1 -> 1/3.
    assert [p["macro_f1"] for p in r["reason"]["curve"]] == [1.0, pytest.approx(1 / 3)]

    # Risk at the cart moment: A (bought) and B (left) both get the 0.70 base rate.
    assert r["risk"]["examples"] == 2
    assert r["risk"]["roc_auc"] == 0.5
    assert r["risk"]["brier"] == pytest.approx((0.7**2 + 0.3**2) / 2)
    assert r["risk"]["accuracy"] == 0.5


def test_learning_models_are_tested_before_they_learn():
    model = Candidate("softmax", reason=reason_model("softmax"))
    replay(_tiny_stream(), [model])
    # The first answer is predicted by the untrained model: the rule prior alone.
    assert model.reason_pred[0] == "shipping_speed"
    assert model.reason.n_learned == 4


def test_a_redelivered_survey_answer_counts_once():
    # The snippet retries a batch whose response it never saw: the same answer (same
    # event id) reaches the collector twice. The reducer drops the copy; so must the scores.
    stream = _tiny_stream()
    answer_b = next(e for e in stream if e.session_id == "s-B-0000" and e.type == "survey_answer")
    again = [*stream, msgspec.structs.replace(answer_b, at=answer_b.at + 5_000, received_at=answer_b.at + 5_000)]
    once, twice = Candidate("softmax", reason=reason_model("softmax")), Candidate("softmax", reason=reason_model("softmax"))
    replay(stream, [once])
    replay(again, [twice])
    assert twice.reason_true == once.reason_true == ["shipping_speed", "price", "trust", "indecision"]
    assert twice.reason.n_learned == 4


def test_metrics_by_hand():
    assert metrics.roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert metrics.roc_auc([0.5, 0.5], [True, False]) == 0.5
    calib = metrics.calibration([0.95, 0.95, 0.55, 0.55], [True, False, True, True])
    assert calib["ece"] == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)


def test_cli_compares_configurations_and_writes_json_and_png(tmp_path):
    runner = CliRunner()
    events = tmp_path / "sim.jsonl"
    result = runner.invoke(app, ["simulate", "--sessions", "300", "--seed", "2", "--label-rate", "0.5",
                                 "--out", str(events)])  # fmt: skip
    assert result.exit_code == 0, result.output
    out, png = tmp_path / "report.json", tmp_path / "curves.png"
    result = runner.invoke(app, ["evaluate", "--events", str(events), "--reason", "rules,naive_bayes",
                                 "--risk", "base_rate", "--pipeline", "river.naive_bayes:GaussianNB",
                                 "--json", str(out), "--plot", str(png)])  # fmt: skip
    assert result.exit_code == 0, result.output
    names = [c["name"] for c in json.loads(out.read_text())["candidates"]]
    assert names == ["reason:rules", "reason:naive_bayes", "reason:river.naive_bayes:GaussianNB",
                     "risk:base_rate"]  # fmt: skip
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
