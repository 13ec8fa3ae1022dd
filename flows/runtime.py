"""Build the flows machinery from the settings: database, scheduler, channels, the service.

Shared by ``cartcoach serve`` (which schedules, and in embedded mode also runs the steps)
and ``cartcoach flows`` (the workers of the full path), so both run the same code.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from database.migrate import upgrade
from flows.channels import receipts
from flows.channels.channel import Channel
from flows.channels.email import SmtpChannel
from flows.channels.web_push import WebPushChannel
from flows.channels.record_only import RecordOnlyChannel
from flows.channels.store_providers import StoreProviders
from flows.contacts import expire
from flows.iys import IysClient
from flows.push_subscriptions import PushDirectory, expire as expire_push_subscriptions
from flows.scheduler import MemoryScheduler, SaqScheduler, StepScheduler
from flows.service import FlowService, ProfileSource, Publish
from nudges.catalogue import Catalogue
from nudges.learning.learners import Learners
from nudges.ledger import ExperimentLedger
from nudges.llm_generator import LlmGenerator
from nudges.stores import StoreRegistry


log = logging.getLogger(__name__)


def build_scheduler(settings: Settings) -> StepScheduler:
    """Redis (saq) when configured: steps survive restarts and any worker may run them."""
    if settings.redis_url:
        return SaqScheduler(settings.redis_url, name=settings.flows_queue)
    return MemoryScheduler()


def build_channels(settings: Settings, registry: StoreRegistry) -> dict[str, Channel]:
    """The providers configured; a dry run records every channel's messages without sending.

    SMS and WhatsApp go through each store's own provider (``flows.sms`` / ``flows.whatsapp``
    in the stores file); a store without one uses the step's fallback channel.
    """
    if settings.flows_dry_run:
        return {name: RecordOnlyChannel(name) for name in ("email", "sms", "whatsapp", "push")}  # type: ignore[arg-type]
    channels: dict[str, Channel] = {"sms": StoreProviders(registry, "sms"), "whatsapp": StoreProviders(registry, "whatsapp")}
    if settings.smtp_host:
        channels["email"] = SmtpChannel(
            settings.smtp_host, settings.smtp_port, settings.smtp_from, username=settings.smtp_username,
            password=settings.smtp_password, starttls=settings.smtp_starttls,
        )
    return channels


def build_iys(settings: Settings) -> IysClient | None:
    if not (settings.iys_url and settings.iys_username and settings.iys_password and settings.iys_code):
        return None
    return IysClient(settings.iys_url, settings.iys_username, settings.iys_password, settings.iys_code)


#: How often contacts past their store's retention are erased.
RETENTION_SWEEP_S = 3600.0
#: How often providers that report delivery only by query (Netgsm) are asked.
RECEIPT_POLL_S = 300.0


@dataclass
class FlowsRuntime:
    engine: AsyncEngine
    service: FlowService
    #: Run due steps in this process (embedded, or a ``cartcoach flows`` worker).
    runs_steps: bool
    retention_sweep_s: float = RETENTION_SWEEP_S
    receipt_poll_s: float = RECEIPT_POLL_S
    _sweeper: asyncio.Task[None] | None = None
    _poller: asyncio.Task[None] | None = None

    async def erase_expired(self) -> int:
        """Erase every contact past its retention (KVKK), and everything derived from it."""
        async with self.service.sessions.begin() as db:
            ids = await expire(db, self.service.clock())
            await expire_push_subscriptions(db, self.service.clock())
        # Their runs went with them: a step still queued finds no run when it falls due and does nothing.
        if ids:
            log.info("erased %d contacts past their retention", len(ids))
        return len(ids)

    async def _sweep(self) -> None:
        while True:
            try:
                await self.erase_expired()
            except Exception:  # a database hiccup must not end the sweeps
                log.exception("retention sweep failed")
            await asyncio.sleep(self.retention_sweep_s)

    async def _poll_receipts(self) -> None:
        while True:
            await asyncio.sleep(self.receipt_poll_s)
            for channel in self.service.channels.values():
                if isinstance(channel, StoreProviders):
                    try:
                        await receipts.poll(self.service, channel)
                    except Exception:  # a provider's hiccup must not end the polling
                        log.exception("delivery report query failed (%s)", channel.name)

    async def start(self) -> None:
        """Migrate the database first: nothing is served on a schema older than the code."""
        await upgrade(self.engine)
        if isinstance(self.service.scheduler, MemoryScheduler):
            # Embedded steps lived in the last process's memory: close the runs they belonged
            # to, or those shoppers would keep an "active" plan that never sends again.
            await self.service.end_orphaned_runs("restarted: embedded schedule lost")
        await self.service.scheduler.start(self.service.run_step if self.runs_steps else None)
        if self.runs_steps:
            self._sweeper = asyncio.create_task(self._sweep(), name="flows-retention")
            self._poller = asyncio.create_task(self._poll_receipts(), name="flows-receipts")

    async def stop(self) -> None:
        for task in (self._sweeper, self._poller):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.service.scheduler.stop()
        for channel in self.service.channels.values():
            await channel.close()
        if self.service.iys is not None:
            await self.service.iys.close()
        await self.engine.dispose()


def build_flows(settings: Settings, registry: StoreRegistry, *, profiles: ProfileSource, ledger: ExperimentLedger,
                catalogue: Catalogue, publish: Publish, generator: LlmGenerator | None = None,
                runs_steps: bool) -> FlowsRuntime:
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database)
    sessions = session_factory(engine)
    channels = build_channels(settings, registry)
    # Web push needs no provider account: each store's VAPID keys are in the database.
    channels.setdefault("push", WebPushChannel(PushDirectory(sessions)))
    service = FlowService(
        registry=registry, sessions=sessions, scheduler=build_scheduler(settings),
        profiles=profiles, ledger=ledger, catalogue=catalogue, publish=publish,
        channels=channels, public_url=settings.public_url or f"http://{settings.host}:{settings.port}",
        generator=generator, iys=build_iys(settings), speedup=settings.flow_speedup,
        learners=Learners(grace_s=settings.learning_grace_s),
    )
    return FlowsRuntime(engine, service, runs_steps)
