"""İYS (İleti Yönetim Sistemi), Turkey's national register of commercial-message consent.

Before a commercial message to a Turkish recipient, the store must find the recipient's
consent recorded at İYS, whatever the store's own records say (Law 6563 and its
regulation). This adapter follows İYS's published REST API
(https://dev.iys.org.tr, "Tekil İzin Durumu Sorgulama"):

* ``POST {base}/oauth2/token`` with ``grant_type=password``, ``username``, ``password``
  (form-encoded) gives ``access_token`` and ``expires_in``;
* ``POST {base}/sps/{iysCode}/brands/{brandCode}/consents/status`` with a bearer token
  and ``{"recipient": "+905...", "recipientType": "BIREYSEL", "type": "MESAJ"}``
  (``EPOSTA`` for e-mail) answers 200 ``{"status": "ONAY" | "RET", ...}``, or 404 when
  İYS has no record for the recipient.

Only ``ONAY`` lets a message through; ``RET`` or no record refuses it; İYS being
unreachable is :data:`UNKNOWN` (the step waits and tries again, it is never sent blind).
"""

from __future__ import annotations

import time
from typing import Final, Literal

import httpx

IysAnswer = Literal["allowed", "refused", "unknown"]
UNKNOWN: Final = "unknown"
IYS_TYPE: Final = {"sms": "MESAJ", "whatsapp": "MESAJ", "email": "EPOSTA"}


def needs_iys(channel: str, recipient: str, locale: str, commercial: bool) -> bool:
    """İYS applies to commercial SMS/WhatsApp to +90 numbers and commercial e-mail to Turkish contacts.

    >>> needs_iys("sms", "+905321234567", "en", True), needs_iys("sms", "+447700900123", "tr", True)
    (True, False)
    >>> needs_iys("email", "a@b.tr", "tr", True), needs_iys("push", "{}", "tr", True), needs_iys("sms", "+905321234567", "tr", False)
    (True, False, False)
    """
    if not commercial or channel not in IYS_TYPE:
        return False
    return recipient.startswith("+90") if channel in ("sms", "whatsapp") else locale == "tr"


class IysClient:
    """Consent queries against İYS (or a stand-in following the same API), with a cached token."""

    def __init__(self, base_url: str, username: str, password: str, iys_code: str, *, timeout_s: float = 5.0) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._username, self._password, self._iys_code = username, password, iys_code
        self._token: str | None = None
        self._token_until = 0.0

    async def _bearer(self) -> str:
        if self._token is None or time.monotonic() >= self._token_until:
            response = await self._client.post(
                "/oauth2/token",
                data={"grant_type": "password", "username": self._username, "password": self._password},
            )
            response.raise_for_status()
            body = response.json()
            self._token = body["access_token"]
            self._token_until = time.monotonic() + float(body.get("expires_in", 3600)) * 0.9
        return self._token

    async def consent(self, brand_code: str, channel: str, recipient: str) -> IysAnswer:
        """``allowed`` only when İYS says ONAY for this recipient and message type."""
        try:
            token = await self._bearer()
            response = await self._client.post(
                f"/sps/{self._iys_code}/brands/{brand_code}/consents/status",
                json={"recipient": recipient, "recipientType": "BIREYSEL", "type": IYS_TYPE[channel]},
                headers={"Authorization": f"Bearer {token}"},
            )
        except (httpx.HTTPError, KeyError, ValueError):
            return UNKNOWN
        if response.status_code == 404:
            return "refused"
        if response.status_code != 200:
            return UNKNOWN
        return "allowed" if response.json().get("status") == "ONAY" else "refused"

    async def close(self) -> None:
        await self._client.aclose()
