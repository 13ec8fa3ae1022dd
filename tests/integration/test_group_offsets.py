"""Where a new owner of a partition starts reading, asked of the real broker."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
from aiokafka.structs import OffsetAndMetadata

from stream.group_offsets import GroupOffsets
from tests.services import Services

pytestmark = pytest.mark.services


async def fresh_topic(services: Services, records: int) -> str:
    topic = f"offsets-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=services.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=services.kafka_bootstrap_servers)
    await producer.start()
    try:
        for i in range(records):
            await producer.send_and_wait(topic, f"{i}".encode(), partition=0)
    finally:
        await producer.stop()
    return topic


async def test_a_group_that_never_committed_starts_at_the_log_start(services: Services) -> None:
    topic = await fresh_topic(services, records=5)
    admin = AIOKafkaAdminClient(bootstrap_servers=services.kafka_bootstrap_servers)
    await admin.start()
    try:  # retention removed the first three records
        await admin.delete_records({TopicPartition(topic, 0): RecordsToDelete(before_offset=3)})
    finally:
        await admin.close()
    offsets = GroupOffsets(services.kafka_bootstrap_servers, f"group-{uuid.uuid4().hex[:8]}")
    try:
        assert await offsets.start_offset(topic, 0) == 3
    finally:
        await offsets.close()


async def test_a_group_that_committed_starts_at_its_committed_offset(services: Services) -> None:
    topic = await fresh_topic(services, records=5)
    group = f"group-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=services.kafka_bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(4, "")})
    finally:
        await consumer.stop()
    offsets = GroupOffsets(services.kafka_bootstrap_servers, group)
    try:
        assert await offsets.start_offset(topic, 0) == 4
    finally:
        await offsets.close()
