"""Rules that protect the shopper and the brand, checked when a step falls due (not when planned).

Quiet hours are read in the recipient's time zone; frequency caps count every message
sent to the contact on the channel, across all flows; stop words are the replies that
mean "no more" in Turkish and English.

>>> from datetime import datetime
>>> from nudges.flow_definitions import QuietHours
>>> at = int(datetime.fromisoformat("2026-12-04T20:30:00+00:00").timestamp() * 1000)
>>> until = quiet_until(at, QuietHours("21:00", "09:00"), "Europe/Istanbul")  # 23:30 there
>>> datetime.fromtimestamp(until / 1000, ZoneInfo("Europe/Istanbul")).isoformat()
'2026-12-05T09:00:00+03:00'
>>> quiet_until(at, QuietHours("21:00", "09:00"), "Europe/London") is None  # 20:30 in London
True
>>> is_stop_word(" Dur "), is_stop_word("İPTAL"), is_stop_word("stop please"), is_stop_word("thanks")
(True, True, True, False)
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.models import OutboxMessage
from nudges.flow_definitions import Cap, QuietHours

#: Replies that withdraw consent at once (SMS and WhatsApp), compared case-insensitively.
STOP_WORDS: Final = frozenset({"stop", "unsubscribe", "cancel", "end", "quit", "dur", "iptal", "ret", "hayır", "durdur"})


def is_stop_word(reply: str) -> bool:
    """True when a reply's first word is a stop word (``STOP``, ``DUR``, ``İPTAL``...)."""
    words = reply.replace("İ", "i").replace("I", "ı").lower().replace("ı", "i").split()
    return bool(words) and words[0].strip(".!") in {w.replace("ı", "i") for w in STOP_WORDS}


def quiet_until(now_ms: int, quiet: QuietHours, time_zone: str) -> int | None:
    """When the quiet hours around ``now_ms`` end (ms), or None if it is not quiet now."""
    zone = ZoneInfo(time_zone)
    local = datetime.fromtimestamp(now_ms / 1000, zone)
    start, end = time.fromisoformat(quiet.start), time.fromisoformat(quiet.end)
    clock = local.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    ends = datetime.combine(local.date(), end, zone)
    if ends <= local:
        ends += timedelta(days=1)
    return int(ends.timestamp() * 1000)


async def cap_reached(db: AsyncSession, contact_id: str, channel: str, cap: Cap | None, now_ms: int) -> bool:
    """True when the contact already got ``cap.max`` messages on ``channel`` in the window."""
    if cap is None:
        return False
    since = now_ms - cap.per_hours * 3_600_000
    sent = await db.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.contact_id == contact_id,
            OutboxMessage.channel == channel,
            OutboxMessage.status.in_(("sent", "sending")),
            OutboxMessage.created_ms >= since,
        )
    )
    return (sent or 0) >= cap.max


async def all_cap_reached(db: AsyncSession, contact_id: str, cap: Cap | None, now_ms: int,
                          page_shown_ms: list[int]) -> str | None:
    """Why the contact has had ``cap.max`` touches in the window, or None.

    A touch is a message on any channel, in any flow, or a nudge shown on the page
    (``page_shown_ms``: when each was shown): one plan per shopper, one budget of attention.
    """
    if cap is None:
        return None
    since = now_ms - cap.per_hours * 3_600_000
    messages = await db.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.contact_id == contact_id,
            OutboxMessage.status.in_(("sent", "sending")),
            OutboxMessage.created_ms >= since,
        )
    ) or 0
    page = sum(since <= at <= now_ms for at in page_shown_ms)
    if messages + page < cap.max:
        return None
    return f"frequency cap (all): {messages} messages and {page} page nudges in {cap.per_hours} h, at most {cap.max}"
