"""The worker's Kafka transport: Faust finds it, and its consumer does not park fetches for 1.5 s."""

from __future__ import annotations

import asyncio
import doctest

import stream.kafka_transport
from cartcoach.settings import Settings
from stream.faust_app import create_stream_app
from stream.kafka_transport import FETCH_MAX_WAIT_MS, Transport


def test_doctests_pass() -> None:
    result = doctest.testmod(stream.kafka_transport)
    assert result.attempted and not result.failed


def test_the_worker_consumer_asks_the_broker_to_wait_at_most_50_ms_for_an_empty_fetch() -> None:
    async def consumer_fetch_wait() -> tuple[type, int]:
        settings = Settings(kafka_bootstrap_servers="127.0.0.1:9", redis_url="redis://127.0.0.1:9/0")
        app = create_stream_app(settings)
        consumer = app.consumer._thread._create_worker_consumer(app.transport)  # not started: no I/O
        try:
            return type(app.transport), consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    transport, wait_ms = asyncio.run(consumer_fetch_wait())
    assert transport is Transport  # resolved through the faust.transports entry point
    assert wait_ms == FETCH_MAX_WAIT_MS == 50

