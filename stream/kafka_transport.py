"""Faust's Kafka transport: the broker's wait for an empty fetch bounded to 50 ms, a
fetch loop that does not make tasks per record, and fetches tied to the assignment they
were asked under (:class:`AskedUnder`: without it, table recovery could wait forever
after a rebalance).

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

Faust's fetch loop hands each record to the streams with ``wait_first(delivery,
suspended)``, so that a rebalance can interrupt a delivery that waits (for flow
control, a full stream buffer, the producer). That makes four tasks and a wait per
record, about half of what Faust spends on a record (a no-op agent used 177–184 µs
of CPU per record with it, 77–89 µs without, same records). A delivery almost never
waits, so this transport's loop steps it by hand and finishes only the rare one that
does wait the way Faust does, under ``wait_first``; everything else in the loop is
Faust's (``_Consumer._drain_messages``, copied from faust-streaming 0.15.3).

The worker uses this transport through the ``cartcoach-kafka://`` broker URL
(registered in ``pyproject.toml`` under Faust's ``faust.transports`` entry points,
the way Faust takes third-party transports).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine, Generator
from typing import Any

import aiokafka
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from mode import ServiceT

#: How long the broker may hold a fetch that has no records to return.
FETCH_MAX_WAIT_MS = 50

SCHEME = "cartcoach-kafka"

#: Records delivered between two yields to the event loop (Faust's own figure).
YIELD_EVERY = 100


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this when the consumer starts (it builds its fetcher then).
        if not hasattr(consumer, "_fetch_max_wait_ms"):
            raise RuntimeError("this aiokafka has no _fetch_max_wait_ms: see stream/kafka_transport.py")
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer

    async def _fetch_records(
        self,
        consumer: aiokafka.AIOKafkaConsumer,
        active_partitions: set[TP],
        timeout: float | None = None,
        max_records: int | None = None,
    ) -> Any:
        """Faust's fetch, asking only for what is active under the assignment it was made in.

        See :class:`AskedUnder` for the race this closes.
        """
        subscriptions = consumer._fetcher._subscriptions

        def assignment() -> object:
            subscription = subscriptions.subscription
            return None if subscription is None else subscription.assignment

        asked = AskedUnder(active_partitions, assignment)
        return await super()._fetch_records(consumer, asked, timeout=timeout, max_records=max_records)  # type: ignore[arg-type]


class AskedUnder:
    """The partitions one fetch asks aiokafka for: Faust's active partitions, for as long
    as the consumer's assignment is the one the fetch was asked under.

    Faust hands aiokafka's ``fetched_records`` its own set of active partitions, a set it
    keeps changing, and aiokafka reads an empty one as "every partition". A fetch asked
    before a rebalance waits out the reassignment inside aiokafka and then goes on. By
    then Faust has paused every partition (the set is empty) and table recovery has
    sought the changelog partitions back to where it must read, so the first records
    to arrive — changelog records among them — are all handed over and the positions
    move past them, while Faust, its flow stopped, drops them. Recovery then waits for
    changelog records the consumer will never fetch again ("No event received for
    active tp ... since recovery start"), and the worker's partitions stall. With this
    in its place a fetch never means "every partition", and one asked under an earlier
    assignment takes nothing; it returns empty within its timeout and the next fetch
    asks afresh.

    >>> current = ["generation 1"]
    >>> asked = AskedUnder({"events-0"}, lambda: current[0])
    >>> "events-0" in asked, "events-1" in asked, bool(asked)
    (True, False, True)
    >>> current[0] = "generation 2"
    >>> "events-0" in asked
    False
    >>> bool(AskedUnder(set(), lambda: current[0]))  # empty: still not "every partition"
    True
    """

    __slots__ = ("_active", "_asked_under", "_assignment")

    def __init__(self, active: Collection[Any], assignment: Callable[[], object]) -> None:
        self._active = active
        self._assignment = assignment
        self._asked_under = assignment()

    def __bool__(self) -> bool:
        return True

    def __contains__(self, tp: object) -> bool:
        return self._assignment() is self._asked_under and tp in self._active


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher: ServiceT) -> None:
        """Faust's fetch loop (``faust.transport.consumer.Consumer._drain_messages``,
        faust-streaming 0.15.3), delivering a record under ``wait_first`` only if the
        delivery waits. See the module's docstring for why."""
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set  # type: ignore[attr-defined]
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        acks_enabled_for = self.app.topics.acks_enabled_for
        commit_every = self._commit_every
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                records = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in records:
                        since_yield += 1
                        if since_yield > YIELD_EVERY:
                            await asyncio.sleep(0)
                            since_yield = 0
                        offset = message.offset
                        read = get_read_offset(tp)
                        if read is not None and offset < read:
                            continue  # already delivered (Faust logs these at dev level)
                        if read and offset - read > 1 and acks_enabled_for(message.topic):
                            await self._add_gap(tp, read + 1, offset)
                        if commit_every is not None and self._n_acked >= commit_every:
                            self._n_acked = 0
                            await self.commit()
                        delivery = callback(message)
                        try:
                            waits_for = delivery.send(None)
                        except StopIteration:
                            pass  # delivered without waiting for anything: nearly always
                        else:
                            # It waits (flow control, a full stream buffer, the producer):
                            # from here on as Faust does it, so a rebalance can cut in.
                            await self.wait_first(_finish(delivery, waits_for), self.suspend_flow.wait())
                        set_read_offset(tp, offset)
                    self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the worker consumer's fetch wait and fetch loop."""

    Consumer = _Consumer


class _Pass:
    """Hands what a coroutine waits for up to the task driving it (see :func:`_finish`)."""

    def __init__(self, waits_for: Any) -> None:
        self.waits_for = waits_for

    def __await__(self) -> Generator[Any, Any, Any]:
        return (yield self.waits_for)


async def _finish(coroutine: Coroutine[Any, Any, None], waits_for: Any) -> None:
    """Run to its end a coroutine already stepped once by hand (it yielded ``waits_for``).

    The task awaiting this waits for what the coroutine waits for, and each outcome
    (a result, an exception, a cancellation) goes into the coroutine as a task would
    send it.
    """
    while True:
        try:
            sent = await _Pass(waits_for)
        except BaseException as exc:  # noqa: BLE001 - passed on to the coroutine, as a task does
            try:
                waits_for = coroutine.throw(exc)
            except StopIteration:
                return
        else:
            try:
                waits_for = coroutine.send(sent)
            except StopIteration:
                return


def broker_urls(bootstrap_servers: str) -> str:
    """Faust's ``broker`` setting for this transport.

    >>> broker_urls("k1:9092,k2:9092")
    'cartcoach-kafka://k1:9092;cartcoach-kafka://k2:9092'
    """
    return ";".join(f"{SCHEME}://{server.strip()}" for server in bootstrap_servers.split(","))
