"""The reason mix over time and the drift alarm read from it (pure functions over profiles).

Why from the live buffer: the mix a CRO team wants is "what are shoppers hesitating
about right now", which is exactly the recent profiles the dashboard already holds;
each session counts once per time bucket, with its newest top reason in that bucket.

>>> from scorer.profile import AbandonmentProfile
>>> def p(session, at, reason):
...     return AbandonmentProfile(store_id="demo", session_id=session, visitor_id="v-00000001", at=at,
...         reasons={}, top_reason=reason, confidence=0.5, risk=0.5, evidence=[], cart_value=10.0,
...         device="mobile", events_seen=1, model_version="m")
>>> mix = reason_mix([p("s1", 1_000, "price"), p("s1", 2_000, "trust"), p("s2", 61_000, "price")], bucket_ms=60_000)
>>> mix.buckets, mix.series["trust"], mix.series["price"]
([0, 60000], [1, 0], [0, 1])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import msgspec

from scorer.events import REASONS
from scorer.profile import AbandonmentProfile

BUCKET_MS: Final = 60_000
MAX_BUCKETS: Final = 30
#: Total variation distance between the newest bucket's mix and the rest that raises the alarm.
DRIFT_TVD: Final = 0.3
#: Sessions needed in the newest bucket and in the rest before the alarm can be raised.
DRIFT_MIN_SESSIONS: Final = 20


class ReasonMix(msgspec.Struct, kw_only=True):
    bucket_ms: int
    #: Start of each bucket (unix ms), oldest first.
    buckets: list[int]
    #: Sessions per bucket by top reason, aligned with ``buckets``.
    series: dict[str, list[int]]
    alarm: str | None = None


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {r: counts.get(r, 0) / total for r in REASONS} if total else {}


def reason_mix(profiles: Iterable[AbandonmentProfile], bucket_ms: int = BUCKET_MS) -> ReasonMix:
    """Sessions per bucket and top reason (newest ``MAX_BUCKETS`` buckets), plus a drift alarm."""
    latest: dict[tuple[int, str], str] = {}
    for profile in sorted(profiles, key=lambda p: p.at):
        latest[(profile.at // bucket_ms * bucket_ms, profile.session_id)] = profile.top_reason
    starts = sorted({bucket for bucket, _ in latest})[-MAX_BUCKETS:]
    index = {start: i for i, start in enumerate(starts)}
    series = {reason: [0] * len(starts) for reason in REASONS}
    for (bucket, _), reason in latest.items():
        if bucket in index and reason in series:
            series[reason][index[bucket]] += 1
    alarm = None
    if len(starts) >= 2:
        newest = {r: series[r][-1] for r in REASONS}
        rest = {r: sum(series[r][:-1]) for r in REASONS}
        if min(sum(newest.values()), sum(rest.values())) >= DRIFT_MIN_SESSIONS:
            a, b = _shares(newest), _shares(rest)
            tvd = sum(abs(a[r] - b[r]) for r in REASONS) / 2
            if tvd >= DRIFT_TVD:
                moved = max(REASONS, key=lambda r: abs(a[r] - b[r]))
                alarm = f"Reason mix shifted (distance {tvd:.2f}): {moved} now {a[moved]:.0%}, was {b[moved]:.0%}"
    return ReasonMix(bucket_ms=bucket_ms, buckets=starts, series=series, alarm=alarm)
