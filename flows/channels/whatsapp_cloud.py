"""WhatsApp through Meta's Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).

* Send: ``POST {base}/{version}/{phone_number_id}/messages`` with ``Authorization: Bearer``,
  ``{"messaging_product": "whatsapp", "to": "905XXXXXXXXX", ...}``. Free text
  (``type: text``) only within 24 hours of the shopper's last message to the store;
  otherwise WhatsApp delivers only an approved template, so the store's template goes
  with our text as its one body parameter (``{{1}}``; WhatsApp refuses newlines in a
  parameter, so they become spaces). ``biz_opaque_callback_data`` carries our idempotency
  key; statuses echo it. The answer's ``messages[0].id`` (``wamid...``) is the message id.
  Errors are ``{"error": {"code", "message"}}``: 429, 5xx and the throttling codes
  (``4``, ``80007``, ``130429``, ``131048``, ``131056``) are retried, others never.
* Webhook (the app's callback URL): ``GET`` with ``hub.mode=subscribe``, ``hub.verify_token``
  and ``hub.challenge`` is the subscription check (echo the challenge when the token
  matches); ``POST`` bodies are signed, ``X-Hub-Signature-256: sha256=HMAC(app secret,
  body)``, and carry ``statuses`` (``sent``, ``delivered``, ``read``, ``failed``) and
  ``messages`` (a reply: ``from``, ``text.body`` or a button's ``text``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import httpx
import msgspec

from flows.channels.channel import OutboundMessage, SendOutcome
from flows.channels.provider_api import ProviderEvent, Receipt, Reply, WebhookAnswer, call, digits, e164, json_outcome
from nudges.flow_providers import WhatsAppCloudConfig, resolve_secret

THROTTLED = frozenset({4, 80007, 130429, 131048, 131056})
DELIVERED = frozenset({"delivered", "read"})


def template_parameter(text: str) -> str:
    """A template parameter may hold no newline, tab or run of more than four spaces.

    >>> template_parameter("Merhaba,\\n\\nsepetiniz   \\t hâlâ bekliyor")
    'Merhaba, sepetiniz hâlâ bekliyor'
    """
    return re.sub(r"\s+", " ", text).strip()


def _message_id(said: dict[str, Any]) -> str | None:
    """``messages[0].id`` (``wamid...``) of an answer that took the message."""
    messages = said.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None
    return str(messages[0].get("id", ""))


def _error(said: dict[str, Any]) -> tuple[object, str]:
    error = said.get("error") if isinstance(said.get("error"), dict) else {}
    return error.get("code", "?"), str(error.get("message", ""))


class _Text(msgspec.Struct):
    body: str = ""


class _Button(msgspec.Struct):
    text: str = ""


class _Incoming(msgspec.Struct):
    sender: str = msgspec.field(default="", name="from")
    type: str = ""
    text: _Text = msgspec.field(default_factory=_Text)
    button: _Button = msgspec.field(default_factory=_Button)


class _Status(msgspec.Struct):
    id: str = ""
    status: str = ""
    biz_opaque_callback_data: str = ""


class _Value(msgspec.Struct):
    statuses: list[_Status] = msgspec.field(default_factory=list)
    messages: list[_Incoming] = msgspec.field(default_factory=list)


class _Change(msgspec.Struct):
    value: _Value = msgspec.field(default_factory=_Value)


class _Entry(msgspec.Struct):
    changes: list[_Change] = msgspec.field(default_factory=list)


class _Notification(msgspec.Struct):
    entry: list[_Entry] = msgspec.field(default_factory=list)


class CloudWhatsApp:
    name = "whatsapp"
    needs_browser = False

    def __init__(self, config: WhatsAppCloudConfig, where: str = "$.flows.whatsapp", *, timeout_s: float = 10.0) -> None:
        self._config = config
        self._token = resolve_secret(config.access_token, f"{where}.access_token")
        self._app_secret = resolve_secret(config.app_secret, f"{where}.app_secret") if config.app_secret else None
        self._verify = resolve_secret(config.verify_token, f"{where}.verify_token") if config.verify_token else None
        self._client = httpx.AsyncClient(base_url=config.base_url.rstrip("/"), timeout=timeout_s,
                                         headers={"Authorization": f"Bearer {self._token}"})

    def body(self, message: OutboundMessage) -> dict:
        """The request body: free text inside the 24-hour window, the store's template outside it."""
        body: dict = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": digits(message.to),
                      "biz_opaque_callback_data": message.idempotency_key}
        if message.reply_window_open:
            body |= {"type": "text", "text": {"preview_url": False, "body": message.text}}
        else:
            language = self._config.template_languages.get(message.locale, message.locale)
            body |= {"type": "template", "template": {
                "name": self._config.template_name, "language": {"code": language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": template_parameter(message.text)}]}],
            }}
        return body

    async def send(self, message: OutboundMessage) -> SendOutcome:
        answer = await call(self._client, "POST", f"/{self._config.api_version}/{self._config.phone_number_id}/messages",
                            json=self.body(message))
        if isinstance(answer, SendOutcome):
            return answer
        kind = "text" if message.reply_window_open else f"template {self._config.template_name}"
        return json_outcome(answer, "WhatsApp", accepted=f"WhatsApp Cloud {kind}", throttled=THROTTLED,
                            message_id=_message_id, error=_error)

    async def webhook(self, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> WebhookAnswer:
        if method == "GET":
            if query.get("hub.mode") == "subscribe" and self._verify is not None and hmac.compare_digest(
                    query.get("hub.verify_token", ""), self._verify):
                return WebhookAnswer(200, query.get("hub.challenge", ""))
            return WebhookAnswer(403, "verify token does not match")
        if self._app_secret is not None:
            expected = "sha256=" + hmac.new(self._app_secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(headers.get("x-hub-signature-256", ""), expected):
                return WebhookAnswer(401, "bad X-Hub-Signature-256")
        try:
            note = msgspec.json.decode(body, type=_Notification)
        except msgspec.DecodeError as exc:
            return WebhookAnswer(400, f"not a WhatsApp webhook notification: {exc}")
        events: list[ProviderEvent] = []
        for entry in note.entry:
            for change in entry.changes:
                for status in change.value.statuses:
                    if status.status in DELIVERED or status.status == "failed":
                        ref, by = (status.biz_opaque_callback_data, "key") if status.biz_opaque_callback_data else (status.id, "provider_id")
                        events.append(Receipt(ref, by, status.status in DELIVERED, f"WhatsApp {status.status}"))  # type: ignore[arg-type]
                for incoming in change.value.messages:
                    sender = e164(incoming.sender)
                    text = incoming.text.body or incoming.button.text
                    if sender is not None:
                        events.append(Reply(sender, text))
        return WebhookAnswer(200, "OK", events)

    async def close(self) -> None:
        await self._client.aclose()
