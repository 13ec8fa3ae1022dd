"""Which SMS and WhatsApp provider a store sends through, and its credentials (the stores file's ``flows.sms`` / ``flows.whatsapp``).

Why per store: each shop has its own account, sender id (başlık) and İYS brand at its
provider; one cartcoach serves many shops. Why in the stores file and checked at start:
a typo in a provider name or a missing password must stop the start with the field
named, not fail at 3 a.m. on the first message.

A secret may be written in the file or, better, read from the environment with
``env:NAME``; a name that is not set is an error naming the field.

>>> cfg = msgspec.convert({"provider": "verimor", "username": "908501234567", "password": "env:VERIMOR_PW",
...                        "source_addr": "DEMOSHOP"}, SmsProvider)
>>> type(cfg).__name__, cfg.base_url
('VerimorConfig', 'https://sms.verimor.com.tr')
>>> resolve_secret("env:VERIMOR_PW", "$.flows.sms.password", {"VERIMOR_PW": "s3cret"})
's3cret'
>>> resolve_secret("env:VERIMOR_PW", "$.flows.sms.password", {})
Traceback (most recent call last):
...
ValueError: $.flows.sms.password: the environment variable VERIMOR_PW is not set
>>> msgspec.convert({"provider": "smsfoo"}, SmsProvider)
Traceback (most recent call last):
...
msgspec.ValidationError: Invalid value 'smsfoo' - at `$.provider`
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated

import msgspec

#: A credential, or ``env:NAME`` to read it from the environment.
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
#: A registered alphanumeric sender (başlık): at most 11 characters on Turkish networks.
SenderId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9 .\-]{1,11}$")]
BaseUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s]+$")]
Account = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


def resolve_secret(value: str, where: str, environ: Mapping[str, str] = os.environ) -> str:
    """The credential itself: ``env:NAME`` read from the environment, anything else as written."""
    if not value.startswith("env:"):
        return value
    name = value[4:]
    if name not in environ or not environ[name]:
        raise ValueError(f"{where}: the environment variable {name} is not set")
    return environ[name]


class NetgsmConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="netgsm", tag_field="provider"):
    """Netgsm's GET send API and its report query (https://www.netgsm.com.tr/dokuman/)."""

    usercode: Account
    password: Secret
    #: ``msgheader``: the sender id registered at Netgsm.
    header: SenderId
    base_url: BaseUrl = "https://api.netgsm.com.tr"


class VerimorConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="verimor", tag_field="provider"):
    """Verimor's JSON send API (https://github.com/verimor/SMS-API/blob/master/user_guide.md)."""

    #: The account's 12-digit number, e.g. 908501234567.
    username: Account
    password: Secret
    source_addr: SenderId
    base_url: BaseUrl = "https://sms.verimor.com.tr"


class MobildevConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="mobildev", tag_field="provider"):
    """Mobildev's XML gateway (http://smsdeveloper.net/128, XML API)."""

    #: ``username-companycode`` as Mobildev gives it, e.g. ``shop-mb1000``.
    username: Account
    password: Secret
    originator: SenderId
    base_url: BaseUrl = "http://gateway.mobilus.net"


class UltramsgConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="ultramsg", tag_field="provider"):
    """UltraMSG's WhatsApp API (https://docs.ultramsg.com)."""

    instance_id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    token: Secret
    base_url: BaseUrl = "https://api.ultramsg.com"


class WhatsAppCloudConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="cloud", tag_field="provider"):
    """Meta's WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api)."""

    phone_number_id: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,32}$")]
    access_token: Secret
    #: An approved template with one body parameter ``{{1}}`` that carries the message;
    #: used outside the 24-hour window after the shopper's last message (WhatsApp's rule).
    template_name: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_]{1,512}$")]
    #: The template's language per contact locale (WhatsApp language codes).
    template_languages: dict[str, Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]] = msgspec.field(
        default_factory=lambda: {"tr": "tr", "en": "en"})
    #: The app secret: webhook posts are checked against their ``X-Hub-Signature-256``.
    app_secret: Secret | None = None
    #: What the webhook's subscription check (``hub.verify_token``) must carry.
    verify_token: Secret | None = None
    api_version: Annotated[str, msgspec.Meta(pattern=r"^v[0-9]{1,3}\.[0-9]$")] = "v21.0"
    base_url: BaseUrl = "https://graph.facebook.com"


SmsProvider = NetgsmConfig | VerimorConfig | MobildevConfig
WhatsAppProvider = UltramsgConfig | WhatsAppCloudConfig
_SECRETS = ("password", "token", "access_token", "app_secret", "verify_token")


def check_provider(config: SmsProvider | WhatsAppProvider, where: str) -> None:
    """Every ``env:`` credential must be set now; raises ``ValueError`` naming the field."""
    for name in _SECRETS:
        value = getattr(config, name, None)
        if value is not None:
            resolve_secret(value, f"{where}.{name}")
