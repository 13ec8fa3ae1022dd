"""SMS through Mobildev's XML gateway (Mobildev "Bulk SMS XML API", http://smsdeveloper.net/128).

* Send: ``POST {base}/com.mobilus`` with an XML body
  ``<MainmsgBody><UserName/><PassWord/><Action>0</Action><Mesgbody/><Numbers>5XXXXXXXXX</Numbers>
  <Originator/><SDate/></MainmsgBody>`` (``UserName`` is ``user-companycode``; ``Action 0``:
  one text to the numbers; an empty ``SDate`` sends now). The text goes as UTF-8; Mobildev
  chooses the alphabet.
* Answers: ``ID:<message id>`` when taken; otherwise a two-digit error code (``01``: wrong
  user name, password or company code, per the same documentation), never retried; an
  HTTP 5xx or no answer is retried.

What this is based on, and what not: Mobildev's English pages in the stored copy (the
XML API's gateway and its ``01`` code), and the request layout of public PHP samples of
that API; the full error table and the report query's answer format were not in the
copy, so delivery reports are not read for Mobildev (its ``delivered`` stays equal to
``sent``) and codes other than ``01`` are reported as "Mobildev error NN". The Turkish
pages of the same documentation (smsdeveloper.net/77 "Toplu SMS XML API", /350, /284)
name a reporting section and a reporting code (``02``: the package is not processed yet
or waits at the gateway), but the stored copy holds only their openings: the report
query's answer, per number, is still not legible, so it is not guessed.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

import httpx

from flows.channels.channel import OutboundMessage, SendOutcome
from flows.channels.provider_api import WebhookAnswer, call, national_tr
from flows.channels.sms_text import plan
from nudges.flow_providers import MobildevConfig, resolve_secret

ERRORS = {"01": "wrong user name, password or company code"}


def request_xml(username: str, password: str, originator: str, text: str, number: str) -> bytes:
    """The send request, every value escaped by the XML library (a ``<`` in a text stays text).

    >>> request_xml("shop-mb1", "pw", "SHOP", "İndirim", "5321234567").decode().splitlines()[1][:60]
    '<MainmsgBody><UserName>shop-mb1</UserName><PassWord>pw</Pass'
    >>> b"&lt;%10&gt;" in request_xml("u", "p", "S", "<%10>", "5")
    True
    """
    root = Element("MainmsgBody")
    for tag, value in (("UserName", username), ("PassWord", password), ("Action", "0"), ("Mesgbody", text),
                       ("Numbers", number), ("Originator", originator), ("SDate", "")):
        SubElement(root, tag).text = value
    return tostring(root, encoding="UTF-8", xml_declaration=True)


class MobildevSms:
    name = "sms"
    needs_browser = False

    def __init__(self, config: MobildevConfig, where: str = "$.flows.sms", *, timeout_s: float = 10.0) -> None:
        self._config = config
        self._password = resolve_secret(config.password, f"{where}.password")
        self._client = httpx.AsyncClient(base_url=config.base_url.rstrip("/"), timeout=timeout_s)

    async def send(self, message: OutboundMessage) -> SendOutcome:
        text = plan(message.text)
        body = request_xml(self._config.username, self._password, self._config.originator, text.text, national_tr(message.to))
        answer = await call(self._client, "POST", "/com.mobilus", content=body,
                            headers={"Content-Type": "text/xml; charset=utf-8"})
        if isinstance(answer, SendOutcome):
            return answer
        if answer.status_code >= 500 or answer.status_code == 429:
            return SendOutcome("retryable", None, f"HTTP {answer.status_code}")
        said = answer.text.strip()
        if answer.status_code == 200 and said.startswith("ID:") and said[3:].strip():
            return SendOutcome("sent", said[3:].strip(), f"Mobildev {said}, {text.parts} part(s) {text.encoding}")
        code = said[:2] if said[:2].isdigit() else said[:40]
        return SendOutcome("permanent", None, f"Mobildev error {code}: {ERRORS.get(code, 'see Mobildev error table')}"
                           if answer.status_code == 200 else f"HTTP {answer.status_code} {said[:100]}")

    async def webhook(self, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> WebhookAnswer:
        return WebhookAnswer(404, "Mobildev posts nothing here")

    async def close(self) -> None:
        await self._client.aclose()
