"""The app factory: the HTTP edge wired to the embedded pipeline or to Kafka and Redis.

>>> from cartcoach.settings import Settings
>>> app = create_app(Settings())       # embedded: no servers needed
>>> {"/v1/collect", "/v1/overlay", "/v1/outcomes", "/dashboard"} <= {r.path for r in app.routes}
True
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from accounts.service import Accounts
from accounts.store_settings import StoreSettings
from cartcoach.settings import Settings
from database.engine import session_factory
from nudges.catalogue import Catalogue
from flows.runtime import FlowsRuntime, build_flows
from overlay_api.auth import SecretKeyGuard
from overlay_api.client_pseudonym import ClientPseudonym
from overlay_api.collector import Collector
from overlay_api.contacts_api import ContactsApi
from overlay_api.push_api import PushApi
from overlay_api.flows_api import FlowsApi
from overlay_api.provider_hooks import ProviderHooks
from overlay_api.cors import preflight, served_origins
from overlay_api.console import Console, DashboardLayers
from overlay_api.dashboard import Dashboard
from overlay_api.dashboard_token import TokenSigner
from overlay_api.errors import http_exception
from overlay_api.experiments_api import ExperimentsApi
from overlay_api.health import Readiness, healthz
from overlay_api.installation import InstallationCensus, MemoryCensus, RedisCensus
from overlay_api.live_feed import LiveFeed
from overlay_api.metrics import metrics_middleware
from nudges.llm_generator import LlmGenerator
from overlay_api.outcomes import OutcomesEndpoint
from overlay_api.openapi import openapi_document
from overlay_api.overlay import OverlayEndpoint
from overlay_api.rate_limits import RateLimiter
from overlay_api.storefront import storefront_routes
from nudges.stores import StoreRegistry
from overlay_api.stores_watch import StoresFileWatcher
from stream.embedded_runner import EmbeddedRunner
from stream.event_sink import EventSink
from stream.kafka_sink import KafkaEventSink
from nudges.learning.learners import Learners
from nudges.ledger import ExperimentLedger, MemoryLedger, RedisLedger
from stream.model_health import ModelHealth, build_model_health
from stream.reason_history import MemoryReasonHistory, ReasonHistory, RedisReasonHistory
from overlay_api.history_api import HistoryApi
from overlay_api.trace_api import TraceApi
from stream.profile_store import MemoryProfileStore, ProfileStore, RedisProfileStore

log = logging.getLogger(__name__)


DOCS_DIR = Path(__file__).with_name("static") / "docs"


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document())


async def api_docs(request: Request) -> Response:
    """The API reference page: our own small renderer of /openapi.json, no CDN."""
    return FileResponse(DOCS_DIR / "index.html", headers={"Content-Security-Policy": "default-src 'self'"})


def build_sink(
    settings: Settings, profiles: ProfileStore, ledger: ExperimentLedger, health: ModelHealth,
    history: ReasonHistory | None = None,
) -> EventSink:
    """Kafka when configured, else the whole stream in this process."""
    if settings.kafka_bootstrap_servers:
        return KafkaEventSink(
            settings.kafka_bootstrap_servers,
            settings.events_topic,
            partitions=settings.topic_partitions,
            timeout_s=settings.produce_timeout_s,
            cooldown_s=settings.retry_after_s,
        )
    return EmbeddedRunner(settings, profiles, ledger, health, history=history)


def build_profile_store(settings: Settings) -> ProfileStore:
    """Redis when configured, else memory (the embedded default)."""
    if settings.redis_url:
        return RedisProfileStore.from_url(settings.redis_url, settings.profile_ttl_s)
    return MemoryProfileStore()


def build_ledger(settings: Settings) -> ExperimentLedger:
    """Redis when configured (shared with the stream worker), else memory."""
    if settings.redis_url:
        return RedisLedger.from_url(settings.redis_url)
    return MemoryLedger()


def build_limiter(settings: Settings) -> RateLimiter:
    """Counts in Redis when configured (shared by every API instance), else in memory."""
    if settings.redis_url:
        return RateLimiter.on_redis(settings.redis_url)
    return RateLimiter.in_memory()


def build_generator(settings: Settings) -> LlmGenerator | None:
    """The optional language-model copywriter; None (templates only) unless configured."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    return LlmGenerator(
        settings.llm_base_url,
        settings.llm_model,
        settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        cache_ttl_s=settings.llm_cache_ttl_s,
    )


def build_reason_history(settings: Settings) -> ReasonHistory:
    """Hourly reason mix and accuracy: Redis when configured (the workers write there), else memory."""
    if settings.redis_url:
        return RedisReasonHistory.from_url(settings.redis_url)
    return MemoryReasonHistory()


def build_census(settings: Settings) -> InstallationCensus:
    """The Installation view's counts: Redis when configured (every API process adds up), else memory."""
    if settings.redis_url:
        return RedisCensus.from_url(settings.redis_url)
    return MemoryCensus()


def create_app(
    settings: Settings,
    *,
    stores: StoreRegistry | None = None,
    sink: EventSink | None = None,
    profiles: ProfileStore | None = None,
    ledger: ExperimentLedger | None = None,
    flows: FlowsRuntime | None = None,
) -> Starlette:
    """Build the API. ``stores``, ``sink`` and ``profiles`` default to what ``settings`` says."""
    own_origins = served_origins(settings.host, settings.port)
    registry = stores or StoreRegistry.from_file(settings.stores_file, own_origins)
    profile_store = profiles or build_profile_store(settings)
    experiment_ledger = ledger or build_ledger(settings)
    catalogue = Catalogue(registry)
    generator = build_generator(settings)
    model_health = build_model_health(settings)
    reason_history = build_reason_history(settings)
    event_sink = sink or build_sink(settings, profile_store, experiment_ledger, model_health, reason_history)
    census = build_census(settings)

    # Embedded, the steps run in this process; on the full path `cartcoach flows` workers run them.
    flows_runtime = flows or build_flows(
        settings, registry, profiles=profile_store, ledger=experiment_ledger, catalogue=catalogue,
        publish=event_sink.publish, generator=generator, runs_steps=settings.redis_url is None,
    )
    flow_service = flows_runtime.service

    checks = {"events": event_sink.ready}
    if isinstance(profile_store, RedisProfileStore):
        checks["redis"] = profile_store.ping
    readiness = Readiness(checks, mode="embedded" if settings.embedded else "kafka")

    async def collect_preflight(request: Request) -> Response:
        return preflight(request, registry, "POST")

    async def overlay_preflight(request: Request) -> Response:
        return preflight(request, registry, "GET")

    limiter = build_limiter(settings)
    guard = SecretKeyGuard(registry, limiter)
    overlay = OverlayEndpoint(
        registry, profile_store, event_sink, experiment_ledger, catalogue, generator, limiter=limiter,
        learners=Learners(grace_s=settings.learning_grace_s),
    )
    experiments = ExperimentsApi(registry, experiment_ledger, guard)
    signer = TokenSigner(settings.model_signing_key)
    live_feed = LiveFeed(registry, profile_store, experiment_ledger, signer, guard)
    dashboard = Dashboard(live_feed, model_health, signer, guard, census)
    collector = Collector(
        registry, event_sink, settings.retry_after_s,
        catalogue=catalogue, limiter=limiter, pseudonym=ClientPseudonym(settings.model_signing_key),
        census=census,
        on_purchase=flow_service.cancel_for_visitor, on_order=flow_service.record_order,
    )  # fmt: skip
    # The dashboard's settings (database) over the file's stores; a test's own registry stands for the file.
    given = None if stores is None else StoreRegistry(list(stores), stores.unauthenticated_rate_limit)
    store_settings = StoreSettings(
        session_factory(flows_runtime.engine),
        (lambda: given) if given is not None else (lambda: StoreRegistry.from_file(settings.stores_file, own_origins)),
        base_dir=settings.stores_file.resolve().parent,
        file_rate_limits=None if given is not None else file_rate_limits(settings.stores_file),
        own_origins=own_origins,
    )  # fmt: skip
    # Only a registry read from the file follows the file (a test's own registry does not).
    stores_watch = StoresFileWatcher(
        settings.stores_file, registry, catalogue, live_feed,
        own_origins=own_origins, interval_s=settings.stores_reload_s if stores is None else 0,
        load=store_settings.registry,
    )  # fmt: skip

    async def stores_changed() -> None:
        await stores_watch.reload()

    store_settings.on_change = stores_changed
    accounts = Accounts(store_settings.sessions, store_settings, session_ttl_s=settings.session_ttl_s)
    console = Console(
        accounts, registry, catalogue, experiment_ledger, census, limiter, signer, guard,
        signin_per_account=settings.signin_rate_per_account, signin_per_client=settings.signin_rate_per_client,
    )  # fmt: skip
    guard.signed_in = console.store_or_bearer
    trace = TraceApi(profile_store, experiment_ledger, catalogue, guard)

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readiness.handle),
        Route(
            "/v1/collect",
            collector.handle,
            methods=["POST"],
            max_body_size=settings.max_body_bytes,
        ),
        Route("/v1/collect", collect_preflight, methods=["OPTIONS"]),
        Route("/v1/overlay", overlay.handle, methods=["GET"]),
        Route("/v1/overlay", overlay_preflight, methods=["OPTIONS"]),
        Route(
            "/v1/outcomes",
            OutcomesEndpoint(
                registry, event_sink, settings.retry_after_s, guard,
                on_purchase=flow_service.cancel_for_visitor, on_refund=flow_service.refunded,
                on_order=flow_service.record_order,
            ).handle,
            methods=["POST"],
            max_body_size=settings.max_body_bytes,
        ),
        Route("/v1/experiments", experiments.list, methods=["GET"]),
        Route("/v1/experiments/{experiment}/report", experiments.report, methods=["GET"]),
        Route("/v1/sessions/{session_id}/trace", trace.trace, methods=["GET"]),
        # The same reads for the dashboard's signed-in users (its cookie is scoped to /dashboard).
        Route("/dashboard/api/experiments", experiments.list, methods=["GET"]),
        Route("/dashboard/api/experiments/{experiment}/report", experiments.report, methods=["GET"]),
        Route("/dashboard/api/sessions/{session_id}/trace", trace.trace, methods=["GET"]),
        Route("/dashboard/api/history", HistoryApi(reason_history, guard).history, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", api_docs, methods=["GET"]),
        Mount("/docs/assets", StaticFiles(directory=DOCS_DIR), name="docs-assets"),
        *ContactsApi(registry, flow_service, guard).routes(settings.max_body_bytes),
        *FlowsApi(registry, flow_service, guard).routes(),
        *ProviderHooks(registry, flow_service, guard, flow_service.public_url).routes(),
        *PushApi(registry, flow_service.sessions, guard.limits, settings.push_service_origins).routes(),
        *storefront_routes(),
        *console.routes(),
        *dashboard.routes(),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await flows_runtime.start()
        await event_sink.start()
        await catalogue.start()
        await live_feed.start()
        await store_settings.start(settings.stores_reload_s)  # after flows: the schema is migrated
        if settings.owner_email and settings.owner_password:
            await accounts.ensure_user(settings.owner_email, settings.owner_password, [s.id for s in registry])
        await stores_watch.start()
        try:
            yield
        finally:
            await stores_watch.stop()
            await store_settings.stop()
            await live_feed.stop()
            await model_health.close()
            await catalogue.stop()
            if generator is not None:
                await generator.close()
            await event_sink.stop()
            await flows_runtime.stop()
            await experiment_ledger.close()
            await profile_store.close()
            await census.close()
            await reason_history.close()

    app = Starlette(
        routes=routes,
        middleware=[
            *metrics_middleware(),
            Middleware(DashboardLayers, server_key=settings.model_signing_key, secure=settings.secure_cookies,
                       session_ttl_s=settings.session_ttl_s),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_exception},
    )
    app.state.settings = settings
    app.state.stores = registry
    app.state.stores_watch = stores_watch
    app.state.sink = event_sink
    app.state.profiles = profile_store
    app.state.ledger = experiment_ledger
    app.state.catalogue = catalogue
    app.state.generator = generator
    app.state.live_feed = live_feed
    app.state.model_health = model_health
    app.state.limiter = limiter
    app.state.flows = flows_runtime
    app.state.census = census
    app.state.accounts = accounts
    app.state.store_settings = store_settings
    app.state.reason_history = reason_history
    return app


def file_rate_limits(path: Path) -> dict | None:
    """The stores file's own ``rate_limits`` (the default of its stores), if it has one."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return raw.get("rate_limits") if isinstance(raw, dict) else None
