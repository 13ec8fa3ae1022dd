"""Create the project's topics with the partitions we choose, before anyone uses them.

A topic the broker auto-creates gets ``num.partitions`` (often 1), which would cap how
far the stream scales out; and a Faust worker that starts before its source topic
exists is assigned nothing until its next metadata refresh. So both the collector
and the worker create their topics first. An existing topic is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from cartcoach.settings import Settings


def topic_plan(settings: Settings) -> dict[str, int]:
    """Every topic the product uses and its partition count.

    ``labels`` has one partition on purpose: exactly one worker learns at a time, so
    model checkpoints form one lineage (see ``stream/learner.py``).
    """
    return {
        settings.events_topic: settings.topic_partitions,
        settings.profiles_topic: settings.topic_partitions,
        settings.labels_topic: 1,
        settings.dead_letter_topic: 1,
    }


async def ensure_topics(bootstrap_servers: str, partitions_by_topic: Mapping[str, int]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        # The broker answers TOPIC_ALREADY_EXISTS for the ones that exist, which is fine.
        await admin.create_topics(
            [NewTopic(name, num_partitions=n, replication_factor=1) for name, n in partitions_by_topic.items()]
        )
    finally:
        await admin.close()
