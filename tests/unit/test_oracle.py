"""The Bayes oracle follows the simulator: calibrated, and no model reading the events beats it."""

from __future__ import annotations

import doctest
import math

import pytest

import scorer.oracle
from scorer.events import REASONS
from scorer.features import extract_features
from scorer.oracle import answer_posterior
from scorer.rules import rule_prior
from scorer.session import apply
from scorer.simulator import SimulatorConfig, collected, simulate


def _answered(config: SimulatorConfig):
    return [s for s in simulate(config) if s.answer in REASONS]


@pytest.mark.parametrize("config", [
    SimulatorConfig(sessions=2500, seed=21, label_rate=1.0),
    SimulatorConfig(sessions=2500, seed=22, label_rate=1.0, noise=0.3, mixed_share=0.5, answer_noise=0.3),
])  # fmt: skip
def test_expected_answer_counts_match_the_observed_ones(config):
    # If the oracle's model of the simulator were wrong, some reason would be over- or
    # under-predicted across many sessions: each count must be within 4 standard deviations.
    sessions = _answered(config)
    posteriors = [answer_posterior(s, config) for s in sessions]
    for reason in REASONS:
        expected = sum(p[reason] for p in posteriors)
        spread = math.sqrt(sum(p[reason] * (1 - p[reason]) for p in posteriors))
        observed = sum(s.answer == reason for s in sessions)
        assert abs(observed - expected) < 4 * spread, reason
    confident = [(max(p.values()), max(p, key=p.get) == s.answer) for p, s in zip(posteriors, sessions)]
    hits = sum(ok for _, ok in confident)
    spread = math.sqrt(sum(c * (1 - c) for c, _ in confident))
    assert abs(hits - sum(c for c, _ in confident)) < 4 * spread


def test_it_beats_the_rule_prior_on_the_same_sessions():
    config = SimulatorConfig(sessions=1500, seed=23, label_rate=1.0)
    sessions = simulate(config)
    answers = {s.session_id: s for s in sessions if s.answer in REASONS}
    states, rules_ll, oracle_ll = {}, 0.0, 0.0
    for event in collected(sessions):
        if event.type == "survey_answer" and event.session_id in answers:
            session = answers[event.session_id]
            rules_ll += math.log(rule_prior(extract_features(states[event.session_id]))[session.answer])
            oracle_ll += math.log(answer_posterior(session, config)[session.answer])
        states[event.session_id] = apply(states.get(event.session_id), event)
    assert oracle_ll > rules_ll


def test_docstring_examples_run():
    result = doctest.testmod(scorer.oracle)
    assert result.failed == 0 and result.attempted > 0
