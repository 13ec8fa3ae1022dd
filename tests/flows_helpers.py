"""What the flows tests share: a store with flows on, a real SMTP server, profiles, contacts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from nudges.stores import StoreRegistry
from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile, Scorer
from scorer.session import apply
from tests.live_server import free_port

SECRET = "sk_flows_test_0001"
WRITE_KEY = "wk_flows_test_0001"
ORIGIN = "https://shop.example"


QUICK_STEPS = """\
            - {delay_min: 1, channel: email, template: light_reminder, incentive: none}
            - {delay_min: 2, channel: email, fallback: sms, template: reason_nudge}
"""


def stores_yaml(flows: str = "", *, settings: str = "", steps: str = QUICK_STEPS, store_id: str = "shop",
                write_key: str = WRITE_KEY, secret: str = SECRET, origin: str = ORIGIN, head: str = "") -> str:
    """A store with flows enabled, two quick steps, no holdout, quiet hours or caps unless told.

    ``flows``: more flow definitions after ``quick``; ``settings``: more keys of the store's
    ``flows`` (one a line, e.g. ``web_push: true``); ``steps``: ``quick``'s steps instead;
    ``head``: top-level keys before ``stores`` (e.g. rate limits).
    """
    extra = "".join(f"      {line}\n" for line in settings.splitlines() if line.strip())
    return f"""{head}
stores:
  - id: {store_id}
    write_key: {write_key}
    secret_key: {secret}
    allowed_origins: ["{origin}"]
    experiment: {{holdout: 0.0, min_confidence: 0.0, weights: [1, 0, 0]}}
    facts: {{return_days: 30, free_returns: true, reviews: [{{author: Ayla, rating: 5, text: "Fits <well> & ships fast"}}]}}
    flows:
      enabled: true
      iys_check: false
      holdout: 0.0
      quiet_hours: {{}}
      caps: {{}}
{extra}      definitions:
        - name: quick
          steps:
{steps}{flows}
"""


def registry(flows: str = "") -> StoreRegistry:
    return StoreRegistry.from_yaml_text(stores_yaml(flows))


def trust_profile(session: str, visitor: str, store_id: str = "shop") -> AbandonmentProfile:
    """A real profile from the scorer: a shopper who reread the reviews (reason: trust)."""
    now = int(time.time() * 1000)

    def ev(i: int, kind: str, **kw):
        return CollectedEvent(id=f"e-{session}-{i}", type=kind, ts=now - 5000 + i, at=now - 5000 + i,
                              received_at=now, store_id=store_id, visitor_id=visitor, session_id=session, **kw)

    state = apply(None, ev(0, "cart_view", cart_value=250.0))
    for i in range(1, 5):
        state = apply(state, ev(i, "review_view", product_id="p1"))
    return Scorer().profile(state)


class _Inbox:
    def __init__(self, reply: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        if self.reply is not None:
            return self.reply
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives, parsed."""

    def __init__(self, reply: str | None = None) -> None:
        self.inbox = _Inbox(reply)
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def smtp_server(reply: str | None = None) -> Iterator[SmtpServer]:
    with SmtpServer(reply) as server:
        yield server
