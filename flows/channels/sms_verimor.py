"""SMS through Verimor's JSON API (https://github.com/verimor/SMS-API/blob/master/user_guide.md).

* Send: ``POST {base}/v2/send.json`` with ``username``, ``password``, ``source_addr``,
  ``custom_id`` and ``messages: [{msg, dest: "905XXXXXXXXX", id}]``, ``datacoding`` ``0``
  (GSM), ``1`` (Turkish) or ``2`` (UCS-2) from :mod:`flows.channels.sms_text`. Our
  idempotency key is both the campaign's ``custom_id`` and the message's ``id``, so
  reports come back with it. ``200`` answers the campaign id as plain text; ``400``
  (``INSUFFICIENT_CREDITS``, a bad sender...) and ``401`` are never retried; ``429`` and
  5xx are.
* Delivery reports and replies: Verimor POSTs a JSON array to the URL set in its panel
  (OİM → SMS Ayarlarım): ``type: outbound`` items carry ``message_custom_id`` and
  ``status`` (``DELIVERED``, ``NOT_DELIVERED``, ``EXPIRED``...); ``type: inbound`` items a
  reply's ``source_addr`` and ``content``. Set it to this store's webhook URL.
* After a crash between handing a message over and recording the answer, the campaign
  is looked up by our key (``GET {base}/v2/status?custom_id=``) before sending again.
"""

from __future__ import annotations

import httpx
import msgspec

from flows.channels.channel import OutboundMessage, SendOutcome
from flows.channels.provider_api import ProviderEvent, Receipt, Reply, WebhookAnswer, call, digits, e164
from flows.channels.sms_text import plan
from nudges.flow_providers import VerimorConfig, resolve_secret

DATACODING = {"gsm7": "0", "turkish": "1", "ucs2": "2"}
#: Final states that are not a delivery (``SENT`` means "delivered, unconfirmed": counted as delivered).
DELIVERED = frozenset({"DELIVERED", "SENT"})
WAITING = frozenset({"WAITING", "ENROUTE", "ACCEPTED", "UNKNOWN", ""})


class _Push(msgspec.Struct):
    type: str = "outbound"
    message_custom_id: str | None = None
    status: str = ""
    source_addr: str = ""
    content: str = ""


class VerimorSms:
    name = "sms"
    needs_browser = False

    def __init__(self, config: VerimorConfig, where: str = "$.flows.sms", *, timeout_s: float = 10.0) -> None:
        self._config = config
        self._password = resolve_secret(config.password, f"{where}.password")
        self._client = httpx.AsyncClient(base_url=config.base_url.rstrip("/"), timeout=timeout_s)

    async def send(self, message: OutboundMessage) -> SendOutcome:
        text = plan(message.text)
        body = {
            "username": self._config.username, "password": self._password, "source_addr": self._config.source_addr,
            "custom_id": message.idempotency_key, "datacoding": DATACODING[text.encoding],
            "messages": [{"msg": text.text, "dest": digits(message.to), "id": message.idempotency_key}],
        }
        answer = await call(self._client, "POST", "/v2/send.json", json=body)
        if isinstance(answer, SendOutcome):
            return answer
        said = answer.text.strip()[:200]
        if answer.status_code == 200 and said:
            return SendOutcome("sent", said, f"Verimor campaign {said}, {text.parts} part(s) {text.encoding}", receipt=True)
        if answer.status_code >= 500 or answer.status_code == 429:
            return SendOutcome("retryable", None, f"HTTP {answer.status_code} {said}")
        return SendOutcome("permanent", None, f"HTTP {answer.status_code} {said}")

    async def find_sent(self, idempotency_key: str) -> str | None:
        """Did Verimor already take a campaign under our key? (``GET /v2/status?custom_id=``: 404 when not.)

        Asked before sending a step again whose earlier attempt left no answer (a crash
        between handing it over and recording the answer): found, it is not sent twice.
        """
        answer = await call(self._client, "GET", "/v2/status", params={
            "custom_id": idempotency_key, "username": self._config.username, "password": self._password})
        if isinstance(answer, SendOutcome) or answer.status_code != 200:
            return None
        try:
            reports = answer.json()
        except ValueError:
            return None
        if not isinstance(reports, list) or not reports or not isinstance(reports[0], dict):
            return None
        return str(reports[0].get("campaign_id", "")) or None

    async def webhook(self, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> WebhookAnswer:
        if method != "POST":
            return WebhookAnswer(405, "POST only")
        try:
            items = msgspec.json.decode(body, type=list[_Push])
        except msgspec.DecodeError as exc:
            return WebhookAnswer(400, f"not Verimor's push format: {exc}")
        events: list[ProviderEvent] = []
        for item in items:
            if item.type == "inbound":
                sender = e164(item.source_addr)
                if sender is not None:
                    events.append(Reply(sender, item.content))
            elif item.message_custom_id and item.status not in WAITING:
                events.append(Receipt(item.message_custom_id, "key", item.status in DELIVERED, f"Verimor {item.status}"))
        return WebhookAnswer(200, "OK", events)

    async def close(self) -> None:
        await self._client.aclose()
