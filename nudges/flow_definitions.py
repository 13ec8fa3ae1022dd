"""The ``flows:`` section of a store: follow-up steps after the shopper left, as data.

Part of the stores file, checked the same way (every mistake names its field), because
a flow decides how often a shopper is written to: a typo must stop the start, not
quietly message people every minute. What a step *says* is not here: the decision core
writes it (same reason, tone, policy and guardrails as the overlay); a step only picks
when, on which channel, which kind of message, and how far its incentive may go.

Two plans ship as defaults (the owner switches flows on with ``enabled: true``):

* ``onsite_plan``: a light reminder at 10 minutes, a nudge that answers the reason at
  2 hours, a last offer at 24 hours (web push first, e-mail when push is not possible);
* ``email_plan``: e-mail at 1 hour, 24 hours and 48 hours.

>>> config = msgspec.convert({"enabled": True}, FlowsConfig)
>>> [(f.name, [s.delay_min for s in f.steps]) for f in config.definitions]
[('onsite_plan', [10, 120, 1440]), ('email_plan', [60, 1440, 2880])]
>>> check_flows(msgspec.convert({"definitions": [{"name": "x", "steps": [
...     {"delay_min": 60, "channel": "email", "template": "reason_nudge"},
...     {"delay_min": 30, "channel": "email", "template": "last_offer"}]}]}, FlowsConfig), "$.flows")
Traceback (most recent call last):
...
ValueError: $.flows.definitions[0].steps[1].delay_min: must come after the step before (60 min)
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from nudges.flow_providers import SmsProvider, WhatsAppProvider, check_provider

ChannelName = Literal["email", "sms", "whatsapp", "push"]
#: A cap's key: a channel, or ``all``: every message on any channel *and* every nudge shown
#: on the page, per contact (one plan per shopper: the page and the messages share the caps).
CapKey = Literal["email", "sms", "whatsapp", "push", "all"]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
FlowName = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
#: ``light_reminder``: "your cart is waiting", no incentive; ``reason_nudge``: the decision
#: core's answer to the shopper's reason; ``last_offer``: the same, and the only step that
#: may carry a coupon.
Template = Literal["light_reminder", "reason_nudge", "last_offer"]
#: ``none``: no costly incentive; ``answer_reason``: what the decision core proposes but
#: never a coupon; ``offer``: a per-customer coupon allowed (policy and eligibility permitting).
IncentiveRule = Literal["none", "answer_reason", "offer"]


class Step(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One message: how long after the shopper left, where, what kind, how generous."""

    delay_min: Annotated[int, msgspec.Meta(ge=1, le=60 * 24 * 30)]
    channel: ChannelName
    template: Template
    #: Used when the contact cannot be reached on ``channel`` (no consent, no address).
    fallback: ChannelName | None = None
    incentive: IncentiveRule = "answer_reason"


class Flow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A named sequence of steps; the highest priority a shopper qualifies for wins (one flow each)."""

    name: FlowName
    steps: Annotated[list[Step], msgspec.Meta(min_length=1, max_length=10)]
    priority: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0


class QuietHours(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """No message on this channel between ``start`` and ``end`` in the recipient's time zone."""

    start: HourMinute = "21:00"
    end: HourMinute = "09:00"


class Cap(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """At most ``max`` messages per contact on a channel in any ``per_hours`` window, across flows."""

    max: Annotated[int, msgspec.Meta(ge=0, le=100)] = 1
    per_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 30)] = 24


def _default_flows() -> list[Flow]:
    return [
        Flow(name="onsite_plan", priority=20, steps=[
            Step(delay_min=10, channel="push", fallback="email", template="light_reminder", incentive="none"),
            Step(delay_min=120, channel="push", fallback="email", template="reason_nudge"),
            Step(delay_min=24 * 60, channel="email", fallback="sms", template="last_offer", incentive="offer"),
        ]),
        Flow(name="email_plan", priority=10, steps=[
            Step(delay_min=60, channel="email", template="light_reminder", incentive="none"),
            Step(delay_min=24 * 60, channel="email", template="reason_nudge"),
            Step(delay_min=48 * 60, channel="email", template="last_offer", incentive="offer"),
        ]),
    ]  # fmt: skip


def _default_quiet_hours() -> dict[ChannelName, QuietHours]:
    # SMS and WhatsApp wake people; e-mail and push wait in the inbox.
    return {"sms": QuietHours("21:00", "09:00"), "whatsapp": QuietHours("21:00", "09:00")}


def _default_caps() -> dict[CapKey, Cap]:
    # Klaviyo's defaults (16 h e-mail, 24 h SMS), one message each; three touches a day in
    # all, the page's nudges included (the default plans send at most two in a day).
    return {"email": Cap(1, 16), "sms": Cap(1, 24), "whatsapp": Cap(1, 24), "push": Cap(2, 24), "all": Cap(3, 24)}


class FlowsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Follow-ups for one store."""

    enabled: bool = False
    definitions: Annotated[list[Flow], msgspec.Meta(min_length=1, max_length=20)] = msgspec.field(default_factory=_default_flows)
    quiet_hours: dict[ChannelName, QuietHours] = msgspec.field(default_factory=_default_quiet_hours)
    caps: dict[CapKey, Cap] = msgspec.field(default_factory=_default_caps)
    #: Share of eligible abandoners (per contact, by hash: :mod:`flows.holdout`) whose flow is
    #: planned but sends nothing: the baseline the flow report measures the flow against.
    holdout: Annotated[float, msgspec.Meta(ge=0.0, le=0.5)] = 0.10
    #: The store's time zone: how the dashboard shows when a shopper's steps fall due.
    time_zone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "Europe/Istanbul"
    #: Contacts and all they own are erased this long after their last registration (KVKK).
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 365
    #: Check İYS (Turkey's consent registry) before commercial SMS/WhatsApp/e-mail to +90 numbers.
    iys_check: bool = True
    #: The store's brand code at İYS (needed when ``iys_check`` is on and it is used).
    iys_brand_code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,12}$")] | None = None
    #: Where e-mails come from, e.g. ``"Demo Store <hello@shop.example>"``.
    email_from: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    #: The store's SMS provider and credentials (``docs/flows.md``); none: SMS steps fall back.
    sms: SmsProvider | None = None
    #: The store's WhatsApp provider and credentials; none: WhatsApp steps fall back.
    whatsapp: WhatsAppProvider | None = None
    #: Let the snippet ask shoppers for web push permission (after a click, never on its own);
    #: needs the store's VAPID keys (``cartcoach flows vapid --store ID``) and ``cartcoach-sw.js``
    #: at the store's origin (``docs/flows.md``, "Web push").
    web_push: bool = False

    def flow(self, name: str) -> Flow | None:
        return next((f for f in self.definitions if f.name == name), None)


def check_flows(config: FlowsConfig, where: str) -> None:
    """What the schema cannot say; raises ``ValueError`` naming the field."""
    names = [f.name for f in config.definitions]
    for i, flow in enumerate(config.definitions):
        if names.index(flow.name) != i:
            raise ValueError(f"{where}.definitions[{i}].name: {flow.name!r} is used twice")
        for j, step in enumerate(flow.steps):
            at = f"{where}.definitions[{i}].steps[{j}]"
            if j and step.delay_min <= flow.steps[j - 1].delay_min:
                raise ValueError(f"{at}.delay_min: must come after the step before ({flow.steps[j - 1].delay_min} min)")
            if step.fallback == step.channel:
                raise ValueError(f"{at}.fallback: the same channel as the step's")
            if step.incentive == "offer" and step.template != "last_offer":
                raise ValueError(f"{at}.incentive: only a last_offer step may carry a coupon")
    for channel, provider in (("sms", config.sms), ("whatsapp", config.whatsapp)):
        if provider is not None:
            check_provider(provider, f"{where}.{channel}")
    try:
        ZoneInfo(config.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{where}.time_zone: unknown time zone {config.time_zone!r} (IANA names, e.g. Europe/Istanbul)") from None
    for channel, quiet in config.quiet_hours.items():
        if quiet.start == quiet.end:
            raise ValueError(f"{where}.quiet_hours.{channel}: start and end are the same")
