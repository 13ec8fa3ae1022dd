"""The records of the ``events`` topic: one per tracker batch, and the older one per event.

Kafka costs the worker about the same for a record of one event as for a record of
twenty (Faust's handling of a record takes longer than applying an event), so the
collector writes each accepted batch, all of one session, as **one record**:

* key: the session id (so a session's records stay in order on one partition);
* value (version 2): ``{"v": 2, "events": [CollectedEvent, ...]}`` in JSON, the events
  in the order they happened, every one with the key's session id.

Records written before version 2 hold **one event each**: the ``CollectedEvent`` JSON
object itself, without ``v``. The worker reads both, so a running deployment is
upgraded in place (``docs/events.md``).

>>> from scorer.events import CollectedEvent
>>> def ev(i):
...     return CollectedEvent(id=f"e-{i:06d}", type="cart_view", ts=i, at=i, received_at=i,
...                           store_id="demo", visitor_id="v-000001", session_id="s-000001")
>>> record = encode_events([ev(1), ev(2)])
>>> record[:24]
b'{"v":2,"events":[{"id":"'
>>> [e.id for e in decode_events(record)]
['e-000001', 'e-000002']
>>> [e.id for e in decode_events(b'{"id":"e-000003","type":"cart_view","ts":3,"store_id":"demo",'
...  b'"visitor_id":"v-000001","session_id":"s-000001","received_at":3,"at":3}')]
['e-000003']
>>> for poison in (b'{"v": 3, "events": []}', b'{"v": 2, "events": []}', b"{"):
...     try:
...         decode_events(poison)
...     except UndecodableRecord as exc:
...         print(str(exc)[:40])
unsupported record version 3
a record with no events
undecodable event: Input data was trunca
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from scorer.events import CollectedEvent, decode_event

#: The version the collector and the worker write.
RECORD_VERSION: Final = 2
#: At most this many events in one record (two full tracker batches; about half
#: a megabyte at the largest events, under the broker's default 1 MB per record).
MAX_EVENTS_PER_RECORD: Final = 200


class UndecodableRecord(ValueError):
    """The record is neither a version 2 batch nor a version 1 event; the reason says why."""


class _Record(msgspec.Struct, frozen=True):
    """Any record: a version 1 event has neither field (its own fields are skipped)."""

    v: int | None = None
    events: list[CollectedEvent] | None = None


_record_decoder = msgspec.json.Decoder(_Record)
_encoder = msgspec.json.Encoder()


def encode_events(events: Sequence[CollectedEvent]) -> bytes:
    """One version 2 record for events of one session, in order."""
    return _encoder.encode(_Record(v=RECORD_VERSION, events=list(events)))


def decode_events(value: bytes) -> list[CollectedEvent]:
    """The events of a record of either version, in order; :class:`UndecodableRecord` if none."""
    try:
        record = _record_decoder.decode(value)
        if record.v is None:
            return [decode_event(value)]
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise UndecodableRecord(f"undecodable event: {exc}") from None
    if record.v != RECORD_VERSION:
        raise UndecodableRecord(f"unsupported record version {record.v}")
    if not record.events:
        raise UndecodableRecord("a record with no events")
    return record.events


def session_of(events: Sequence[CollectedEvent]) -> str | None:
    """The one session id the events share, or None if they are not all of one session."""
    session_id = events[0].session_id
    return session_id if all(event.session_id == session_id for event in events) else None
