"""The server's sentences reach the dashboard as templates the dashboard can say in Turkish:
every template has a Turkish line, and the alarms the stream and the edge really write fit one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from overlay_api.message_templates import TEMPLATES, template_of, templates_for
from overlay_api.reason_mix import reason_mix
from scorer.profile import NO_EVIDENCE, AbandonmentProfile
from scorer.rules import CONTEXT, RULES, evidence
from stream.model_health import Answer, summarise
from stream.reason_history import accuracy_alarm, drift_alarm

I18N = Path(__file__).resolve().parents[2] / "overlay_api" / "static" / "dashboard" / "i18n.js"


def turkish_keys() -> set[str]:
    source = I18N.read_text(encoding="utf-8")
    return {m.group(1).replace('\\"', '"') for m in re.finditer(r'^\s+"((?:[^"\\]|\\.)*)":', source, re.M)}


def test_every_template_has_a_turkish_line() -> None:
    assert set(TEMPLATES) - turkish_keys() == set()


def fill(said: dict) -> str:
    out = said["template"]
    for name, value in said["values"].items():
        out = out.replace("{" + name + "}", value)
    return out


def shown(message: str | None) -> dict:
    assert message is not None
    said = template_of(message)
    assert said is not None, message
    assert fill(said) == message  # the values put back give the very sentence
    return said


def test_the_history_alarms_fit_their_templates() -> None:
    hours = list(range(10))
    stable = {h: {"price": 30, "trust": 30} for h in hours}
    shifted = {**stable, **{h: {"price": 55, "trust": 5} for h in hours[-6:]}}
    said = shown(drift_alarm(hours, shifted))
    assert said["values"] == {"hours": "6", "distance": "0.42", "reason": "price", "now": "92", "was": "50"}
    answered = {h: (10, 9) for h in hours[:4]} | {h: (10, 3) for h in hours[4:]}
    assert shown(accuracy_alarm(hours, answered))["values"]["after"] == "30"


def test_the_live_alarms_fit_their_templates() -> None:
    def profile(i: int, reason: str, at: int) -> AbandonmentProfile:
        return AbandonmentProfile(store_id="s", session_id=f"s-{at}-{i}", visitor_id=None, at=at, reasons={reason: 0.9},
                                  top_reason=reason, confidence=0.9, risk=0.5, evidence=[], cart_value=1.0, device=None,
                                  events_seen=1, model_version="m")
    profiles = [profile(i, "trust", 0) for i in range(60)] + [profile(i, "price", 60_000) for i in range(60)]
    assert shown(reason_mix(profiles).alarm)["values"]["reason"] in ("price", "trust")
    answers = [Answer(predicted="price", answered="price", model_version="m")] * 40 + \
              [Answer(predicted="price", answered="trust", model_version="m")] * 40
    assert shown(summarise(answers).alarm)["values"]["answers"] == "80"


@pytest.mark.parametrize("message", ["Expected `int` >= 0", "Object missing required field `id`", "at least 10 characters"])
def test_field_messages_fit(message: str) -> None:
    shown(message)


def test_an_unknown_sentence_is_left_in_english() -> None:
    assert template_of("The email address is not valid.") is None
    assert templates_for([None, "", "no profile for this session yet"]) == {
        "no profile for this session yet": {"template": "no profile for this session yet", "values": {}}}


def test_every_evidence_line_the_scorer_writes_fits_a_template() -> None:
    features = {rule.feature: value for rule in RULES for value in [1.0]} | {"exit_intents": 2.0, "idle_s": 45.0}
    features["review_depth_max"] = 0.4  # "Scrolled 40% down the reviews"
    lines = evidence(features)
    assert len(lines) == len(RULES) + len(CONTEXT)
    for line in [*lines, *evidence({"payment_failures": 3.0}), NO_EVIDENCE]:
        shown(line)
    assert template_of("Payment failed 3 times")["values"] == {"times": "3 times"}
