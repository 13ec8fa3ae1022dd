"""Where the collector puts accepted events: the one interface both paths implement.

The production path is :class:`stream.kafka_sink.KafkaEventSink`; the embedded
default is :class:`stream.embedded.EmbeddedPipeline`. The collector only knows this
protocol, so the two paths share every line of the edge's logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scorer.events import CollectedEvent


class SinkUnavailable(RuntimeError):
    """The sink cannot take events now (broker down or slow); the client should retry."""


class EventSink(Protocol):
    async def start(self) -> None:
        """Connect if possible; never fail the process because the broker is down."""

    async def stop(self) -> None:
        """Flush what is pending and disconnect."""

    async def publish(self, events: Sequence[CollectedEvent]) -> None:
        """Return only once every event is durably accepted, else raise :class:`SinkUnavailable`.

        Delivery is at least once: after a failure some events of the batch may
        already be stored, and the client's retry sends them again. Event ids make
        the duplicates harmless (the session reducer applies an id once).
        """

    async def ready(self) -> bool:
        """True when a publish would be expected to succeed now."""
