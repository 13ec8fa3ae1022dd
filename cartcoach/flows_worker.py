"""``cartcoach flows``: a worker that sends follow-up steps as they fall due (the full path).

Run as many as you like against the same Redis and database: saq hands each due step
to one of them, and the outbox row a step claims keeps a step that comes round again
(after a crash, a sweep) from being sent twice. Decisions are published to Kafka like
the overlay's, so the experiment ledger counts flow exposures and coupons too.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from cartcoach.settings import Settings
from flows.runtime import build_flows
from nudges.catalogue import Catalogue
from nudges.ledger import RedisLedger
from nudges.stores import StoreRegistry
from scorer.events import CollectedEvent
from stream.kafka_sink import KafkaEventSink
from stream.profile_store import RedisProfileStore

log = logging.getLogger("cartcoach.flows")


async def run(settings: Settings) -> None:
    """Work until SIGTERM or SIGINT."""
    assert settings.redis_url is not None
    registry = StoreRegistry.from_file(settings.stores_file)
    profiles = RedisProfileStore.from_url(settings.redis_url, settings.profile_ttl_s)
    ledger = RedisLedger.from_url(settings.redis_url)
    catalogue = Catalogue(registry)
    sink = None
    if settings.kafka_bootstrap_servers:
        sink = KafkaEventSink(settings.kafka_bootstrap_servers, settings.events_topic,
                              partitions=settings.topic_partitions, timeout_s=settings.produce_timeout_s,
                              cooldown_s=settings.retry_after_s)

    async def publish(events: list[CollectedEvent]) -> None:
        if sink is not None:
            await sink.publish(events)
        else:  # no broker: record the decision in the ledger directly, as the stream would
            for event in events:
                await ledger.record(event)

    runtime = build_flows(settings, registry, profiles=profiles, ledger=ledger, catalogue=catalogue,
                          publish=publish, runs_steps=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if sink is not None:
        await sink.start()
    await catalogue.start()
    await runtime.start()
    log.info("flows worker running (queue %s)", settings.flows_queue)
    print("cartcoach flows: ready", flush=True)
    try:
        await stop.wait()
    finally:
        await runtime.stop()
        await catalogue.stop()
        if sink is not None:
            await sink.stop()
        await ledger.close()
        await profiles.close()
