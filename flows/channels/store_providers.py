"""The ``sms`` and ``whatsapp`` channels: each store's own provider, from its stores-file entry.

Why a router: one cartcoach serves many shops, each with its own account at Netgsm,
Verimor, Mobildev, UltraMSG or WhatsApp Cloud. The scheduler sees one ``sms`` channel;
this picks the store's adapter (built on first use, rebuilt when the stores file
changes) and tells the flow service which stores can use the channel at all, so a step
for a store without a provider goes to its fallback instead of failing.

Each store's provider reaches us at a webhook URL (delivery reports, replies) that
carries an unguessable token, because most providers do not sign what they post:

>>> hook_token("sk_shop_0001", "sms") == hook_token("sk_shop_0001", "sms"), len(hook_token("sk_shop_0001", "sms"))
(True, 32)
>>> hook_url("https://coach.example/", "shop", "sms", "abc")
'https://coach.example/v1/hooks/shop/sms/abc'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Literal

from flows.channels.channel import OutboundMessage, SendOutcome
from flows.channels.provider_api import ProviderChannel
from flows.channels.sms_mobildev import MobildevSms
from flows.channels.sms_netgsm import NetgsmSms
from flows.channels.sms_verimor import VerimorSms
from flows.channels.whatsapp_cloud import CloudWhatsApp
from flows.channels.whatsapp_ultramsg import UltramsgWhatsApp
from nudges.flow_providers import (
    MobildevConfig, NetgsmConfig, SmsProvider, UltramsgConfig, VerimorConfig, WhatsAppCloudConfig, WhatsAppProvider,
)
from nudges.stores import StoreRegistry

ProviderChannelName = Literal["sms", "whatsapp"]
_ADAPTERS: dict[type, Callable[..., ProviderChannel]] = {
    NetgsmConfig: NetgsmSms, VerimorConfig: VerimorSms, MobildevConfig: MobildevSms,
    UltramsgConfig: UltramsgWhatsApp, WhatsAppCloudConfig: CloudWhatsApp,
}


def hook_token(secret_key: str, channel: str) -> str:
    return hmac.new(secret_key.encode(), f"hook\x1f{channel}".encode(), hashlib.sha256).hexdigest()[:32]


def valid_hook_token(secret_key: str, channel: str, token: str) -> bool:
    return hmac.compare_digest(hook_token(secret_key, channel), token)


def hook_url(public_url: str, store_id: str, channel: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/v1/hooks/{store_id}/{channel}/{token}"


class StoreProviders:
    """The channel ``name`` of every store, through the provider its stores-file entry names."""

    needs_browser = False

    def __init__(self, registry: StoreRegistry, name: ProviderChannelName, *, timeout_s: float = 10.0) -> None:
        """``timeout_s``: how long one call to a provider may take before it counts as a timeout (retried)."""
        self.name = name
        self._timeout_s = timeout_s
        self._registry = registry
        self._built: dict[str, tuple[SmsProvider | WhatsAppProvider, ProviderChannel]] = {}
        self._retired: list[ProviderChannel] = []

    def _config(self, store_id: str) -> SmsProvider | WhatsAppProvider | None:
        store = self._registry.by_id(store_id)
        return None if store is None else getattr(store.flows, self.name)

    def serves(self, store_id: str) -> bool:
        """True when the store has a provider for this channel."""
        return self._config(store_id) is not None

    def adapter(self, store_id: str) -> ProviderChannel | None:
        config = self._config(store_id)
        if config is None:
            return None
        built = self._built.get(store_id)
        if built is not None and built[0] == config:
            return built[1]
        if built is not None:
            self._retired.append(built[1])  # the stores file changed: closed with the rest
        adapter = _ADAPTERS[type(config)](config, f"$.flows.{self.name}", timeout_s=self._timeout_s)
        self._built[store_id] = (config, adapter)
        return adapter

    def adapters(self) -> list[tuple[str, ProviderChannel]]:
        """Every store's adapter that has one (for the receipt queries)."""
        found = []
        for store in self._registry:
            adapter = self.adapter(store.id)
            if adapter is not None:
                found.append((store.id, adapter))
        return found

    async def send(self, message: OutboundMessage) -> SendOutcome:
        adapter = self.adapter(message.store_id)
        if adapter is None:
            return SendOutcome("permanent", None, f"no {self.name} provider in the store's flows settings")
        return await adapter.send(message)

    async def find_sent(self, store_id: str, idempotency_key: str) -> str | None:
        """The provider's id for a message it already took under our key, if it can be asked (else None)."""
        adapter = self.adapter(store_id)
        lookup = getattr(adapter, "find_sent", None)
        return None if lookup is None else await lookup(idempotency_key)

    async def close(self) -> None:
        for adapter in [*(a for _, a in self._built.values()), *self._retired]:
            await adapter.close()
        self._built.clear()
        self._retired.clear()
