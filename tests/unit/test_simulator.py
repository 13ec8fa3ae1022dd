"""The simulator: deterministic by seed, valid wire format, configurable shares and labels."""

from __future__ import annotations

from collections import Counter

import msgspec

from scorer.events import decode_batch, decode_event
from scorer.simulator import SimulatorConfig, collected, simulate, to_batches, write_jsonl


def test_same_seed_same_bytes_other_seed_other_sessions(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    write_jsonl(simulate(SimulatorConfig(sessions=200, seed=5)), a)
    write_jsonl(simulate(SimulatorConfig(sessions=200, seed=5)), b)
    write_jsonl(simulate(SimulatorConfig(sessions=200, seed=6)), c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_batches_pass_the_collectors_validation_and_carry_labels_and_outcomes():
    sessions = simulate(SimulatorConfig(sessions=300, seed=2, label_rate=0.5))
    for s in sessions:
        batches = [decode_batch(msgspec.json.encode(b)) for b in to_batches(s, write_key="wk_demo_public_0001")]
        kinds = [e.type for b in batches for e in b.events]
        assert {b.session_id for b in batches} == {s.session_id}
        assert ("purchase" in kinds) == s.purchased
        answers = [e.answer for b in batches for e in b.events if e.type == "survey_answer"]
        assert answers == ([s.answer] if s.answer else [])
    assert any(s.answer for s in sessions) and any(s.purchased for s in sessions)


def test_jsonl_holds_collected_events_on_the_servers_clock(tmp_path):
    sessions = simulate(SimulatorConfig(sessions=50, seed=1))
    path = tmp_path / "s.jsonl"
    n = write_jsonl(sessions, path)
    events = [decode_event(line) for line in path.read_bytes().splitlines()]
    assert len(events) == n == sum(len(s.events) for s in sessions)
    truth = {(s.session_id, e.event.id): e.at for s in sessions for e in s.events}
    # The shopper's clock is off by up to minutes; the collector's `at` undoes the skew.
    assert all(abs(e.at - truth[(e.session_id, e.id)]) < 1000 for e in events)
    assert any(e.ts != e.at for e in events)


def test_reason_shares_label_rate_and_device_mix_are_configurable():
    config = SimulatorConfig(sessions=600, seed=4, reason_shares={"trust": 1.0}, browsing_share=0.0,
                             buyer_share=0.0, label_rate=1.0, answer_noise=0.0,
                             device_mix={"tablet": 1.0})  # fmt: skip
    sessions = simulate(config)
    assert {s.persona for s in sessions} == {"trust"}
    assert {s.device for s in sessions} == {"tablet"}
    assert {s.answer for s in sessions if not s.purchased} == {"trust"}
    unlabelled = simulate(SimulatorConfig(sessions=300, seed=4, label_rate=0.0))
    assert not any(s.answer for s in unlabelled)


def test_default_shares_follow_the_survey_and_personas_show_their_signals():
    sessions = simulate(SimulatorConfig(sessions=3000, seed=9))
    personas = Counter(s.persona for s in sessions if s.persona)
    assert personas.most_common(2)[0][0] == "checkout_friction" and personas.most_common(2)[1][0] == "price"

    def mean(persona, kind):
        group = [s for s in sessions if s.persona == persona]
        return sum(1 for s in group for e in s.events if e.event.type == kind) / len(group)

    assert mean("shipping_speed", "shipping_info_open") > 3 * mean("trust", "shipping_info_open")
    assert mean("trust", "return_policy_view") > 3 * mean("price", "return_policy_view")


def test_collected_events_arrive_interleaved_across_sessions():
    events = list(collected(simulate(SimulatorConfig(sessions=40, seed=1))))
    switches = sum(1 for a, b in zip(events, events[1:]) if a.session_id != b.session_id)
    assert switches > 40
