"""SMS through Netgsm's HTTP GET API (https://www.netgsm.com.tr/dokuman/, "SMS Gönderimi — HTTP GET").

* Send: ``GET {base}/sms/send/get?usercode&password&gsmno=5XXXXXXXXX&message&msgheader``,
  ``dil=TR`` when the text needs the Turkish alphabet (else Turkish letters are lost),
  ``filter=11`` on commercial messages (Netgsm then checks İYS too). The answer is plain
  text: ``00 <job id>`` (``01``/``02`` also took it, with a corrected date), or an error
  code: ``20`` text, ``30`` credentials or API access, ``40`` sender id, ``50``/``51`` İYS
  account, ``70`` parameters (never retried); ``80``/``85`` sending limits and ``100``/``101``
  system errors (retried).
* Delivery: Netgsm reports by query, ``GET {base}/sms/report?usercode&password&bulkid&type=0
  &status=100&version=2``: one line per number, ``<gsmno> <status> ...``, status ``1`` delivered,
  ``0`` waiting, others failed (``2`` expired, ``3`` wrong number, ``11``/``12`` refused);
  ``60`` when the job is unknown. :meth:`NetgsmSms.receipts` asks for sent messages' jobs.
* Replies (stop words): Netgsm's inbox is a query API too; stores forward replies to
  ``POST /v1/inbound`` (see ``docs/flows.md``).

Netgsm has no client reference for a message; a step is sent once by its outbox row.
"""

from __future__ import annotations

import httpx

from flows.channels.channel import OutboundMessage, SendOutcome
from flows.channels.provider_api import Receipt, WebhookAnswer, call, national_tr
from flows.channels.sms_text import plan
from nudges.flow_providers import NetgsmConfig, resolve_secret

SENT_CODES = frozenset({"00", "01", "02"})
RETRY_CODES = frozenset({"80", "85", "100", "101"})
ERRORS = {
    "20": "message text problem or too long", "30": "wrong credentials or no API access", "40": "sender id not registered",
    "50": "account cannot send İYS-checked messages", "51": "no İYS brand for the account", "70": "wrong parameters",
    "80": "sending limit exceeded", "85": "duplicate sending limit exceeded", "100": "system error", "101": "system error",
}


class NetgsmSms:
    name = "sms"
    needs_browser = False

    def __init__(self, config: NetgsmConfig, where: str = "$.flows.sms", *, timeout_s: float = 10.0) -> None:
        self._config = config
        self._password = resolve_secret(config.password, f"{where}.password")
        self._client = httpx.AsyncClient(base_url=config.base_url.rstrip("/"), timeout=timeout_s)

    async def send(self, message: OutboundMessage) -> SendOutcome:
        text = plan(message.text)
        params = {
            "usercode": self._config.usercode, "password": self._password, "gsmno": national_tr(message.to),
            "message": text.text, "msgheader": self._config.header,
        }
        if text.encoding != "gsm7":
            params["dil"] = "TR"
        if message.commercial:
            params["filter"] = "11"
        answer = await call(self._client, "GET", "/sms/send/get", params=params)
        if isinstance(answer, SendOutcome):
            return answer
        if answer.status_code >= 500 or answer.status_code == 429:
            return SendOutcome("retryable", None, f"HTTP {answer.status_code}")
        if answer.status_code != 200:
            return SendOutcome("permanent", None, f"HTTP {answer.status_code}")
        code, _, job = answer.text.strip().partition(" ")
        if code in SENT_CODES and job.strip():
            return SendOutcome("sent", job.strip(), f"Netgsm {code}, {text.parts} part(s) {text.encoding}", receipt=True)
        status = "retryable" if code in RETRY_CODES else "permanent"
        return SendOutcome(status, None, f"Netgsm {code}: {ERRORS.get(code, 'unknown answer')}")

    async def receipts(self, job_ids: list[str]) -> list[Receipt]:
        """Final delivery states of these jobs; jobs still waiting (or not answered) are left out."""
        found: list[Receipt] = []
        for job in job_ids:
            answer = await call(self._client, "GET", "/sms/report", params={
                "usercode": self._config.usercode, "password": self._password, "bulkid": job,
                "type": "0", "status": "100", "version": "2"})
            if isinstance(answer, SendOutcome) or answer.status_code != 200:
                continue
            for line in answer.text.strip().splitlines():
                fields = line.split()
                if len(fields) < 2 or fields[1] == "0":
                    continue  # an error code alone (30, 60, 70) or still waiting
                found.append(Receipt(job, "provider_id", fields[1] == "1", f"Netgsm status {fields[1]}"))
        return found

    async def webhook(self, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> WebhookAnswer:
        return WebhookAnswer(404, "Netgsm reports by query; nothing is posted here")

    async def close(self) -> None:
        await self._client.aclose()
