"""The Faust worker: the ``events`` topic in, live profiles out, learning on the side.

Built by :func:`create_stream_app` from a :class:`~cartcoach.settings.Settings`
(nothing is read at import time). What runs in a worker:

* ``apply_events`` — batches of records (keyed by session id, one tracker batch of
  events each, or one event in the older format: :mod:`stream.event_records`): each session's record
  from the ``sessions`` table (changelog-backed, co-partitioned with ``events``),
  :class:`~stream.session_service.SessionService` to step it, the new record back
  into the table. Offsets are committed only once the changelog has the state
  they led to (:class:`~stream.durable_offsets.DurableOffsets`), so a crash or a
  rebalance loses no event; and each record is checked against the offset expected
  next (:class:`~stream.offset_continuity.OffsetContinuity`), so records Faust drops
  around a rebalance are read again. Profiles go to Redis as soon as their batch is
  applied (``publish_profiles``), then to the ``profiles`` topic (``announce_profiles``,
  so Redis never waits for the broker); labels to the ``labels`` topic. An outage of Redis or the broker holds the batch and retries it.
  A record that cannot be decoded, or an event that cannot be processed, goes to the
  dead-letter topic with the reason, and the agent goes on (an exception escaping a
  Faust agent would stop it while the worker looks alive).
* ``learn_labels`` — on the single-partition ``labels`` topic: the
  :class:`~stream.learner.Learner` (one per cluster at a time).
* timers — flush debounced profiles; sweep idle sessions into ``session_timeout``
  events (sent through ``events`` so they are applied in order with the session's
  other events); pick up newer model checkpoints.

Run it with ``cartcoach worker``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import faust
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from faust.types import TP
import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from cartcoach.settings import Settings
from scorer.events import CollectedEvent
from scorer.persistence import IncompatibleModel
from scorer.profile import AbandonmentProfile, Scorer
from stream.checkpoints import RedisCheckpoints
from stream.reason_history import RedisReasonHistory
from stream.batching import take_batches
from stream.durable_offsets import DurableOffsets
from stream.event_records import UndecodableRecord, decode_events, encode_events, session_of
from stream.group_offsets import GroupOffsets
from stream.kafka_transport import broker_urls
from stream.label_budget import LabelBudget
from stream.learner import Learner
from stream.metrics import BATCH_RECORDS, SESSIONS_FORGOTTEN, watch_consumer_lag
from nudges.ledger import RedisLedger
from stream.model_health import RedisModelHealth
from stream.offset_continuity import OffsetContinuity, Verdict
from stream.processing import Label, SessionRecord, decode_label, decode_record, encode_label
from stream.processing import encode_record
from stream.processing import SCORE_ALWAYS, is_forgettable, is_idle, timeout_event
from stream.profile_store import RedisProfileStore
from stream.record_batches import MAX_BATCH_BYTES, Record, send_in_batches
from stream.session_service import MAX_TRACKED_SESSIONS, LoadRecord, SaveRecord, SessionService
from stream.trigger_first import trigger_sessions_first
from stream.trigger_timing import TriggerRecord, TriggerTiming

log = logging.getLogger(__name__)

#: Records of trigger sessions applied between two publications in the agent (about 15-20 ms
#: of work on a free core): a trigger's profile waits for its part of a batch, not all of it.
PUBLISH_EVERY = 100

#: Sessions the idle sweep looks at between two yields to the event loop (5-10 ms).
SWEEP_CHUNK = 500

_encode_profile = msgspec.json.Encoder().encode


#: Errors of an unreachable Redis or broker: wait and try again, never dead-letter.
OUTAGES = (RedisError, KafkaError, OSError, asyncio.TimeoutError)
OUTAGE_RETRY_FIRST_S = 0.1
OUTAGE_RETRY_MAX_S = 2.0

Job = TypeVar("Job", bound=Callable[[], Awaitable[Any]])
Done = TypeVar("Done")


def outlasting(job: Job) -> Job:
    """A timer's job that logs an outage of Redis or the broker and lets the next tick retry
    (an exception escaping a Faust timer would stop the worker)."""

    @functools.wraps(job)
    async def run() -> Any:
        try:
            return await job()
        except OUTAGES as exc:
            log.warning("%s: Redis or the broker is unavailable (%r); retrying later", job.__name__, exc)
            return None

    return run  # type: ignore[return-value]


def _log_lost_announcement(ack: asyncio.Future) -> None:
    """Profiles are in Redis already; the topic is at least once, so a failed batch is logged."""
    if not ack.cancelled() and ack.exception() is not None:
        log.warning("profiles not announced on the topic: %r", ack.exception())


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create_stream_app(settings: Settings) -> faust.App:
    """A Faust app wired to Kafka and Redis as ``settings`` says."""
    if settings.embedded or not settings.redis_url:
        raise ValueError("the stream worker needs KAFKA_BOOTSTRAP_SERVERS and REDIS_URL")
    app = faust.App(
        settings.stream_app_id,
        broker=broker_urls(settings.kafka_bootstrap_servers),
        store=settings.stream_store,
        datadir=str(settings.stream_data_dir),
        topic_partitions=settings.topic_partitions,
        key_serializer="raw",
        value_serializer="raw",
        producer_acks=-1,
        # One record batch per partition per applied batch (changelog, profiles): Faust's
        # 16 KiB default split them into a produce request per dozen session records.
        producer_max_batch_size=MAX_BATCH_BYTES,
        broker_session_timeout=settings.stream_session_timeout_s,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
    )
    topic_args: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
    # acks=False: Faust does not commit these offsets, DurableOffsets decides (see there why).
    events = app.topic(
        settings.events_topic, partitions=settings.topic_partitions, acks=False, **topic_args
    )
    profiles_topic = app.topic(settings.profiles_topic, partitions=settings.topic_partitions, **topic_args)
    labels_topic = app.topic(settings.labels_topic, partitions=1, **topic_args)
    dead_letters = app.topic(settings.dead_letter_topic, partitions=1, **topic_args)
    sessions = app.Table(
        "sessions", default=None, partitions=settings.topic_partitions, **topic_args
    )

    redis_client = aioredis.from_url(settings.redis_url)
    checkpoints = RedisCheckpoints(redis_client, key=f"cartcoach:model:{settings.stream_app_id}")
    learner = Learner(
        checkpoints, signing_key=settings.model_signing_key, every=settings.checkpoint_every,
        budget=LabelBudget(settings.survey_labels_per_visitor, settings.survey_labels_per_client),
    )  # fmt: skip
    me = worker_id().encode()
    partitioner = DefaultPartitioner()
    all_partitions = list(range(settings.topic_partitions))

    @functools.lru_cache(maxsize=MAX_TRACKED_SESSIONS)
    def partition_of_key(session_key: bytes) -> int:
        """The events (and profiles) partition a session's key maps to: Kafka's murmur2, in
        pure Python (about 10 us), so each session is hashed once, not every sweep."""
        return partitioner(session_key, all_partitions, all_partitions)
    serving = {"seq": -1}

    def kafka_producer() -> AIOKafkaProducer:
        # Faust's producer is aiokafka's underneath; record batches go to it directly
        # (stream/record_batches.py says why). Faust offers no public accessor.
        return app.producer._ensure_producer()

    #: Profiles stored in Redis, waiting for ``announce_profiles`` to put them on the topic.
    to_announce: list[AbandonmentProfile] = []
    announce_due = asyncio.Event()

    async def announce(profiles: Sequence[AbandonmentProfile]) -> None:
        """Queue the profiles for the topic. Handing a record batch to the producer waits
        for the request before it (one in flight per broker), so the topic is fed by a
        task of its own and the next profiles reach Redis without waiting on the broker."""
        to_announce.extend(profiles)
        announce_due.set()

    @app.task
    async def announce_profiles() -> None:
        """On the profiles topic, keyed by session: what is queued, one record batch per partition."""
        while True:
            await announce_due.wait()
            announce_due.clear()
            profiles = to_announce[:]
            to_announce.clear()
            by_partition: dict[int, list[Record]] = defaultdict(list)
            for profile in profiles:
                key = profile.session_id.encode()
                by_partition[partition_of_key(key)].append((key, _encode_profile(profile), None))
            try:
                batches = await send_in_batches(kafka_producer(), profiles_topic.get_topic_name(), by_partition,
                                                headers=[("worker", me)])
            except Exception:  # noqa: BLE001 - at least once: Redis has them; a stopped task announces nothing again
                log.exception("profiles not announced on the topic")
                continue
            for sent in batches:
                sent.ack.add_done_callback(_log_lost_announcement)

    async def emit_label(label: Label) -> None:
        if settings.learning:
            await labels_topic.send(key=label.state.session_id.encode(), value=encode_label(label))

    timing = TriggerTiming()
    service = SessionService(
        Scorer(),
        RedisProfileStore(redis_client, settings.profile_ttl_s),
        RedisLedger(redis_client),
        RedisModelHealth(redis_client),
        announce=announce,
        emit_label=emit_label,
        debounce_ms=settings.score_debounce_ms,
        idle_timeout_ms=settings.session_idle_timeout_s * 1000,
        # This worker's share of the budget; the learner applies it exactly across workers.
        budget=LabelBudget(settings.survey_labels_per_visitor, settings.survey_labels_per_client),
        history=RedisReasonHistory(redis_client),
        profile_ttl_ms=settings.profile_ttl_s * 1000,
        timing=timing,
    )

    async def through_outages(what: str, attempt: Callable[[], Awaitable[Done]]) -> Done:
        """``attempt()``, again and again while Redis or the broker is away: an outage is
        no reason to dead-letter events or to stop the agent."""
        delay_s = OUTAGE_RETRY_FIRST_S
        while True:
            try:
                return await attempt()
            except OUTAGES as exc:
                if app.should_stop:
                    raise
                log.warning("%s failed (%r); retrying in %.1f s", what, exc, delay_s)
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, OUTAGE_RETRY_MAX_S)

    async def dead_letter(value: bytes, reason: str, key: bytes | None) -> asyncio.Future:
        """Send a record to the dead-letter topic; returns the pending send."""
        log.warning("dead-lettered a record: %s", reason)
        headers = {"reason": reason.encode()[:1000], "worker": me}
        return await through_outages(
            "dead-lettering", lambda: dead_letters.send(key=key, value=value, headers=headers)
        )

    def load(session_id: str) -> SessionRecord | None:
        stored = sessions.get(session_id.encode())
        return None if stored is None else decode_record(stored)

    async def apply_through_outages(events: list[CollectedEvent], load: LoadRecord, save: SaveRecord) -> None:
        """Applying again after an outage is safe: records are saved only at the end, and a
        replayed event id changes nothing."""
        await through_outages(f"applying {len(events)} events", lambda: service.apply(events, load, save))

    durable: DurableOffsets[TP] = DurableOffsets()
    #: Held while a batch is applied, so a rebalance never cuts one in half.
    applying = asyncio.Lock()

    async def apply_batch(batch: Sequence[faust.EventT], received: dict[int, float]) -> list[asyncio.Future]:
        """Apply one batch, its trigger sessions first (:mod:`stream.trigger_first`), and
        publish their profiles before the rest is applied; returns the sends (changelog,
        dead letters) the batch is durable after. ``received``: when each record (by ``id``)
        joined the batch, for :mod:`stream.trigger_timing`."""
        started = time.time()
        sends: list[asyncio.Future] = []
        #: Per record holding a trigger event (by ``id`` of its decoded events), its timing.
        triggers: dict[int, TriggerRecord] = {}
        partition_of: dict[str, int] = {}
        runs: list[list[CollectedEvent]] = []
        for message in batch:
            key, value = message.key, message.value
            try:
                events = decode_events(value)
            except UndecodableRecord as exc:
                sends.append(await dead_letter(value, str(exc), key))
                continue
            session_id = session_of(events)
            if session_id is None or key != session_id.encode():
                sends.append(await dead_letter(value, "record key is not the events' session id", key))
                continue
            runs.append(events)
            partition_of[session_id] = message.message.partition
            if any(event.type in SCORE_ALWAYS for event in events):
                created = message.message.timestamp or started
                triggers[id(events)] = TriggerRecord(created, received.get(id(message), started))

        changelog: dict[int, list[Record]] = defaultdict(list)

        def save(session_id: str, record: SessionRecord) -> None:
            # Written to the store, and queued for the changelog partition of the session's
            # own events partition (co-partitioning).
            key, value = session_id.encode(), encode_record(record)
            sessions.data[key] = value
            changelog[partition_of[session_id]].append((key, value, None))

        urgent, rest = trigger_sessions_first(runs)
        part: list[list[CollectedEvent]] = []
        for n, session_runs in enumerate(urgent, 1):
            part += session_runs
            if len(part) < PUBLISH_EVERY and n < len(urgent):
                continue
            await apply_part([event for run in part for event in run], save, sends)
            timing.applied((triggers[id(run)] for run in part if id(run) in triggers), started)
            # Stored now, not after the rest: a replay after a crash publishes the same
            # profiles again (puts are monotonic), so they need not wait for the changelog.
            await publish_now()
            part = []
        if rest:
            await apply_part([event for run in rest for event in run], save, sends)
            applied.set()  # published by publish_profiles while the changelog is written
        # The batch's changelog records, one record batch per partition; its offsets are
        # committed once these are acknowledged.
        topic = sessions.changelog_topic.get_topic_name()
        batches = await through_outages(
            "writing the changelog", lambda: send_in_batches(kafka_producer(), topic, changelog)
        )
        for sent in batches:
            sent.ack.add_done_callback(functools.partial(persisted, TP(topic, sent.partition), sent.records))
            sends.append(sent.ack)
        return sends

    async def apply_part(events: list[CollectedEvent], save: SaveRecord, sends: list[asyncio.Future]) -> None:
        """Apply sessions' events; one that cannot be processed is dead-lettered, the others applied."""
        try:
            await apply_through_outages(events, load, save)
        except Exception:  # noqa: BLE001 - one bad record must not stop the agent
            # Nothing of the part was saved (records are saved at the end of apply), so
            # apply again one event at a time to find the bad one; the ledger is idempotent.
            for event in events:
                try:
                    await apply_through_outages([event], load, save)
                except Exception as exc:  # noqa: BLE001
                    log.exception("processing event %s failed", event.id)
                    reason = f"processing failed: {exc!r}"
                    sends.append(await dead_letter(encode_events([event]), reason, event.session_id.encode()))

    async def publish_now() -> None:
        """Store the profiles applied so far, in the agent (one Redis round trip); if Redis is
        away they wait for ``publish_profiles``, which retries, and the agent goes on."""
        try:
            await service.publish_scored()
        except Exception as exc:  # noqa: BLE001 - the profiles are kept for the next publication
            if not isinstance(exc, OUTAGES):
                log.exception("publishing trigger profiles failed")
            applied.set()

    def persisted(tp: TP, records: int, ack: asyncio.Future) -> None:
        """What Faust's own changelog send does on the ack: a RocksDB store keeps the
        offset, so a restart recovers from there (the memory store ignores it)."""
        if not ack.cancelled() and ack.exception() is None:
            sessions.data.set_persisted_offset(tp, ack.result().offset + records - 1)

    continuity: OffsetContinuity[TP] = OffsetContinuity()

    group_offsets = GroupOffsets(settings.kafka_bootstrap_servers, settings.stream_app_id)

    async def start_reading(tp: TP, now: float, first_seen: int | None = None) -> None:
        """Track ``tp`` from where the group starts reading it, as the broker says."""
        try:
            offset = await group_offsets.start_offset(tp.topic, tp.partition)
        except (KafkaError, OSError, asyncio.TimeoutError) as exc:
            if first_seen is None:
                return  # the timer asks again in a second
            log.warning("could not ask the broker where %s starts (%r); reading on from offset %d",
                        tp, exc, first_seen)
            offset = first_seen
        continuity.start(tp, offset, now=now)

    async def in_offset_order(batch: Sequence[faust.EventT]) -> list[faust.EventT]:
        """The batch's records to apply; a partition that skipped some is read again from there."""
        now = time.monotonic()
        to_apply: list[faust.EventT] = []
        for message in batch:
            tp, offset = message.message.tp, message.message.offset
            if not continuity.knows(tp):
                await start_reading(tp, now, first_seen=offset)
            verdict = continuity.admit(tp, offset, now=now)
            if verdict is Verdict.APPLY:
                to_apply.append(message)
            elif verdict is Verdict.SEEK:
                expected = continuity.expected(tp)
                log.warning("the consumer skipped offsets %d..%d of %s; reading them again",
                            expected, offset - 1, tp)
                await app.consumer.seek(tp, expected)
        return to_apply

    @app.timer(1.0, name="reread_skipped_records")
    async def reread_skipped_records() -> None:
        """Seek back where a hole is still open, or where the log has records that never came."""
        if app.rebalancing:  # Faust seeks to the committed offsets when it is done
            return
        async with applying:
            now = time.monotonic()
            mine = {tp for tp in app.consumer.assignment() if tp.topic == events.get_topic_name()}
            continuity.forget(continuity.partitions() - mine)
            for tp in mine - continuity.partitions():
                await start_reading(tp, now)
            ends = {tp: app.consumer.highwater(tp) or -1 for tp in mine}
            for tp, offset in continuity.due_for_seek(now=now, ends=ends).items():
                log.info("offset %d of %s has not arrived; seeking there (again)", offset, tp)
                await app.consumer.seek(tp, offset)

    @app.agent(events, name="apply_events")
    async def apply_events(stream: faust.StreamT) -> None:
        # Batches of records (filled from what is fetched: stream/batching.py), one table
        # write per touched session. Faust does not ack
        # these (the topic has acks off): the offsets are committed by
        # ``commit_durable_offsets`` once the batch's changelog sends are acknowledged.
        async for batch in take_batches(stream, settings.stream_batch_max, settings.stream_batch_within_s):
            async with applying:
                received = {id(message): at for message, at in zip(batch, batch.received)}
                current = [m for m in batch if m.message.generation_id == app.consumer_generation_id]
                # Records read before a rebalance are left to the partition's owner.
                to_apply = await in_offset_order(current)
                if not to_apply:
                    continue
                BATCH_RECORDS.observe(len(to_apply))
                sends = await apply_batch(to_apply, received)
                # Per partition the batch is in offset order: the last one wins.
                last = {message.message.tp: message.message.offset for message in to_apply}
                for tp, offset in last.items():
                    durable.processed(tp, offset, sends)
            applied.set()

    async def commit_durable(partitions: set[TP], *, settle: bool = False) -> None:
        """Commit what is processed and in the changelog (after waiting for it, if ``settle``)."""
        if settle:
            await durable.settled(partitions)
        offsets = durable.committable(partitions)
        if offsets:
            # Faust's consumer has no public "commit these offsets"; _commit is what its
            # own commit path ends in (it skips partitions no longer assigned).
            await app.consumer._commit(offsets)

    @app.timer(settings.stream_commit_interval_s, name="commit_durable_offsets")
    @outlasting
    async def commit_durable_offsets() -> None:
        await commit_durable(app.consumer.assignment())

    #: Set after each applied batch: its profiles are due.
    applied = asyncio.Event()

    @app.task
    async def publish_profiles() -> None:
        """Store and announce the profiles of each batch once it is applied; the agent goes
        on with the next batch meanwhile, and a slow round trip takes several batches'
        profiles at once."""
        while True:
            await applied.wait()
            applied.clear()
            try:
                await outlasting(service.publish_scored)()
            except Exception:  # noqa: BLE001 - a task that stops would publish nothing again
                log.exception("publishing profiles failed")

    @app.agent(labels_topic, name="learn_labels")
    async def learn_labels(stream: faust.StreamT) -> None:
        async for value in stream:
            try:
                await learner.learn(decode_label(value))
            except Exception as exc:  # noqa: BLE001
                await dead_letter(value, f"label not learned: {exc!r}", None)

    @app.task
    async def load_models() -> None:
        await learner.start()
        await refresh_model()

    @app.timer(settings.model_refresh_s, name="refresh_model")
    @outlasting
    async def refresh_model() -> None:
        seq = await checkpoints.latest_seq()
        if seq > serving["seq"]:
            latest = await checkpoints.load()
            if latest is not None:
                serving["seq"], blob = latest
                try:
                    service.scorer = Scorer.load(blob, key=settings.model_signing_key)
                except IncompatibleModel as exc:  # keep serving the model we have
                    log.error("model checkpoint %d not served: %s", serving["seq"], exc)
                    return
                log.info("serving model checkpoint %d (%s)", serving["seq"], service.scorer.model_version)

    @app.timer(settings.score_debounce_ms / 1000, name="flush_profiles")
    @outlasting
    async def flush_profiles() -> None:
        await service.flush()

    @app.timer(settings.sweep_interval_s, name="sweep_idle_sessions")
    @outlasting
    async def sweep_idle_sessions() -> None:
        """Close quiet sessions; forget long-closed ones; re-publish any whose last state was never scored."""
        now = int(time.time() * 1000)
        timeout_ms = settings.session_idle_timeout_s * 1000
        mine = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == events.get_topic_name()}
        to_forget: list[bytes] = []
        for seen, (key, stored) in enumerate(list(sessions.items()), 1):
            if seen % SWEEP_CHUNK == 0:
                # Let events through: a table of 100,000 sessions takes a second or two
                # to sweep. Records that change meanwhile are checked again where it matters:
                # a timeout is dropped if the shopper came back, a stale catch-up is not news.
                await asyncio.sleep(0)
            # The table also holds standby copies of other workers' sessions: skip those.
            if partition_of_key(key) not in mine:
                continue
            record = decode_record(stored)
            if is_forgettable(record, now, forget_after_ms):
                to_forget.append(key)
            elif is_idle(record, now, timeout_ms):
                await events.send(key=key, value=encode_events([timeout_event(record, now)]))
            else:
                await service.catch_up(record, now)
        if to_forget:
            await forget(to_forget, now)

    forget_after_ms = settings.session_forget_after_s * 1000

    async def forget(keys: list[bytes], now: int) -> None:
        """Drop the sessions from the table, with a tombstone in the changelog (compaction
        then drops their records too), between two batches: a session an event touched
        meanwhile is kept."""
        async with applying:
            tombstones: dict[int, list[Record]] = defaultdict(list)
            for key in keys:
                stored = sessions.data.get(key)
                if stored is None or not is_forgettable(decode_record(stored), now, forget_after_ms):
                    continue
                del sessions.data[key]
                service.forget(key.decode())
                tombstones[partition_of_key(key)].append((key, None, None))
            if not tombstones:
                return
            topic = sessions.changelog_topic.get_topic_name()
            await through_outages(
                "writing tombstones", lambda: send_in_batches(kafka_producer(), topic, tombstones)
            )
        SESSIONS_FORGOTTEN.inc(sum(map(len, tombstones.values())))

    @app.on_partitions_revoked.connect
    async def hand_over(app: faust.App, revoked: set[TP], **kwargs: Any) -> None:
        """Before the partitions change hands: finish the batch, make it durable, commit."""
        async with applying:
            await commit_durable(revoked, settle=True)
            durable.forget(revoked)
            continuity.forget(revoked)
        service.drop_pending()

    @app.on_before_shutdown.connect
    async def save_model(app: faust.App, **kwargs: Any) -> None:
        await learner.checkpoint()
        async with applying:
            await commit_durable(app.consumer.assignment(), settle=True)
        await group_offsets.close()
    watch_consumer_lag(app, settings.kafka_bootstrap_servers, settings.stream_app_id, settings.events_topic)
    return app
