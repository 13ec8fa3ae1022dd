"""One event's effect on a session: the step both runners (embedded and Faust) take.

Pure: given the session's record and the event, :func:`step` returns the new record,
whether this is a moment worth scoring, and the labels to learn from. The runners
only move bytes around it (and score each session once per batch, from its newest
state), so the embedded default and the Kafka worker reach the same profiles for
the same stream.

When to score (debounced on event time, not on the wall clock, so replays agree):
always on cart, checkout, exit-intent, survey and purchase events; otherwise at
most once per ``debounce_ms`` of the session's own time.

Outcomes: a purchase closes the session as *purchased*; the idle sweep sends a
``session_timeout`` that closes a still-quiet session as *abandoned*. Each closed
session yields one outcome label for the risk model. A closed session is forgotten
(:func:`is_forgettable`) once it has been quiet for a day, so the table does not grow
for ever; an outcome that arrives for a session the table does not hold (a refund
days later, a purchase whose session was forgotten or never seen) starts no state:
there is no behaviour to learn it against, and the experiment ledger, which the
reports read, has counted it already (by order id). A session's first survey
answer yields a reason label for the reason model, and later answers in the same
session none (one shopper, one say). How many labels one visitor and one client
may teach is bounded where labels are learned (:mod:`stream.label_budget`).

>>> from scorer.events import CollectedEvent
>>> def ev(i, type, at, **kw):
...     return CollectedEvent(id=f"e-{i:06d}", type=type, ts=at, at=at, received_at=at,
...                           store_id="demo", visitor_id="v-000001", session_id="s-000001", **kw)
>>> r = step(None, ev(1, "shipping_info_open", 1_000))
>>> r.score, r.record.state.events, r.labels
(True, 1, [])
>>> step(r.record, ev(2, "shipping_info_open", 1_500)).score   # inside the debounce
False
>>> r = step(r.record, ev(3, "survey_answer", 2_000, answer="shipping_speed"))
>>> [label.reason for label in r.labels]
['shipping_speed']
>>> step(r.record, ev(3, "survey_answer", 2_000, answer="shipping_speed")).changed
False
>>> step(r.record, ev(4, "survey_answer", 2_100, answer="price")).labels   # a second answer
[]
>>> step(None, ev(5, "refund", 9_000)).changed   # an outcome for a session not in the table
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import msgspec

from scorer.events import CollectedEvent
from scorer.profile import Scorer
from scorer.session import SessionState, apply
from stream.metrics import LEARNER_UPDATES

#: Event types after which a profile is always computed: the trigger moments.
SCORE_ALWAYS: Final = frozenset(
    {
        "cart_view",
        "cart_add",
        "cart_remove",
        "cart_dwell",
        "checkout_step_enter",
        "checkout_step_leave",
        "form_error",
        "payment_failed",
        "exit_intent",
        "survey_answer",
        "purchase",
    }
)
DEFAULT_DEBOUNCE_MS: Final = 2_000
#: Events that tell how a session ended; they never start a session's state.
OUTCOME_EVENTS: Final = frozenset({"purchase", "refund"})

Outcome = Literal["purchased", "abandoned"]


class SessionRecord(msgspec.Struct, kw_only=True):
    """What the session table holds per session: the scorer's state plus stream bookkeeping."""

    state: SessionState
    #: Event time of the last profile computed (for the debounce).
    scored_at: int = 0
    #: Set once the session has an outcome; it is labelled once only.
    outcome: Outcome | None = None
    #: Set once a survey answer taught the model: a session teaches one reason only.
    answered: bool = False


class Label(msgspec.Struct, kw_only=True, frozen=True):
    """A learning example: the session as it was, and what we learned about it."""

    kind: Literal["reason", "outcome"]
    state: SessionState
    reason: str | None = None
    purchased: bool | None = None
    #: The sending client's daily pseudonym (for the per-client label budget).
    client: str | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    record: SessionRecord | None
    #: False for a duplicate or too-late event: nothing to write or publish.
    changed: bool
    #: True at a moment worth a new profile (a trigger, or the debounce has passed).
    score: bool = False
    labels: list[Label] = field(default_factory=list)


def step(
    record: SessionRecord | None,
    event: CollectedEvent,
    *,
    debounce_ms: int = DEFAULT_DEBOUNCE_MS,
    idle_timeout_ms: int = 30 * 60 * 1000,
) -> StepResult:
    """Apply one event to one session's record."""
    if event.type == "session_timeout":
        return _timeout(record, event, idle_timeout_ms)
    if record is None and event.type in OUTCOME_EVENTS:
        return StepResult(None, changed=False)
    old_state = record.state if record is not None else None
    state = apply(old_state, event)
    if old_state is not None and state.events == old_state.events:
        return StepResult(record, changed=False)

    new = SessionRecord(
        state=state,
        scored_at=record.scored_at if record else 0,
        outcome=record.outcome if record else None,
        answered=record.answered if record else False,
    )
    labels: list[Label] = []
    if event.type == "survey_answer" and event.answer is not None and not new.answered:
        new.answered = True
        labels.append(Label(kind="reason", state=state, reason=event.answer, client=event.client))
    if event.type == "purchase" and new.outcome is None:
        new.outcome = "purchased"
        labels.append(Label(kind="outcome", state=state, purchased=True))

    score = event.type in SCORE_ALWAYS or record is None or event.at - new.scored_at >= debounce_ms
    if score:
        new.scored_at = max(new.scored_at, event.at)
    return StepResult(new, changed=True, score=score, labels=labels)


def _timeout(record: SessionRecord | None, event: CollectedEvent, idle_timeout_ms: int) -> StepResult:
    """Close a session as abandoned if it is still open and still quiet."""
    if record is None or record.outcome is not None:
        return StepResult(record, changed=False)
    if event.at - record.state.last_at < idle_timeout_ms:  # the shopper came back meanwhile
        return StepResult(record, changed=False)
    closed = SessionRecord(state=record.state, scored_at=record.scored_at, outcome="abandoned", answered=record.answered)
    return StepResult(
        closed,
        changed=True,
        score=True,  # a last profile, carrying the outcome
        labels=[Label(kind="outcome", state=record.state, purchased=False)],
    )


def learn(scorer: Scorer, label: Label) -> None:
    """Teach the scorer one label (the learning side of both runners)."""
    if label.kind == "reason" and label.reason is not None:
        scorer.learn(label.state, label.reason)
    elif label.kind == "outcome" and label.purchased is not None:
        scorer.learn_outcome(label.state, label.purchased)
    else:
        return
    LEARNER_UPDATES.labels(label.kind).inc()


# MessagePack: records and labels are internal (table changelog, labels topic), and
# about a third smaller and faster to read and write than JSON.
_encoder = msgspec.msgpack.Encoder()
_record_decoder = msgspec.msgpack.Decoder(SessionRecord)
_label_decoder = msgspec.msgpack.Decoder(Label)


def encode_record(record: SessionRecord) -> bytes:
    return _encoder.encode(record)


def decode_record(data: bytes) -> SessionRecord:
    return _record_decoder.decode(data)


def encode_label(label: Label) -> bytes:
    return _encoder.encode(label)


def decode_label(data: bytes) -> Label:
    return _label_decoder.decode(data)


def timeout_event(record: SessionRecord, now_ms: int) -> CollectedEvent:
    """The event the idle sweep sends for a quiet session (one id per session: sent twice, applied once)."""
    state = record.state
    return CollectedEvent(
        id=f"timeout:{state.session_id}"[:64],
        type="session_timeout",
        ts=now_ms,
        store_id=state.store_id,
        visitor_id=state.visitor_id,
        session_id=state.session_id,
        received_at=now_ms,
        at=now_ms,
    )


def is_idle(record: SessionRecord, now_ms: int, idle_timeout_ms: int) -> bool:
    return record.outcome is None and now_ms - record.state.last_at >= idle_timeout_ms


def is_forgettable(record: SessionRecord, now_ms: int, forget_after_ms: int) -> bool:
    """Whether the table may drop the session: closed (its outcome learned once) and quiet
    for ``forget_after_ms``. An open session is closed by the idle sweep first."""
    return record.outcome is not None and now_ms - record.state.last_at >= forget_after_ms
