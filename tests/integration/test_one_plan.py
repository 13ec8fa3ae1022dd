"""One plan per shopper: the page's nudges count against the flows' caps and incentive budget,
and the flow holdout plans its steps but sends nothing. A real SMTP server (aiosmtpd), the
flow service on a SQLite file, steps run by hand when they fall due (see test_flow_rules)."""

from __future__ import annotations

from pathlib import Path

from database.migrate import upgrade
from flows.contacts import link_session
from flows.holdout import flow_arm
from flows.models import Contact, FlowRun
from scorer.events import CollectedEvent
from tests.flows_helpers import SmtpServer
from tests.integration.test_flow_rules import EMAIL_OK, Harness, coupon_harness, start_price_flow


def decision(h: Harness, session: str, visitor: str, *, trigger: str = "exit_intent", arm: str = "v1",
             incentive: str = "reviews", ago_ms: int = 60_000) -> CollectedEvent:
    """The overlay's decision for a session, as the ledger reads it from the event stream."""
    at = h.now - ago_ms
    return CollectedEvent(
        id=f"d-{session}", type="overlay_decision", ts=at, at=at, received_at=at, store_id="shop", visitor_id=visitor,
        session_id=session, experiment="nudges-v1", arm=arm, variant=f"x.{incentive}", incentive=incentive,
        propensity=1.0, props={"reason": "trust", "cost": 0.0, "window_s": 86400, "trigger": trigger})


async def link(h: Harness, contact: Contact, session: str, visitor: str) -> None:
    async with h.sessions.begin() as db:
        await link_session(db, await db.get(Contact, contact.id), session, visitor, h.now)


async def test_a_nudge_shown_on_the_page_counts_in_the_all_cap(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = Harness(tmp_path, smtp, {"caps: {}": "caps: {all: {max: 2, per_hours: 24}}"})
        await upgrade(h.engine)
        seen = await h.contact("c-seen", EMAIL_OK)
        unseen = await h.contact("c-unseen", EMAIL_OK)
        runs = {}
        for contact in (seen, unseen):
            session, visitor = f"s-{contact.customer_id}-01", f"v-{contact.customer_id}"
            await link(h, contact, session, visitor)
            runs[contact.customer_id] = await h.start(contact, session)
        # The page showed one shopper a nudge; the other's only decision was a flow step's own.
        await h.service.ledger.record(decision(h, "s-c-seen-01", "v-c-seen"))
        await h.service.ledger.record(decision(h, "s-c-unseen-01", "v-c-unseen", trigger="flow:quick:0:email"))

        first = [await h.run_step(runs[c], 0) for c in ("c-seen", "c-unseen")]
        assert [r.status for r in first] == ["sent", "sent"]  # 1 page nudge + 0 messages < 2
        h.now += 60_000
        second = {c: await h.run_step(runs[c], 1) for c in ("c-seen", "c-unseen")}
        assert (second["c-seen"].status, second["c-seen"].rule) == ("skipped", "cap")
        assert "1 messages and 1 page nudges in 24 h" in second["c-seen"].detail
        assert second["c-unseen"].status == "sent"  # a message is not counted twice as a page nudge
        assert len(smtp.messages) == 3
        await h.engine.dispose()


async def test_a_page_decision_in_the_holdout_is_no_touch(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = Harness(tmp_path, smtp, {"caps: {}": "caps: {all: {max: 1, per_hours: 24}}"})
        await upgrade(h.engine)
        contact = await h.contact("c-hold", EMAIL_OK)
        await link(h, contact, "s-c-hold-01", "v-c-hold")
        run = await h.start(contact, "s-c-hold-01")
        await h.service.ledger.record(decision(h, "s-c-hold-01", "v-c-hold", arm="holdout", incentive="none"))
        assert (await h.run_step(run, 0)).status == "sent"  # nothing appeared on the page: nothing to count
        await h.engine.dispose()


async def test_a_coupon_shown_on_the_page_on_another_device_blocks_the_flow_coupon(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = await coupon_harness(tmp_path, smtp)
        control = await start_price_flow(h, "c-one-device")
        run = await start_price_flow(h, "c-two-devices")
        async with h.sessions() as db:
            contact = await db.get(Contact, run.contact_id)
        await link(h, contact, "s-phone-000001", "v-phone-of-c-two")  # the same shopper on their phone
        await h.service.ledger.record(decision(h, "s-phone-000001", "v-phone-of-c-two", incentive="coupon"))
        assert (await h.run_step(control, 1)).coupon_code is not None  # without the phone's coupon: one
        row = await h.run_step(run, 1)
        assert row.status == "sent" and row.coupon_code is None and row.incentive != "coupon"
        await h.engine.dispose()


async def test_a_valid_flow_coupon_from_an_earlier_flow_blocks_a_second_one(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = await coupon_harness(tmp_path, smtp)
        earlier = await start_price_flow(h, "c-again")
        assert (await h.run_step(earlier, 1)).coupon_code is not None
        later = await start_price_flow(h, "c-again")  # the first run finished with its last step
        assert later.id != earlier.id
        assert (await h.run_step(later, 1)).coupon_code is None
        await h.engine.dispose()


def customers_in(arm: str, share: float, n: int) -> list[str]:
    """The first ``n`` customer ids the hash puts in ``arm`` (deterministic: no test depends on luck)."""
    found = [f"c-arm-{i:03d}" for i in range(200) if flow_arm("shop", share, f"c-arm-{i:03d}").name == arm]
    return found[:n]


async def test_the_flow_holdout_plans_every_step_and_sends_nothing(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        h = Harness(tmp_path, smtp, {"      holdout: 0.0\n": "      holdout: 0.3\n"})  # the flows', not the experiment's
        await upgrade(h.engine)
        [held] = customers_in("holdout", 0.3, 1)
        [treated] = customers_in("treated", 0.3, 1)
        runs = {c: await h.start(await h.contact(c, EMAIL_OK), f"s-{c}-01") for c in (held, treated)}
        assert (runs[held].arm, runs[held].propensity) == ("holdout", 0.3)
        assert (runs[treated].arm, runs[treated].propensity) == ("treated", 0.7)
        for step in (0, 1):
            held_row = await h.run_step(runs[held], step)
            assert (held_row.status, held_row.rule) == ("skipped", "holdout")
            assert (await h.run_step(runs[treated], step)).status == "sent"
        assert len(smtp.messages) == 2  # the treated shopper's two; none to the holdout
        async with h.sessions() as db:
            ended = await db.get(FlowRun, runs[held].id)
            assert (ended.status, ended.ended_reason) == ("finished", "last step")  # same life as a treated run
        await h.engine.dispose()
