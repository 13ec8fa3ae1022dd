"""Where SMS and WhatsApp providers call us: delivery reports and shoppers' replies.

* ``GET|POST /v1/hooks/{store_id}/{channel}/{token}``: the store's provider for
  ``channel`` (``sms`` or ``whatsapp``) reads its own format (``flows.channels.*``);
  delivery reports set ``delivered`` in the outbox, a stop word (``STOP``, ``DUR``,
  ``İPTAL``...) withdraws consent at once (``flows.channels.receipts``). The token in the
  path is an HMAC of the store's secret key, because most providers do not sign their
  posts; WhatsApp Cloud's signature is checked as well when ``app_secret`` is set.
* ``GET /v1/flows/hooks`` (secret key): the URLs to paste into each provider's panel.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from flows.channels import receipts
from flows.channels.store_providers import StoreProviders, hook_token, hook_url, valid_hook_token
from flows.service import FlowService
from nudges.stores import StoreRegistry
from overlay_api.auth import SecretKeyGuard
from overlay_api.errors import error_response

PROVIDER_CHANNELS = ("sms", "whatsapp")
#: Providers post reports in batches; a larger body is not theirs.
MAX_HOOK_BODY = 1_000_000


class Hook(msgspec.Struct, frozen=True):
    channel: str
    provider: str
    url: str


class Hooks(msgspec.Struct, frozen=True):
    """The webhook URL of each provider the store has (delivery reports, replies)."""

    store_id: str
    hooks: list[Hook]


class ProviderHooks:
    def __init__(self, registry: StoreRegistry, flows: FlowService, guard: SecretKeyGuard, public_url: str) -> None:
        self._registry = registry
        self._flows = flows
        self._guard = guard
        self._limits = guard.limits
        self._public_url = public_url

    def routes(self) -> list[Route]:
        return [
            Route("/v1/hooks/{store_id}/{channel}/{token}", self.hook, methods=["GET", "POST"], max_body_size=MAX_HOOK_BODY),
            Route("/v1/flows/hooks", self.list_hooks, methods=["GET"]),
        ]

    async def list_hooks(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        hooks = [
            Hook(channel, type(config).__struct_config__.tag,  # type: ignore[attr-defined]
                 hook_url(self._public_url, store.id, channel, hook_token(store.secret_key, channel)))
            for channel in PROVIDER_CHANNELS if (config := getattr(store.flows, channel)) is not None
        ]
        return Response(msgspec.json.encode(Hooks(store.id, hooks)), media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    async def hook(self, request: Request) -> Response:
        p = request.path_params
        store = self._registry.by_id(p["store_id"])
        if store is None or p["channel"] not in PROVIDER_CHANNELS or not valid_hook_token(
                store.secret_key, p["channel"], p["token"]):
            return await self._limits.refuse(request, error_response(404, "Unknown webhook", "$.path.token"))
        if limited := await self._limits.admit(request, store.rates.secret, "hooks", store.id):
            return limited
        providers = self._flows.channels.get(p["channel"])
        adapter = providers.adapter(store.id) if isinstance(providers, StoreProviders) else None
        if adapter is None:
            return error_response(404, f"No {p['channel']} provider for this store", "$.path.channel")
        body = await request.body()
        answer = await adapter.webhook(request.method, dict(request.query_params),
                                       {k.lower(): v for k, v in request.headers.items()}, body)
        if answer.events:
            await receipts.record(self._flows, store.id, p["channel"], answer.events)
        return PlainTextResponse(answer.body, status_code=answer.status)
