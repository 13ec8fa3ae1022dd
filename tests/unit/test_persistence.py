"""Saved models predict exactly as before; foreign, altered or incompatible blobs are refused."""

from __future__ import annotations

import pytest

from scorer import persistence
from scorer.profile import Scorer
from scorer.simulator import SimulatorConfig, collected, simulate
from scorer.session import apply

KEY = b"test-signing-key-0123456789abcdef"


@pytest.fixture(scope="module")
def trained() -> tuple[Scorer, list]:
    """A scorer that has learned from 300 simulated sessions, and their final states."""
    scorer = Scorer()
    states = {}
    for event in collected(simulate(SimulatorConfig(sessions=300, seed=3, label_rate=0.5))):
        state = states.get(event.session_id)
        if event.type == "survey_answer" and state is not None:
            scorer.learn(state, event.answer)
        if event.type == "purchase" and state is not None:
            scorer.learn_outcome(state, purchased=True)
        states[event.session_id] = apply(state, event)
    return scorer, list(states.values())


def test_round_trip_gives_identical_profiles(trained, tmp_path):
    scorer, states = trained
    assert scorer.reason.n_learned > 20 and scorer.risk.n_learned > 20
    path = tmp_path / "model.bin"
    scorer.save(path, key=KEY)
    loaded = Scorer.load(path, key=KEY)
    assert loaded.model_version == scorer.model_version
    assert [loaded.profile(s) for s in states] == [scorer.profile(s) for s in states]
    # ...and it goes on learning the same way.
    scorer.learn(states[0], "trust")
    loaded.learn(states[0], "trust")
    assert loaded.profile(states[1]) == scorer.profile(states[1])


def test_a_blob_signed_with_another_key_is_refused(trained):
    blob = trained[0].save(key=KEY)
    with pytest.raises(persistence.IncompatibleModel, match="signature mismatch"):
        Scorer.load(blob, key=b"someone-elses-key")


def test_an_altered_blob_is_refused(trained):
    blob = bytearray(trained[0].save(key=KEY))
    blob[-10] ^= 0xFF
    with pytest.raises(persistence.IncompatibleModel, match="signature mismatch"):
        Scorer.load(bytes(blob), key=KEY)


def test_a_model_for_another_feature_schema_is_refused(trained, monkeypatch):
    monkeypatch.setattr(persistence, "SCHEMA", "features:0000000000000000")
    old = trained[0].save(key=KEY)
    monkeypatch.undo()
    assert persistence.read_header(old).schema == "features:0000000000000000"
    with pytest.raises(persistence.IncompatibleModel, match="retrain it"):
        Scorer.load(old, key=KEY)


def test_other_kinds_and_formats_are_refused():
    other = persistence.dumps([1, 2], key=KEY, kind="bandit", model_version="x")
    with pytest.raises(persistence.IncompatibleModel, match="holds a 'bandit'"):
        Scorer.load(other, key=KEY)
    with pytest.raises(persistence.IncompatibleModel, match="not a cartcoach model"):
        Scorer.load(b"\x80\x04 a pickle, not ours", key=KEY)
