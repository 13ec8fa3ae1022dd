"""Simulated shoppers for demos: ``cartcoach traffic`` drives a running API like real browsers.

Why through HTTP: the point is to show the product moving, so the traffic takes the
same road as a real snippet (``POST /v1/collect`` with the store's public write
key, ``GET /v1/overlay`` at the exit moment) and everything downstream (stream,
profiles, experiment ledger, dashboard) is the real thing. Sessions come from
:mod:`scorer.simulator` (personas with known reasons, survey answers, purchases);
their timelines are compressed by ``speed`` so a session of several minutes plays
out in seconds. Given the store's secret key, the traffic plays the store's back end
too: each purchase carries the signed order token a real thank-you page would
(:mod:`nudges.order_proof`), so the experiment report counts its revenue.

A shopper meets the overlay at the moment it would come up: before leaving (the
last page of a session that ends without an order) or while hesitating before the
order (the page that places it), never after it, or no purchase could ever be a
recovery. A shopper shown an overlay reports its impression and, with the
probabilities below, a click, as the snippet does. Whether a session buys was
decided by the simulator beforehand, not by the nudge: the demo's uplift is zero by
construction, and the report shows exactly that.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from dataclasses import dataclass

import httpx
import msgspec

from nudges.browser_values import ORDER_TOKEN_PROP
from nudges.order_proof import order_token
from scorer.events import Batch, Event
from scorer.simulator import SimSession, SimulatorConfig, simulate, to_batches

#: Longest pause between two batches of one session, in seconds (after compression).
MAX_PAUSE_S = 1.5
#: Chance that a shopper shown an overlay clicks its call to action, if about to buy / to leave.
CLICK_IF_BUYING = 0.6
CLICK_IF_LEAVING = 0.1


@dataclass
class TrafficStats:
    sessions: int = 0
    batches: int = 0
    rejected: int = 0
    overlays: int = 0
    clicks: int = 0
    #: Sessions cut short because the API could not be reached.
    failed: int = 0


def _restamp(batch: Batch, now_ms: int, floor_ms: int = 0) -> Batch:
    """Move a batch to the shopper's present: same gaps, ``sent_at`` = now, none before ``floor_ms``.

    The floor is when the shopper left the previous page: a page's events cannot come
    before it (a purchase stamped before the overlay that preceded it would not count).

    >>> from scorer.events import PageContext
    >>> b = Batch(v=1, write_key="wk_doctest_0001", visitor_id="v-doctest-1", session_id="s-doctest-1",
    ...           sent_at=10_000, page=PageContext(path="/checkout/4", type="checkout"), events=[Event(id="e-doctest-1", type="page_view", ts=2_000),
    ...                                   Event(id="e-doctest-2", type="purchase", ts=9_000)])
    >>> [e.ts for e in _restamp(b, 50_000, floor_ms=45_000).events]
    [45000, 49000]
    """
    shift = now_ms - batch.sent_at
    events = [msgspec.structs.replace(e, ts=max(0, floor_ms, e.ts + shift)) for e in batch.events]
    return msgspec.structs.replace(batch, sent_at=now_ms, events=events)


def _signed(batch: Batch, secret_key: str) -> Batch:
    """Purchases with the order token the store's back end would print on the thank-you page."""
    events = [
        msgspec.structs.replace(e, props={**(e.props or {}), ORDER_TOKEN_PROP: order_token(secret_key, e.order_id, e.amount)})
        if e.type == "purchase" and e.order_id is not None and e.amount is not None
        else e
        for e in batch.events
    ]
    return msgspec.structs.replace(batch, events=events)


async def play(
    client: httpx.AsyncClient, session: SimSession, write_key: str, speed: float, stats: TrafficStats,
    secret_key: str | None = None,
    identify: bool = False,
) -> None:
    """Post one session's batches in order, asking for an overlay before the page that places the order (or the last).

    With the store's ``secret_key`` the shopper's orders are signed as the store's back end
    would sign them (so verified revenue moves), and with ``identify`` a shopper who
    abandons a cart is also a known customer: the "back end" registers a made-up contact
    that consented to every channel, and the page identifies the session, so the
    follow-up flow starts.
    """
    batches = to_batches(session, write_key)
    if secret_key is not None:
        batches = [_signed(b, secret_key) for b in batches]
    try:
        if identify and secret_key is not None and not session.purchased:
            await _identify(client, session, write_key, secret_key)
        await _post_all(client, session, batches, write_key, speed, stats)
    except httpx.HTTPError:  # the API went away (or is restarting): this shopper gives up
        stats.failed += 1


async def _identify(client: httpx.AsyncClient, session: SimSession, write_key: str, secret_key: str) -> None:
    """A made-up customer (example.com addresses, a 0532 number) with consent on every channel."""
    n = int(session.visitor_id.encode().hex()[-7:], 16) % 10_000_000
    contact = await client.post("/v1/contacts", headers={"Authorization": f"Bearer {secret_key}"}, json={
        "customer_id": f"demo-{session.visitor_id[-12:]}", "email": f"shopper{n}@example.com",
        "phone": f"+90532{n:07d}", "locale": "tr" if n % 2 else "en",
        "consent": {ch: {"granted": True, "source": "demo"} for ch in ("email", "sms", "whatsapp", "push")},
    })
    if contact.status_code != 201:
        return
    await client.post("/v1/identify", json={
        "write_key": write_key, "session_id": session.session_id, "visitor_id": session.visitor_id,
        "identify_id": contact.json()["identify_id"],
    })


def exit_moment(batches: list[Batch]) -> int:
    """Index of the batch before which the overlay comes up: the one placing the order, else the last.

    >>> from scorer.simulator import SimulatorConfig, simulate, to_batches
    >>> sessions = simulate(SimulatorConfig(sessions=40, seed=1))
    >>> buyer = next(s for s in sessions if s.purchased)
    >>> batches = to_batches(buyer, "wk_doctest_0001")
    >>> [e.type for e in batches[exit_moment(batches)].events if e.type == "purchase"]
    ['purchase']
    """
    for i, batch in enumerate(batches):
        if any(e.type == "purchase" for e in batch.events):
            return i
    return len(batches) - 1


async def _post(client: httpx.AsyncClient, batch: Batch, stats: TrafficStats, floor_ms: int = 0) -> None:
    body = msgspec.json.encode(_restamp(batch, int(time.time() * 1000), floor_ms))
    response = await client.post("/v1/collect", content=body, headers={"Content-Type": "application/json"})
    stats.batches += 1
    stats.rejected += response.status_code != 202


def _reaction(session: SimSession, page: Batch, overlay: dict, clicks: bool) -> Batch:
    """The snippet's report of an overlay seen on ``page``: its impression, and the click if any."""
    meta = {k: overlay[k] for k in ("experiment", "arm", "variant", "incentive") if isinstance(overlay.get(k), str)}
    now = int(time.time() * 1000)
    kinds = ["overlay_impression", *(["overlay_click"] if clicks else [])]
    events = [Event(id=f"e-{session.session_id[2:]}-ov{n}", type=kind, ts=now, **meta) for n, kind in enumerate(kinds)]
    return msgspec.structs.replace(page, sent_at=now, events=events)


async def _post_all(
    client: httpx.AsyncClient, session: SimSession, batches: list[Batch], write_key: str, speed: float,
    stats: TrafficStats,
) -> None:
    moment = exit_moment(batches)
    left_ms = 0  # when the shopper left the previous page
    for i, batch in enumerate(batches):
        if i:
            gap_s = (batch.sent_at - batches[i - 1].sent_at) / 1000 / speed
            await asyncio.sleep(min(MAX_PAUSE_S, max(0.0, gap_s)))
        if i == moment and i > 0:  # on the previous page, about to leave it
            params = {"key": write_key, "session": session.session_id,
                      "visitor": session.visitor_id, "trigger": "exit_intent"}
            response = await client.get("/v1/overlay", params=params)
            if response.status_code == 200:
                stats.overlays += 1
                chance = CLICK_IF_BUYING if session.purchased else CLICK_IF_LEAVING
                clicks = random.Random(session.session_id).random() < chance
                stats.clicks += clicks
                await _post(client, _reaction(session, batches[i - 1], response.json(), clicks), stats)
            left_ms = int(time.time() * 1000) + 1
        await _post(client, batch, stats, left_ms)


async def drive(
    base_url: str,
    write_key: str,
    rate: float,
    *,
    speed: float = 20.0,
    sessions: int | None = None,
    seed: int | None = None,
    stop: asyncio.Event | None = None,
    secret_key: str | None = None,
    identify_every: int = 5,
) -> TrafficStats:
    """Start ``rate`` new shoppers a second until ``sessions`` have started (or ``stop`` is set)."""
    rnd = random.Random(seed)
    stats = TrafficStats()
    stop = stop or asyncio.Event()
    running: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        while not stop.is_set() and (sessions is None or stats.sessions < sessions):
            config = SimulatorConfig(sessions=1, seed=rnd.randrange(10**9), start_ms=int(time.time() * 1000))
            identify = stats.sessions % identify_every == 0
            shopper = play(client, simulate(config)[0], write_key, speed, stats, secret_key, identify)
            task = asyncio.create_task(shopper)
            running.add(task)
            task.add_done_callback(running.discard)
            stats.sessions += 1
            try:
                await asyncio.wait_for(stop.wait(), timeout=1 / rate)
            except TimeoutError:
                pass
        if stop.is_set():  # asked to stop: leave the shoppers mid-session
            for task in running:
                task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    return stats


def drive_in_background(base_url: str, write_key: str, rate: float, secret_key: str | None = None) -> threading.Thread:
    """``cartcoach serve --demo-traffic``: wait for the server, then drive it from a daemon thread."""

    def run() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base_url + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(drive(base_url, write_key, rate, secret_key=secret_key))

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the server log
    thread = threading.Thread(target=run, name="cartcoach-demo-traffic", daemon=True)
    thread.start()
    return thread
