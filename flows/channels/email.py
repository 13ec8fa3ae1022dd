"""E-mail over SMTP (``aiosmtplib``): an HTML part, a plain-text part, one-click unsubscribe.

Headers every message carries: a ``Message-ID`` made from the step's idempotency key
(a retry after a crash is the same message, which receivers and relays can see), and,
when there is an unsubscribe link, ``List-Unsubscribe`` plus ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058: mail clients show an unsubscribe button that
POSTs to the link).

SMTP's reply codes read the other way round from HTTP's: 4xx is a *transient* failure
(greylisting, a full queue: retry), 5xx *permanent* (no such mailbox: never retry).
"""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from flows.channels.channel import OutboundMessage, SendOutcome


def message_id(idempotency_key: str) -> str:
    """A Message-ID that is the same for every attempt of one step.

    >>> message_id("run_1:0:c_1")
    '<run_1.0.c_1@cartcoach>'
    """
    return f"<{re.sub(r'[^A-Za-z0-9_.-]', '.', idempotency_key)}@cartcoach>"


def build_email(message: OutboundMessage, sender: str) -> EmailMessage:
    """The MIME message: text/plain first, text/html as the alternative."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message.idempotency_key)
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email


class SmtpChannel:
    """Hands e-mails to an SMTP relay."""

    name = "email"
    needs_browser = False

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, starttls: bool = True, timeout_s: float = 15.0) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout_s

    async def send(self, message: OutboundMessage) -> SendOutcome:
        email = build_email(message, self._sender)
        try:
            await aiosmtplib.send(
                email, hostname=self._host, port=self._port, username=self._username,
                password=self._password, start_tls=self._starttls, timeout=self._timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            status = "retryable" if 400 <= exc.code < 500 else "permanent"
            return SendOutcome(status, None, f"SMTP {exc.code} {exc.message}"[:300])
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            return SendOutcome("retryable", None, f"{type(exc).__name__}: {exc}"[:300])
        return SendOutcome("sent", email["Message-ID"], "SMTP 250")

    async def close(self) -> None:
        """Nothing held open: one connection per message keeps a crash from stranding a session."""
