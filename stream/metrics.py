"""Prometheus metrics of the stream: what the worker applied, published, learned, and how far behind it is.

The counters are process-wide (prometheus_client's default registry), so they count
in whichever process runs the stream: the worker on the full path, ``cartcoach serve``
in the embedded default. ``cartcoach worker`` serves them on their own port
(``CARTCOACH_WORKER_METRICS_PORT``, see :mod:`cartcoach.metrics_endpoint`); the list
with what each one tells an operator is in ``docs/worker.md``.

Consumer lag is measured as Kafka's own tools measure a group's lag: the end of each
``events`` partition this worker owns minus the offset the group has committed there
(the worker commits only what is applied and in the changelog, so this is the work
still ahead of it, fetched or not).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge, Histogram

from stream.group_offsets import GroupOffsets

if TYPE_CHECKING:  # the API imports these counters and never needs Faust
    import faust

log = logging.getLogger(__name__)

#: How often a worker measures its consumer lag (Prometheus scrapes every 15-60 s).
LAG_INTERVAL_S = 5.0

EVENTS_APPLIED = Counter(
    "cartcoach_events_applied", "Events applied to session records by the stream."
)
PROFILES_PUBLISHED = Counter(
    "cartcoach_profiles_published",
    "Abandonment profiles stored in the profile store (newer than what it had) and announced.",
)
LEARNER_UPDATES = Counter(
    "cartcoach_learner_updates",
    "Labels the online models learned from: reason (survey answers) or outcome (purchase or not).",
    ["kind"],
)
PRODUCE_SECONDS = Histogram(
    "cartcoach_produce_seconds",
    "From handing a batch of events to Kafka to the broker's acknowledgement (acks=all), "
    "or to giving up.",
    ["outcome"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BATCH_RECORDS = Histogram(
    "cartcoach_stream_batch_records",
    "Records (tracker batches) in each batch the worker applied at once. Small batches under a "
    "backlog mean the worker pays its per-batch costs (changelog, Redis, profiles) too often.",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000),
)
SESSIONS_FORGOTTEN = Counter(
    "cartcoach_sessions_forgotten",
    "Closed sessions the worker dropped from its table after CARTCOACH_SESSION_FORGET_AFTER_S of quiet.",
)
CONSUMER_LAG = Gauge(
    "cartcoach_consumer_lag",
    "Events on the broker that the worker group has not yet committed, per partition this worker owns.",
    ["topic", "partition"],
)


def watch_consumer_lag(app: "faust.App", bootstrap_servers: str, group_id: str, topic: str) -> None:
    """Measure ``topic``'s lag for the partitions this worker owns every :data:`LAG_INTERVAL_S`.

    Its own Kafka clients (see :class:`~stream.group_offsets.GroupOffsets`): Faust's
    consumer knows the log's end but not what the worker committed.
    """
    offsets = GroupOffsets(bootstrap_servers, group_id)
    reported: set[int] = set()

    @app.timer(LAG_INTERVAL_S, name="measure_consumer_lag")
    async def measure_consumer_lag() -> None:
        mine = sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == topic)
        try:
            lag = await offsets.lag(topic, mine)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.info("consumer lag not measured this time: %r", exc)
            return
        for partition in reported - lag.keys():  # given away in a rebalance
            CONSUMER_LAG.remove(topic, str(partition))
        for partition, behind in lag.items():
            CONSUMER_LAG.labels(topic, str(partition)).set(behind)
        reported.clear()
        reported.update(lag)

    @app.on_before_shutdown.connect
    async def close_lag_clients(app: "faust.App", **kwargs: object) -> None:
        await offsets.close()
