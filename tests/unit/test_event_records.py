"""The events topic's two record formats: both read back to the same events, in order."""

from __future__ import annotations

import doctest

import pytest

import stream.event_records
from scorer.events import encode_event
from scorer.simulator import SimulatorConfig, collected, simulate
from stream.event_records import MAX_EVENTS_PER_RECORD, UndecodableRecord, decode_events, encode_events, session_of


def test_doctests_pass() -> None:
    result = doctest.testmod(stream.event_records)
    assert result.attempted and not result.failed


def test_a_batch_record_and_the_per_event_records_of_the_same_events_read_back_alike() -> None:
    events = list(collected(simulate(SimulatorConfig(sessions=1, seed=3))))
    assert len(events) > 3
    assert decode_events(encode_events(events)) == events
    assert [e for value in map(encode_event, events) for e in decode_events(value)] == events
    assert session_of(events) == events[0].session_id


def test_events_of_two_sessions_have_no_one_session() -> None:
    events = list(collected(simulate(SimulatorConfig(sessions=2, seed=3))))
    assert session_of(events) is None


@pytest.mark.parametrize("value", [b"", b"[]", b'{"v": 2}', b'{"v": 2, "events": [{"id": "x"}]}', b'{"id": "e-1"}'])
def test_a_record_that_is_neither_format_is_undecodable_with_a_reason(value: bytes) -> None:
    with pytest.raises(UndecodableRecord) as raised:
        decode_events(value)
    assert str(raised.value)


def test_a_record_holds_at_most_two_full_tracker_batches() -> None:
    assert MAX_EVENTS_PER_RECORD == 200
