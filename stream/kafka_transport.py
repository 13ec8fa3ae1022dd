"""Faust's Kafka transport, with the broker's wait for an empty fetch bounded to 50 ms.

faust-streaming (0.15) builds its worker consumer with ``fetch_max_wait_ms=1500``,
a constant no setting reaches. The broker answers a fetch at once when one of its
partitions has records, and holds it for that long when none has; aiokafka keeps
one fetch in flight per broker, and a partition whose records are still being
handed to the agent is left out of the next request. So under steady load the
request in flight is now and then one for partitions that have nothing yet (the
``labels`` topic between two labels, an ``events`` partition just caught up), and
every partition's new records wait behind it. The stream benchmark showed it: at
half load, in about half of the runs, profiles trailed their events by 1.5–2 s for
the whole run; with 50 ms, none did in the runs since.

The worker uses this transport through the ``cartcoach-kafka://`` broker URL
(registered in ``pyproject.toml`` under Faust's ``faust.transports`` entry points,
the way Faust takes third-party transports).
"""

from __future__ import annotations

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

#: How long the broker may hold a fetch that has no records to return.
FETCH_MAX_WAIT_MS = 50

SCHEME = "cartcoach-kafka"


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this when the consumer starts (it builds its fetcher then).
        if not hasattr(consumer, "_fetch_max_wait_ms"):
            raise RuntimeError("this aiokafka has no _fetch_max_wait_ms: see stream/kafka_transport.py")
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport; only the worker consumer's fetch wait differs."""

    Consumer = _Consumer


def broker_urls(bootstrap_servers: str) -> str:
    """Faust's ``broker`` setting for this transport.

    >>> broker_urls("k1:9092,k2:9092")
    'cartcoach-kafka://k1:9092;cartcoach-kafka://k2:9092'
    """
    return ";".join(f"{SCHEME}://{server.strip()}" for server in bootstrap_servers.split(","))
