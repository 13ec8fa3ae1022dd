"""The reason mix and the model's accuracy, hour by hour, kept for weeks: what drift is seen in.

Why stored hourly buckets: the live buffer holds the newest 500 profiles, under a
minute of a busy store's traffic, so the mix it shows is one bar and an alarm comparing
it with "before" can never fire. Here every scored profile sets its session's top
reason in its hour's bucket (the newest profile of the hour wins, so a session counts
once per hour), and every survey answer adds to its hour's answered and correct
counts (predicted before the model learns the answer, as in
:mod:`stream.model_health`). The stream writes, the dashboard reads a date range.

Memory on the embedded default; on the full path one Redis hash per store and hour
(``cartcoach:mix:<store>:<hour>``: session → reason; ``cartcoach:acc:<store>:<hour>``:
answers, correct), expiring after :data:`KEEP_DAYS`, so every worker and API instance
shares them and a restart loses nothing.

The drift alarm compares the newest :data:`RECENT_HOURS` hours of the range with the
hours before them: the total variation distance between the two reason mixes at or
above :data:`DRIFT_TVD`, with at least :data:`MIN_SESSIONS` sessions on each side; and
an accuracy drop of :data:`ACCURACY_DROP` with :data:`MIN_ANSWERS` answers on each side.

>>> hours = list(range(10))
>>> stable = {h: {"price": 30, "trust": 30} for h in hours}
>>> drift_alarm(hours, stable) is None
True
>>> shifted = {**stable, **{h: {"price": 55, "trust": 5} for h in hours[-6:]}}
>>> drift_alarm(hours, shifted)
'Reason mix shifted in the last 6 h (distance 0.42): price now 92%, was 50%'
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Final, Protocol

import msgspec
import redis.asyncio as aioredis

from scorer.events import REASONS
from scorer.profile import AbandonmentProfile

HOUR_MS: Final = 3_600_000
#: How long hourly buckets are kept.
KEEP_DAYS: Final = 90
#: Longest range one read may cover (hours).
MAX_HOURS: Final = 24 * 92
RECENT_HOURS: Final = 6
DRIFT_TVD: Final = 0.2
MIN_SESSIONS: Final = 50
ACCURACY_DROP: Final = 0.15
MIN_ANSWERS: Final = 20


class History(msgspec.Struct, kw_only=True):
    """Hour by hour over a range: sessions per top reason, survey answers and accuracy."""

    #: Start of each hour (unix ms), oldest first; hours with nothing recorded included.
    hours: list[int]
    #: Sessions per hour by top reason, aligned with ``hours``.
    mix: dict[str, list[int]]
    answers: list[int]
    #: Share of answers the model predicted, per hour (None: no answers that hour).
    accuracy: list[float | None]
    drift_alarm: str | None
    accuracy_alarm: str | None
    recent_hours: int = RECENT_HOURS


def _split(hours: list[int]) -> tuple[list[int], list[int]]:
    return hours[:-RECENT_HOURS], hours[-RECENT_HOURS:]


def drift_alarm(hours: list[int], counts: dict[int, dict[str, int]]) -> str | None:
    """A sentence when the newest hours' reason mix moved away from the earlier hours', else None."""
    before, recent = _split(hours)
    if not before:
        return None
    a: Counter[str] = Counter()
    b: Counter[str] = Counter()
    for h in recent:
        a.update(counts.get(h, {}))
    for h in before:
        b.update(counts.get(h, {}))
    na, nb = sum(a.values()), sum(b.values())
    if min(na, nb) < MIN_SESSIONS:
        return None
    share_a = {r: a[r] / na for r in REASONS}
    share_b = {r: b[r] / nb for r in REASONS}
    tvd = sum(abs(share_a[r] - share_b[r]) for r in REASONS) / 2
    if tvd < DRIFT_TVD:
        return None
    moved = max(REASONS, key=lambda r: share_a[r] - share_b[r])  # the reason that grew most
    return (f"Reason mix shifted in the last {RECENT_HOURS} h (distance {tvd:.2f}): "
            f"{moved} now {share_a[moved]:.0%}, was {share_b[moved]:.0%}")


def accuracy_alarm(hours: list[int], answered: dict[int, tuple[int, int]]) -> str | None:
    """A sentence when the newest hours' accuracy fell clearly below the earlier hours'."""
    before, recent = _split(hours)
    if not before:
        return None
    sums = []
    for part in (before, recent):
        n = sum(answered.get(h, (0, 0))[0] for h in part)
        k = sum(answered.get(h, (0, 0))[1] for h in part)
        sums.append((n, k))
    (nb, kb), (na, ka) = sums
    if min(na, nb) < MIN_ANSWERS:
        return None
    older, newer = kb / nb, ka / na
    if older - newer < ACCURACY_DROP:
        return None
    return f"Accuracy fell from {older:.0%} to {newer:.0%} in the last {RECENT_HOURS} h ({na} survey answers)"


def build_history(hours: list[int], counts: dict[int, dict[str, int]], answered: dict[int, tuple[int, int]]) -> History:
    return History(
        hours=[h * HOUR_MS for h in hours],
        mix={r: [counts.get(h, {}).get(r, 0) for h in hours] for r in REASONS},
        answers=[answered.get(h, (0, 0))[0] for h in hours],
        accuracy=[round(k / n, 4) if n else None for n, k in (answered.get(h, (0, 0)) for h in hours)],
        drift_alarm=drift_alarm(hours, counts),
        accuracy_alarm=accuracy_alarm(hours, answered),
    )


def hour_range(since_ms: int, until_ms: int) -> list[int]:
    """Hour numbers (unix ms // 1 h) from ``since_ms`` to ``until_ms``, at most :data:`MAX_HOURS` (the newest)."""
    first, last = since_ms // HOUR_MS, until_ms // HOUR_MS
    return list(range(max(first, last - MAX_HOURS + 1), last + 1))


class ReasonHistory(Protocol):
    async def record_profiles(self, profiles: Sequence[AbandonmentProfile]) -> None:
        """Each profile's top reason in its hour (its session's newest of that hour wins)."""

    async def record_answer(self, store_id: str, predicted: str, answered: str, at_ms: int) -> None:
        """One survey answer and the model's prediction just before it."""

    async def history(self, store_id: str, since_ms: int, until_ms: int) -> History: ...

    async def close(self) -> None: ...


class MemoryReasonHistory:
    """The embedded default: dicts, gone on restart."""

    def __init__(self) -> None:
        self._mix: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        self._acc: dict[tuple[str, int], tuple[int, int]] = {}

    async def record_profiles(self, profiles: Sequence[AbandonmentProfile]) -> None:
        for p in profiles:
            self._mix[(p.store_id, p.at // HOUR_MS)][p.session_id] = p.top_reason

    async def record_answer(self, store_id: str, predicted: str, answered: str, at_ms: int) -> None:
        key = (store_id, at_ms // HOUR_MS)
        n, k = self._acc.get(key, (0, 0))
        self._acc[key] = (n + 1, k + (predicted == answered))

    async def history(self, store_id: str, since_ms: int, until_ms: int) -> History:
        hours = hour_range(since_ms, until_ms)
        counts = {h: dict(Counter(self._mix[(store_id, h)].values())) for h in hours if (store_id, h) in self._mix}
        answered = {h: self._acc[(store_id, h)] for h in hours if (store_id, h) in self._acc}
        return build_history(hours, counts, answered)

    async def close(self) -> None:
        return None


class RedisReasonHistory:
    """The full path: hourly hashes in Redis shared by every worker and API instance."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._r = client

    @classmethod
    def from_url(cls, url: str) -> RedisReasonHistory:
        return cls(aioredis.from_url(url))

    @staticmethod
    def _mix_key(store_id: str, hour: int) -> str:
        return f"cartcoach:mix:{store_id}:{hour}"

    @staticmethod
    def _acc_key(store_id: str, hour: int) -> str:
        return f"cartcoach:acc:{store_id}:{hour}"

    async def record_profiles(self, profiles: Sequence[AbandonmentProfile]) -> None:
        if not profiles:
            return
        by_key: dict[str, dict[str, str]] = defaultdict(dict)
        for p in profiles:
            by_key[self._mix_key(p.store_id, p.at // HOUR_MS)][p.session_id] = p.top_reason
        async with self._r.pipeline(transaction=False) as pipe:
            for key, mapping in by_key.items():
                pipe.hset(key, mapping=mapping)
                pipe.expire(key, KEEP_DAYS * 86_400)
            await pipe.execute()

    async def record_answer(self, store_id: str, predicted: str, answered: str, at_ms: int) -> None:
        key = self._acc_key(store_id, at_ms // HOUR_MS)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "answers", 1)
            pipe.hincrby(key, "correct", int(predicted == answered))
            pipe.expire(key, KEEP_DAYS * 86_400)
            await pipe.execute()

    async def history(self, store_id: str, since_ms: int, until_ms: int) -> History:
        hours = hour_range(since_ms, until_ms)
        async with self._r.pipeline(transaction=False) as pipe:
            for h in hours:
                pipe.hvals(self._mix_key(store_id, h))
                pipe.hgetall(self._acc_key(store_id, h))
            replies = await pipe.execute()
        counts: dict[int, dict[str, int]] = {}
        answered: dict[int, tuple[int, int]] = {}
        for h, reasons, acc in zip(hours, replies[0::2], replies[1::2], strict=True):
            if reasons:
                counts[h] = dict(Counter(r.decode() for r in reasons))
            if acc:
                answered[h] = (int(acc.get(b"answers", 0)), int(acc.get(b"correct", 0)))
        return build_history(hours, counts, answered)

    async def close(self) -> None:
        await self._r.aclose()

