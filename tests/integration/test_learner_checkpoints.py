"""The learner on real Redis: a checkpoint it cannot read does not stop the worker."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as aioredis

from scorer.profile import Scorer
from stream.checkpoints import RedisCheckpoints
from stream.learner import Learner
from tests.services import services_up

pytestmark = pytest.mark.services


async def test_an_unreadable_checkpoint_gives_a_fresh_model_whose_checkpoint_replaces_it() -> None:
    client = aioredis.from_url(services_up().redis_url)
    checkpoints = RedisCheckpoints(client, key=f"cartcoach:test:{uuid.uuid4().hex}")
    try:
        # Written with another signing key (or by a version with another feature schema).
        assert await checkpoints.save(40, Scorer().save(key=b"some other key"))
        learner = Learner(checkpoints, signing_key=b"our key", every=1)
        await learner.start()
        assert learner.seq == 40  # the lineage's count survives...
        learner.seq += 1  # ...and the next label's checkpoint is newer, so Redis takes it
        assert await learner.checkpoint()
        seq, blob = await checkpoints.load()
        assert seq == 41 and Scorer.load(blob, key=b"our key").model_version == learner.scorer.model_version
    finally:
        await client.aclose()
