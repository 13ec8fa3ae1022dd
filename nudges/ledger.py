"""The experiment ledger: exposures, clicks, purchases and refunds, tallied per arm and reason.

Why it lives in the stream: exposures (``overlay_decision``), clicks, purchases and
refunds all arrive as events, on the same road (Kafka and the stream worker, or the
embedded pipeline), so the one event handler calls :meth:`ExperimentLedger.record`
for every event and the report reads :meth:`ExperimentLedger.tallies`.

Every rule is idempotent, because delivery is at least once:

* an exposure counts once per (experiment, session): the first decision wins, later
  ones for the same session (another trigger, a retry) change nothing;
* a click counts once per exposed session;
* a purchase counts once per order id (a signed thank-you page and the shop's back end
  may both report it), and is attributed, per experiment, to the visitor's latest
  exposure whose attribution window (carried on the exposure) covers the purchase;
* a refund counts once per order id, against the arms its order was attributed to;
* a decision of the learning policy (arm ``learning``) gets exactly one reward, once its
  window has closed (:meth:`Ledger.close_learning`, claimed once however many processes
  ask): its verified revenue less verified refunds, kept per decision, at most the
  store's ``max_cart_value``. The rewards go to one ordered log per experiment that every
  learning policy replays in the same order (``nudges/learning/learners.py``), so every
  API instance holds the same model and a restarted one catches up from a checkpoint.
  Closing also judges, once, what the decision is to the coupon-waiting charge
  (``nudges/learning/coupon_waiting.py``): its visitor's first coupon choice or a later
  decision. Each visitor's first choice is one key that expires with the charge's horizon,
  so the per-visitor state is written once per decision and never goes into the
  checkpoints, which stay the same size however many visitors come.

Only *verified* purchases and refunds count (``CollectedEvent.verified``: from the
store's back end with its secret key, or with its signed order token): the write key
is public, so a browser's word on orders and money moves no figure here.

The logic is written once over a few storage primitives; :class:`MemoryLedger` keeps
them in dicts (embedded default), :class:`RedisLedger` in Redis strings, hashes,
sets and sorted sets (the full path, shared by every worker and API instance).

>>> import asyncio
>>> from scorer.events import CollectedEvent
>>> def ev(i, type, at, **kw):
...     return CollectedEvent(id=f"e-{i:06d}", type=type, ts=at, at=at, received_at=at,
...         store_id="demo", visitor_id="v-000001", session_id="s-000001", **kw)
>>> async def demo():
...     ledger = MemoryLedger()
...     await ledger.record(ev(1, "overlay_decision", 1000, experiment="x", arm="v1",
...         variant="trust.reviews", incentive="reviews", propensity=0.3,
...         props={"reason": "trust", "cost": 0.0, "window_s": 3600}))
...     await ledger.record(ev(2, "purchase", 5000, order_id="o-1", amount=120.0, verified=True))
...     await ledger.record(ev(3, "purchase", 6000, order_id="o-1", amount=120.0, verified=True))  # again
...     await ledger.record(ev(4, "purchase", 7000, order_id="o-2", amount=9e8))  # a browser's word
...     return (await ledger.tallies("demo", "x"))[("v1", "trust")]
>>> t = asyncio.run(demo())
>>> t.exposures, t.recoveries, t.orders, t.revenue
(1, 1, 1, 120.0)
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol, TypeVar

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import WatchError

from nudges.learning.coupon_waiting import HORIZON_MS, FirstChoice, Verdict, judge
from nudges.learning.decision_log import example_of
from scorer.events import CollectedEvent

#: Events the ledger reads; every other type returns at once.
LEDGER_EVENTS: Final = frozenset({"overlay_decision", "overlay_impression", "overlay_click", "purchase", "refund"})
#: Longest period a dated report may span (one day bucket is read per day).
MAX_REPORT_DAYS: Final = 400
#: Longest attribution window honoured (a store's window is carried on each exposure).
MAX_WINDOW_S: Final = 30 * 24 * 3600
#: How long order records are kept for refunds to find them.
ORDER_TTL_S: Final = 120 * 24 * 3600
DEFAULT_WINDOW_S: Final = 24 * 3600
METRICS: Final = ("exposures", "clicks", "recoveries", "orders", "revenue", "incentive_cost",
                  "refunds", "refunded", "propensity_sum")


class Tally(msgspec.Struct, kw_only=True):
    """One (arm, reason) cell of an experiment, or one nudge (incentive) of it."""

    exposures: int = 0
    #: Exposed sessions whose overlay the snippet reported on screen (holdout: none).
    impressions: int = 0
    clicks: int = 0
    #: Exposed sessions with at least one attributed purchase.
    recoveries: int = 0
    orders: int = 0
    revenue: float = 0.0
    #: What the incentives of recovered sessions cost the store.
    incentive_cost: float = 0.0
    refunds: int = 0
    refunded: float = 0.0
    #: Sum of the logged propensities (their mean is the arm's probability).
    propensity_sum: float = 0.0

    @classmethod
    def total(cls, cells: Iterable[Tally]) -> Tally:
        """The cells added field by field: an arm over its reasons, a report over its days.

        >>> Tally.total([Tally(exposures=2, revenue=10.0), Tally(exposures=1, refunds=1)]).exposures
        3
        """
        out = cls()
        for cell in cells:
            for field in cell.__struct_fields__:
                setattr(out, field, getattr(out, field) + getattr(cell, field))
        return out


Tallies = dict[tuple[str, str], Tally]
#: Per incentive shown ("none" for the holdout).
NudgeTallies = dict[str, Tally]


def day_of(at_ms: int) -> str:
    """The UTC date an exposure falls on: the day bucket its whole cohort is counted in.

    >>> day_of(86_400_000 * 365)
    '1971-01-01'
    """
    return datetime.fromtimestamp(at_ms / 1000, UTC).date().isoformat()


def days_between(since: date, until: date) -> list[str]:
    """Every UTC date from ``since`` to ``until``, both included."""
    return [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]


class Exposure(msgspec.Struct, frozen=True):
    arm: str
    reason: str
    incentive: str
    propensity: float
    at: int
    window_ms: int
    cost: float
    #: ``focused`` (every variant answered the top reason) or ``hedged``; ``none`` for older records.
    mode: str = "none"
    #: What asked: a page trigger (``exit_intent``...) or a flow step (``flow:<flow>:<step>:<channel>``),
    #: so the shopper's plan can tell a nudge shown on the page from a message; ``""`` for older records.
    trigger: str = ""


class Attribution(msgspec.Struct, frozen=True):
    experiment: str
    arm: str
    reason: str
    #: The session whose decision the order went to ("" in records written before rewards were joined).
    session: str = ""
    #: The exposure's incentive and day bucket ("" in records written before dated reports).
    incentive: str = ""
    day: str = ""


#: The arm of the learning policy's decisions (``nudges/decision.py``).
LEARNING_ARM: Final = "learning"


class LearningDecision(msgspec.Struct, frozen=True):
    """What a learning decision logged: enough to learn from it once its reward is known."""

    props: dict[str, str | int | float | bool]
    incentive: str
    propensity: float
    #: Who it spoke to and when: what the coupon-waiting charge compares later visits by
    #: (``""`` / 0 in records written before it).
    visitor: str = ""
    at: int = 0


class LearningReward(msgspec.Struct, frozen=True):
    """One closed learning decision: what it logged and what its outcomes earned."""

    decision: LearningDecision
    #: Verified revenue attributed within the window, less verified refunds, capped.
    revenue: float
    #: Net margin: revenue × the store's margin − the incentive's cost when bought.
    reward: float
    #: What it is to the coupon-waiting charge, judged once at closing (None: nothing,
    #: and in rewards closed by versions that did not judge).
    waiting: Verdict | None = None


_exposure = msgspec.json.Decoder(Exposure)
_attributions = msgspec.json.Decoder(list[Attribution])
_learning_decision = msgspec.json.Decoder(LearningDecision)
_learning_reward = msgspec.json.Decoder(LearningReward)
_first_choice = msgspec.json.Decoder(FirstChoice)
T = TypeVar("T")
#: First coupon choices migrated from an old checkpoint are written this many per round trip.
MIGRATE_CHUNK: Final = 1000
_json = msgspec.json.Encoder()


class ExperimentLedger(Protocol):
    async def record(self, event: CollectedEvent) -> None:
        """Fold one event in (cheap no-op for types the ledger does not read)."""

    async def tallies(self, store_id: str, experiment: str, since: date | None = None,
                      until: date | None = None) -> Tallies:
        """Counts and sums per (arm, reason) for the report; with ``since``/``until`` (UTC
        dates, both included) only the sessions exposed in that period, with all their outcomes."""

    async def nudge_tallies(self, store_id: str, experiment: str, since: date | None = None,
                            until: date | None = None) -> NudgeTallies:
        """Counts and sums per incentive shown, for sessions exposed in the period (all if None)."""

    async def experiments(self, store_id: str) -> list[str]:
        """Experiments with at least one exposure."""

    async def exposure(self, store_id: str, experiment: str, session_id: str) -> Exposure | None:
        """The session's (first) exposure in the experiment, if any."""

    async def coupons_offered(self, store_id: str, visitor_id: str) -> int:
        """How many sessions of this visitor were shown a coupon (for the no-coupon rule)."""

    async def close_learning(self, store_id: str, experiment: str, until_ms: int, margin: float,
                             cap: float) -> int:
        """Append the reward of every learning decision whose window ended by ``until_ms``, once."""

    async def learning_rewards(self, store_id: str, experiment: str, start: int) -> list[LearningReward]:
        """The experiment's reward log from position ``start``."""

    async def checkpoint(self, store_id: str, experiment: str) -> bytes | None:
        """The latest saved learning-policy checkpoint (see ``nudges/learning/learners.py``)."""

    async def save_checkpoint(self, store_id: str, experiment: str, blob: bytes) -> None: ...

    async def remember_first_choices(self, store_id: str, experiment: str, choices: dict[str, FirstChoice],
                                     now_ms: int) -> None:
        """Keep visitors' first coupon choices (an old checkpoint's map) where closing judges
        new decisions, each until its horizon ends; a visitor already known keeps its own."""

    async def close(self) -> None: ...


class _Backend(Protocol):
    async def set_nx(self, key: str, value: bytes, ttl_s: int) -> bool: ...
    async def set_nx_many(self, items: list[tuple[str, bytes, int]]) -> None:
        """``set_nx`` of each (key, value, ttl_s)."""
    async def set(self, key: str, value: bytes, ttl_s: int) -> None: ...
    async def swap(self, key: str, change: Callable[[bytes | None], tuple[bytes | None, T]], ttl_s: int) -> T:
        """Replace the value by ``change(value)``'s first part (None: unchanged) atomically, no
        other writer in between; a new key lives ``ttl_s``, a replaced one keeps its expiry."""
    async def get(self, key: str) -> bytes | None: ...
    async def incr(self, key: str, ttl_s: int) -> None: ...
    async def hincr(self, key: str, fields: dict[str, float], ttl_s: int | None = None) -> None: ...
    async def rpush(self, key: str, value: bytes) -> None: ...
    async def lrange(self, key: str, start: int) -> list[bytes]: ...
    async def hincr_many(self, updates: list[tuple[str, dict[str, float]]]) -> None: ...
    async def hgetall(self, key: str) -> dict[str, float]: ...
    async def hgetall_many(self, keys: list[str]) -> list[dict[str, float]]: ...
    async def sadd(self, key: str, member: str) -> bool: ...
    async def smembers(self, key: str) -> set[str]: ...
    async def zadd(self, key: str, member: str, score: int, ttl_s: int) -> None: ...
    async def zrange(self, key: str, low: int, high: int) -> list[str]: ...
    async def zrem(self, key: str, member: str) -> None: ...
    async def close(self) -> None: ...


def _k(store_id: str, *parts: str) -> str:
    return "cartcoach:ledger:" + ":".join((store_id, *parts))


class Ledger:
    """The ledger's rules over a storage backend (see the module docstring)."""

    def __init__(self, backend: _Backend) -> None:
        self._db = backend

    async def record(self, event: CollectedEvent) -> None:
        kind = event.type
        if kind not in LEDGER_EVENTS:
            return
        if kind == "overlay_decision":
            await self._exposure(event)
        elif kind == "overlay_click":
            await self._click(event)
        elif kind == "overlay_impression":
            await self._impression(event)
        elif kind == "purchase":
            await self._purchase(event)
        else:
            await self._refund(event)

    async def _exposure(self, event: CollectedEvent) -> None:
        if event.experiment is None or event.arm is None:
            return
        props = event.props or {}
        window_s = props.get("window_s", DEFAULT_WINDOW_S)
        window_s = min(int(window_s), MAX_WINDOW_S) if isinstance(window_s, (int, float)) else DEFAULT_WINDOW_S
        cost = props.get("cost", 0.0)
        exposure = Exposure(
            arm=event.arm,
            reason=str(props.get("reason", "unknown")),
            incentive=event.incentive or "none",
            propensity=event.propensity if event.propensity is not None else 0.0,
            at=event.at,
            window_ms=window_s * 1000,
            cost=float(cost) if isinstance(cost, (int, float)) else 0.0,
            mode=str(props.get("mode", "none"))[:16],
            trigger=str(props.get("trigger", ""))[:96],
        )
        store, exp = event.store_id, event.experiment
        ttl = window_s + 7 * 24 * 3600
        if not await self._db.set_nx(_k(store, "x", exp, event.session_id), _json.encode(exposure), ttl):
            return
        await self._count(store, exp, exposure.arm, exposure.reason, exposure.incentive, day_of(exposure.at),
                          {"exposures": 1, "propensity_sum": exposure.propensity})
        await self._db.sadd(_k(store, "days", exp), day_of(exposure.at))
        await self._db.zadd(_k(store, "v", event.visitor_id), f"{exp}\x1f{event.session_id}", event.at, ttl)
        await self._db.sadd(_k(store, "experiments"), exp)
        if exposure.incentive == "coupon":
            await self._db.incr(_k(store, "coupons", event.visitor_id), MAX_WINDOW_S)
        if exposure.arm == LEARNING_ARM and "actions" in props:
            decision = LearningDecision(props=dict(props), incentive=exposure.incentive, propensity=exposure.propensity,
                                        visitor=event.visitor_id, at=exposure.at)
            await self._db.set(_k(store, "ld", exp, event.session_id), _json.encode(decision), ttl)
            await self._db.zadd(_k(store, "due", exp), event.session_id, exposure.at + exposure.window_ms, ttl)

    async def _click(self, event: CollectedEvent) -> None:
        if event.experiment is None:
            return
        store, exp = event.store_id, event.experiment
        exposure = await self.exposure(store, exp, event.session_id)
        if exposure is None or not await self._db.sadd(_k(store, "clicked", exp), event.session_id):
            return
        await self._count(store, exp, exposure.arm, exposure.reason, exposure.incentive, day_of(exposure.at),
                          {"clicks": 1})

    async def _impression(self, event: CollectedEvent) -> None:
        if event.experiment is None:
            return
        store, exp = event.store_id, event.experiment
        exposure = await self.exposure(store, exp, event.session_id)
        if exposure is None or exposure.incentive == "none":
            return
        if not await self._db.sadd(_k(store, "seen", exp), event.session_id):
            return
        await self._count(store, exp, exposure.arm, exposure.reason, exposure.incentive, day_of(exposure.at),
                          {"impressions": 1})

    async def _count(self, store: str, exp: str, arm: str, reason: str, incentive: str, day: str,
                     metrics: dict[str, float]) -> None:
        """Add to the experiment's totals, to its day bucket (the exposure's day) and, with a
        day known, to the nudge's day bucket: one round trip."""
        cell = {f"{arm}|{reason}|{m}": v for m, v in metrics.items()}
        updates = [(_k(store, "t", exp), cell)]
        if day:
            updates.append((_k(store, "t", exp, day), cell))
            updates.append((_k(store, "n", exp, day), {f"{incentive or 'none'}|{m}": v for m, v in metrics.items()}))
        await self._db.hincr_many(updates)

    async def _purchase(self, event: CollectedEvent) -> None:
        if event.order_id is None or not event.verified:
            return
        store, order_key = event.store_id, _k(event.store_id, "o", event.order_id)
        if not await self._db.set_nx(order_key, b"[]", ORDER_TTL_S):
            return  # this order was counted already
        latest: dict[str, tuple[int, str, Exposure]] = {}
        for member in await self._db.zrange(_k(store, "v", event.visitor_id), event.at - MAX_WINDOW_S * 1000, event.at):
            exp, _, session = member.partition("\x1f")
            exposure = await self.exposure(store, exp, session)
            if exposure is None or not exposure.at <= event.at <= exposure.at + exposure.window_ms:
                continue
            if exp not in latest or latest[exp][0] < exposure.at:
                latest[exp] = (exposure.at, session, exposure)
        amount = event.amount or 0.0
        attributions = []
        for exp, (_, session, exposure) in latest.items():
            metrics = {"orders": 1, "revenue": amount}
            if await self._db.sadd(_k(store, "recovered", exp), session):
                metrics |= {"recoveries": 1, "incentive_cost": exposure.cost}
            day = day_of(exposure.at)
            await self._count(store, exp, exposure.arm, exposure.reason, exposure.incentive, day, metrics)
            if exposure.arm == LEARNING_ARM:
                await self._db.hincr(_k(store, "lr", exp, session), {"revenue": amount}, ORDER_TTL_S)
            attributions.append(Attribution(exp, exposure.arm, exposure.reason, session=session,
                                            incentive=exposure.incentive, day=day))
        if attributions:
            await self._db.set(order_key, _json.encode(attributions), ORDER_TTL_S)

    async def _refund(self, event: CollectedEvent) -> None:
        if event.order_id is None or not event.verified:
            return
        store = event.store_id
        if not await self._db.set_nx(_k(store, "r", event.order_id), b"1", ORDER_TTL_S):
            return
        data = await self._db.get(_k(store, "o", event.order_id))
        for a in _attributions.decode(data) if data else ():
            await self._count(store, a.experiment, a.arm, a.reason, a.incentive, a.day,
                              {"refunds": 1, "refunded": event.amount or 0.0})
            if a.arm == LEARNING_ARM and a.session:
                await self._db.hincr(_k(store, "lr", a.experiment, a.session), {"revenue": -(event.amount or 0.0)},
                                     ORDER_TTL_S)

    async def close_learning(self, store_id: str, experiment: str, until_ms: int, margin: float,
                             cap: float) -> int:
        """Reward every learning decision whose window ended by ``until_ms``, once: append
        each to the experiment's reward log. Returns how many this call closed."""
        closed = 0
        due = _k(store_id, "due", experiment)
        for session in await self._db.zrange(due, 0, until_ms):
            await self._db.zrem(due, session)  # the set holds open decisions only
            if not await self._db.set_nx(_k(store_id, "lc", experiment, session), b"1", ORDER_TTL_S):
                continue  # closed already, here or by another process
            decision = await self.learning_decision(store_id, experiment, session)
            if decision is None:
                continue
            kept = (await self._db.hgetall(_k(store_id, "lr", experiment, session))).get("revenue", 0.0)
            revenue = min(max(kept, 0.0), cap)
            cost = decision.props.get("cost", 0.0)
            paid = float(cost) if revenue > 0 and isinstance(cost, (int, float)) else 0.0
            reward = LearningReward(decision, round(revenue, 2), round(revenue * margin - paid, 4),
                                    await self._coupon_verdict(store_id, experiment, decision))
            await self._db.rpush(_k(store_id, "rl", experiment), _json.encode(reward))
            closed += 1
        return closed

    async def _coupon_verdict(self, store_id: str, experiment: str, decision: LearningDecision) -> Verdict | None:
        """What the decision is to the coupon-waiting charge, judged against its visitor's
        first coupon choice (kept until the horizon has passed), which it may set or update."""
        example = example_of(decision.props, decision.incentive, decision.propensity)
        if example is None or not decision.visitor:
            return None
        allowed = any(a.incentive == "coupon" for a in example.actions)
        shown = example.actions[example.chosen].incentive == "coupon"

        def change(data: bytes | None) -> tuple[bytes | None, Verdict | None]:
            first = None if data is None else _first_choice.decode(data)
            verdict, record = judge(first, decision.at, allowed, example.coupon_probability, shown)
            return (None if record is None else _json.encode(record)), verdict

        return await self._db.swap(_k(store_id, "fc", experiment, decision.visitor), change, HORIZON_MS // 1000)

    async def learning_decision(self, store_id: str, experiment: str, session_id: str) -> LearningDecision | None:
        """The session's learning decision as the ledger recorded it (what it logged, its pmf included)."""
        data = await self._db.get(_k(store_id, "ld", experiment, session_id))
        return None if data is None else _learning_decision.decode(data)

    async def learning_rewards(self, store_id: str, experiment: str, start: int) -> list[LearningReward]:
        """The experiment's reward log from position ``start`` on, in the order it was written."""
        return [_learning_reward.decode(x) for x in await self._db.lrange(_k(store_id, "rl", experiment), start)]

    async def checkpoint(self, store_id: str, experiment: str) -> bytes | None:
        return await self._db.get(_k(store_id, "ckpt", experiment))

    async def save_checkpoint(self, store_id: str, experiment: str, blob: bytes) -> None:
        await self._db.set(_k(store_id, "ckpt", experiment), blob, ORDER_TTL_S)

    async def remember_first_choices(self, store_id: str, experiment: str, choices: dict[str, FirstChoice],
                                     now_ms: int) -> None:
        items = [(_k(store_id, "fc", experiment, v), _json.encode(f), (f.at_ms + HORIZON_MS - now_ms) // 1000)
                 for v, f in choices.items()]
        items = [item for item in items if item[2] > 0]  # past its horizon: nothing more to count
        for start in range(0, len(items), MIGRATE_CHUNK):
            await self._db.set_nx_many(items[start: start + MIGRATE_CHUNK])

    async def exposure(self, store_id: str, experiment: str, session_id: str) -> Exposure | None:
        data = await self._db.get(_k(store_id, "x", experiment, session_id))
        return None if data is None else _exposure.decode(data)

    async def coupons_offered(self, store_id: str, visitor_id: str) -> int:
        data = await self._db.get(_k(store_id, "coupons", visitor_id))
        return int(data) if data else 0

    async def _days(self, store_id: str, experiment: str, since: date | None, until: date | None) -> list[str]:
        """The day buckets of a period; all days with exposures when it is open-ended."""
        if since is None or until is None:
            known = sorted(await self._db.smembers(_k(store_id, "days", experiment)))
            return [d for d in known if (since is None or d >= since.isoformat())
                    and (until is None or d <= until.isoformat())]
        return days_between(since, until)[:MAX_REPORT_DAYS]

    async def tallies(self, store_id: str, experiment: str, since: date | None = None,
                      until: date | None = None) -> Tallies:
        if since is None and until is None:
            hashes = [await self._db.hgetall(_k(store_id, "t", experiment))]
        else:
            days = await self._days(store_id, experiment, since, until)
            hashes = await self._db.hgetall_many([_k(store_id, "t", experiment, d) for d in days])
        cells: Tallies = {}
        for fields in hashes:
            for field, value in fields.items():
                arm, reason, metric = field.rsplit("|", 2)
                _add(cells.setdefault((arm, reason), Tally()), metric, value)
        return cells

    async def nudge_tallies(self, store_id: str, experiment: str, since: date | None = None,
                            until: date | None = None) -> NudgeTallies:
        days = await self._days(store_id, experiment, since, until)
        nudges: NudgeTallies = {}
        for fields in await self._db.hgetall_many([_k(store_id, "n", experiment, d) for d in days]):
            for field, value in fields.items():
                incentive, metric = field.rsplit("|", 1)
                _add(nudges.setdefault(incentive, Tally()), metric, value)
        return nudges

    async def experiments(self, store_id: str) -> list[str]:
        return sorted(await self._db.smembers(_k(store_id, "experiments")))

    async def close(self) -> None:
        await self._db.close()


def _add(tally: Tally, metric: str, value: float) -> None:
    current = getattr(tally, metric)
    setattr(tally, metric, current + int(value) if isinstance(current, int) else round(current + value, 6))


class _MemoryBackend:
    """Dicts with the same meaning as the Redis commands; expiry checked on read."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float]] = {}
        self._hashes: dict[str, dict[str, float]] = defaultdict(dict)
        self._sets: dict[str, set[str]] = defaultdict(set)
        self._zsets: dict[str, dict[str, int]] = defaultdict(dict)
        self._lists: dict[str, list[bytes]] = defaultdict(list)

    async def set_nx(self, key: str, value: bytes, ttl_s: int) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl_s)
        return True

    async def set_nx_many(self, items: list[tuple[str, bytes, int]]) -> None:
        for key, value, ttl_s in items:
            await self.set_nx(key, value, ttl_s)

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        self._values[key] = (value, time.monotonic() + ttl_s)

    async def swap(self, key: str, change: Callable[[bytes | None], tuple[bytes | None, T]], ttl_s: int) -> T:
        old = await self.get(key)
        new, result = change(old)
        if new is not None:
            self._values[key] = (new, self._values[key][1] if old is not None else time.monotonic() + ttl_s)
        return result

    async def get(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None or item[1] < time.monotonic():
            self._values.pop(key, None)
            return None
        return item[0]

    async def incr(self, key: str, ttl_s: int) -> None:
        current = await self.get(key)
        await self.set(key, str(int(current or 0) + 1).encode(), ttl_s)

    async def hincr(self, key: str, fields: dict[str, float], ttl_s: int | None = None) -> None:
        target = self._hashes[key]
        for name, amount in fields.items():
            target[name] = target.get(name, 0.0) + amount

    async def rpush(self, key: str, value: bytes) -> None:
        self._lists[key].append(value)

    async def lrange(self, key: str, start: int) -> list[bytes]:
        return self._lists.get(key, [])[start:]

    async def hincr_many(self, updates: list[tuple[str, dict[str, float]]]) -> None:
        for key, fields in updates:
            await self.hincr(key, fields)

    async def hgetall(self, key: str) -> dict[str, float]:
        return dict(self._hashes.get(key, {}))

    async def hgetall_many(self, keys: list[str]) -> list[dict[str, float]]:
        return [dict(self._hashes.get(key, {})) for key in keys]

    async def sadd(self, key: str, member: str) -> bool:
        members = self._sets[key]
        if member in members:
            return False
        members.add(member)
        return True

    async def smembers(self, key: str) -> set[str]:
        return set(self._sets.get(key, ()))

    async def zadd(self, key: str, member: str, score: int, ttl_s: int) -> None:
        self._zsets[key][member] = score

    async def zrange(self, key: str, low: int, high: int) -> list[str]:
        items = self._zsets.get(key, {})
        return [m for m, s in sorted(items.items(), key=lambda kv: kv[1]) if low <= s <= high]

    async def zrem(self, key: str, member: str) -> None:
        self._zsets.get(key, {}).pop(member, None)

    async def close(self) -> None:
        return None


class _RedisBackend:
    def __init__(self, client: aioredis.Redis) -> None:
        self._r = client

    async def set_nx(self, key: str, value: bytes, ttl_s: int) -> bool:
        return bool(await self._r.set(key, value, nx=True, ex=ttl_s))

    async def set_nx_many(self, items: list[tuple[str, bytes, int]]) -> None:
        async with self._r.pipeline(transaction=False) as pipe:
            for key, value, ttl_s in items:
                pipe.set(key, value, nx=True, ex=ttl_s)
            await pipe.execute()

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        await self._r.set(key, value, ex=ttl_s)

    async def swap(self, key: str, change: Callable[[bytes | None], tuple[bytes | None, T]], ttl_s: int) -> T:
        async with self._r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    old = await pipe.get(key)
                    new, result = change(old)
                    if new is None:
                        await pipe.unwatch()
                        return result
                    pipe.multi()
                    if old is None:
                        pipe.set(key, new, ex=ttl_s)
                    else:
                        pipe.set(key, new, keepttl=True)
                    await pipe.execute()
                    return result
                except WatchError:
                    continue  # another process judged this visitor in between: judge again

    async def get(self, key: str) -> bytes | None:
        return await self._r.get(key)

    async def incr(self, key: str, ttl_s: int) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl_s)
            await pipe.execute()

    async def hincr(self, key: str, fields: dict[str, float], ttl_s: int | None = None) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            for name, amount in fields.items():
                pipe.hincrbyfloat(key, name, amount)
            if ttl_s is not None:
                pipe.expire(key, ttl_s)
            await pipe.execute()

    async def rpush(self, key: str, value: bytes) -> None:
        await self._r.rpush(key, value)

    async def lrange(self, key: str, start: int) -> list[bytes]:
        return list(await self._r.lrange(key, start, -1))

    async def hincr_many(self, updates: list[tuple[str, dict[str, float]]]) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            for key, fields in updates:
                for name, amount in fields.items():
                    pipe.hincrbyfloat(key, name, amount)
            await pipe.execute()

    async def hgetall(self, key: str) -> dict[str, float]:
        return {k.decode(): float(v) for k, v in (await self._r.hgetall(key)).items()}

    async def hgetall_many(self, keys: list[str]) -> list[dict[str, float]]:
        if not keys:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(key)
            results = await pipe.execute()
        return [{k.decode(): float(v) for k, v in fields.items()} for fields in results]

    async def sadd(self, key: str, member: str) -> bool:
        return bool(await self._r.sadd(key, member))

    async def smembers(self, key: str) -> set[str]:
        return {m.decode() for m in await self._r.smembers(key)}

    async def zadd(self, key: str, member: str, score: int, ttl_s: int) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {member: score})
            pipe.zremrangebyscore(key, "-inf", score - MAX_WINDOW_S * 1000)
            pipe.expire(key, ttl_s)
            await pipe.execute()

    async def zrange(self, key: str, low: int, high: int) -> list[str]:
        return [m.decode() for m in await self._r.zrangebyscore(key, low, high)]

    async def zrem(self, key: str, member: str) -> None:
        await self._r.zrem(key, member)

    async def close(self) -> None:
        await self._r.aclose()


class MemoryLedger(Ledger):
    """The embedded default: in-process, gone on restart."""

    def __init__(self) -> None:
        super().__init__(_MemoryBackend())


class RedisLedger(Ledger):
    """The full path: shared by every stream worker and API instance."""

    def __init__(self, client: aioredis.Redis) -> None:
        super().__init__(_RedisBackend(client))

    @classmethod
    def from_url(cls, url: str) -> RedisLedger:
        return cls(aioredis.from_url(url))
