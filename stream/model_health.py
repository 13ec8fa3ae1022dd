"""Rolling accuracy of the reason model against what shoppers answer in the survey.

Why here: survey answers arrive as events in the stream, where the session's state
is at hand; predicting from that state *before* the model learns the answer is
progressive validation (the model is never graded on what it has just learned).
The session handler calls :meth:`ModelHealth.record` once per reason label; the
dashboard reads :meth:`ModelHealth.snapshot`. Kept in memory on the embedded
default and in one capped Redis list per store on the full path, so every API
instance sees what every worker recorded.

An alarm is raised when the newer half of the window is clearly less accurate
than the older half (the model drifted, or the shoppers did).

>>> import asyncio
>>> h = MemoryModelHealth(window=4)
>>> async def demo():
...     for predicted, answered in [("price", "price"), ("trust", "trust"), ("price", "trust"), ("trust", "trust")]:
...         await h.record("demo", predicted, answered, "m@r1")
...     return await h.snapshot("demo")
>>> s = asyncio.run(demo())
>>> s.answers, s.accuracy, s.model_versions
(4, 0.75, ['m@r1'])
"""

from __future__ import annotations

from collections import deque
from typing import Final, Protocol

import msgspec
import redis.asyncio as aioredis

from cartcoach.settings import Settings

#: Survey answers the rolling accuracy is computed over.
WINDOW: Final = 200
#: Answers needed in each half of the window before an alarm can be raised.
MIN_HALF: Final = 20
#: Drop in accuracy (older half minus newer half) that raises the alarm.
ALARM_DROP: Final = 0.15


class Answer(msgspec.Struct, frozen=True, array_like=True):
    predicted: str
    answered: str
    model_version: str


class HealthSnapshot(msgspec.Struct, kw_only=True):
    answers: int
    accuracy: float | None
    accuracy_older: float | None
    accuracy_newer: float | None
    alarm: str | None
    model_versions: list[str]


def _accuracy(answers: list[Answer]) -> float | None:
    return round(sum(a.predicted == a.answered for a in answers) / len(answers), 4) if answers else None


def summarise(answers: list[Answer]) -> HealthSnapshot:
    """The snapshot of a window of answers, oldest first."""
    half = len(answers) // 2
    older, newer = _accuracy(answers[:half]), _accuracy(answers[half:])
    alarm = None
    if half >= MIN_HALF and older is not None and newer is not None and older - newer >= ALARM_DROP:
        alarm = f"Accuracy fell from {older:.0%} to {newer:.0%} over the last {len(answers)} survey answers"
    return HealthSnapshot(
        answers=len(answers),
        accuracy=_accuracy(answers),
        accuracy_older=older,
        accuracy_newer=newer,
        alarm=alarm,
        model_versions=list(dict.fromkeys(a.model_version for a in reversed(answers))),
    )


class ModelHealth(Protocol):
    async def record(self, store_id: str, predicted: str, answered: str, model_version: str) -> None:
        """One survey answer and what the model predicted for that session just before it."""

    async def snapshot(self, store_id: str) -> HealthSnapshot: ...

    async def close(self) -> None: ...


class MemoryModelHealth:
    def __init__(self, window: int = WINDOW) -> None:
        self._window = window
        self._answers: dict[str, deque[Answer]] = {}

    async def record(self, store_id: str, predicted: str, answered: str, model_version: str) -> None:
        self._answers.setdefault(store_id, deque(maxlen=self._window)).append(
            Answer(predicted, answered, model_version)
        )

    async def snapshot(self, store_id: str) -> HealthSnapshot:
        return summarise(list(self._answers.get(store_id, ())))

    async def close(self) -> None:
        return None


_answer = msgspec.json.Decoder(Answer)


class RedisModelHealth:
    """``cartcoach:health:<store>``: a list of answers, newest first, capped at the window."""

    def __init__(self, client: aioredis.Redis, window: int = WINDOW) -> None:
        self._r = client
        self._window = window

    async def record(self, store_id: str, predicted: str, answered: str, model_version: str) -> None:
        key = f"cartcoach:health:{store_id}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.lpush(key, msgspec.json.encode(Answer(predicted, answered, model_version)))
            pipe.ltrim(key, 0, self._window - 1)
            await pipe.execute()

    async def snapshot(self, store_id: str) -> HealthSnapshot:
        raw = await self._r.lrange(f"cartcoach:health:{store_id}", 0, self._window - 1)
        return summarise([_answer.decode(item) for item in reversed(raw)])

    async def close(self) -> None:
        await self._r.aclose()


def build_model_health(settings: Settings) -> ModelHealth:
    """Redis when configured (shared by workers and API instances), else memory."""
    if settings.redis_url:
        return RedisModelHealth(aioredis.from_url(settings.redis_url))
    return MemoryModelHealth()
