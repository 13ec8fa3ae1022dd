"""WhatsApp through UltraMSG (https://docs.ultramsg.com/api/post/messages/chat, and "Webhooks").

* Send: ``POST {base}/{instance_id}/messages/chat`` (form) with ``token``, ``to``
  (``+905XXXXXXXXX``), ``body`` and ``referenceId`` (our idempotency key, echoed in
  webhooks). ``{"sent": "true", "id": ...}`` is taken; ``{"error": ...}`` (a wrong token,
  a number not on WhatsApp) is never retried, whatever the HTTP status; 5xx and 429 are.
* Webhooks (set the instance's webhook URL to this store's): ``event_type:
  message_ack`` with ``data.ack`` ``server`` → ``device`` (delivered) → ``read``/``played``;
  ``event_type: message_received`` with ``data.from`` (``905...@c.us``) and ``data.body``,
  a reply that may be a stop word.
"""

from __future__ import annotations

import httpx
import msgspec

from flows.channels.channel import OutboundMessage, SendOutcome
from flows.channels.provider_api import ProviderEvent, Receipt, Reply, WebhookAnswer, call, e164, json_outcome
from nudges.flow_providers import UltramsgConfig, resolve_secret

DELIVERED_ACKS = frozenset({"device", "read", "played"})


class _Data(msgspec.Struct):
    id: str = ""
    ack: str = ""
    body: str = ""
    fromMe: bool = False  # noqa: N815 (UltraMSG's field name)
    sender: str = msgspec.field(default="", name="from")  # "from" is a Python keyword


class _Hook(msgspec.Struct):
    event_type: str = ""
    referenceId: str = ""  # noqa: N815
    data: _Data = msgspec.field(default_factory=_Data)


class UltramsgWhatsApp:
    name = "whatsapp"
    needs_browser = False

    def __init__(self, config: UltramsgConfig, where: str = "$.flows.whatsapp", *, timeout_s: float = 10.0) -> None:
        self._config = config
        self._token = resolve_secret(config.token, f"{where}.token")
        self._client = httpx.AsyncClient(base_url=config.base_url.rstrip("/"), timeout=timeout_s)

    async def send(self, message: OutboundMessage) -> SendOutcome:
        answer = await call(self._client, "POST", f"/{self._config.instance_id}/messages/chat", data={
            "token": self._token, "to": message.to, "body": message.text, "referenceId": message.idempotency_key,
        })
        if isinstance(answer, SendOutcome):
            return answer
        return json_outcome(answer, "UltraMSG", accepted="UltraMSG sent",
                            message_id=lambda said: str(said.get("id", "")) if str(said.get("sent")).lower() == "true" else None,
                            error=lambda said: ("", str(said.get("error", ""))))

    async def webhook(self, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> WebhookAnswer:
        if method != "POST":
            return WebhookAnswer(405, "POST only")
        try:
            hook = msgspec.json.decode(body, type=_Hook)
        except msgspec.DecodeError as exc:
            return WebhookAnswer(400, f"not UltraMSG's webhook format: {exc}")
        events: list[ProviderEvent] = []
        if hook.event_type == "message_ack" and hook.referenceId and hook.data.ack in DELIVERED_ACKS:
            events.append(Receipt(hook.referenceId, "key", True, f"UltraMSG ack {hook.data.ack}"))
        elif hook.event_type == "message_received" and not hook.data.fromMe:
            sender = e164(hook.data.sender)
            if sender is not None:
                events.append(Reply(sender, hook.data.body))
        return WebhookAnswer(200, "OK", events)

    async def close(self) -> None:
        await self._client.aclose()
