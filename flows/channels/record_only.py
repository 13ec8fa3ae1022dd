"""A channel that delivers nothing and says so: the demo's and a dry run's stand-in for providers.

Messages still go through every rule and land in the outbox, where the dashboard shows
them as the shopper would see them; the outcome's detail says they were not delivered.
"""

from __future__ import annotations

from flows.channels.channel import ChannelName, OutboundMessage, SendOutcome


class RecordOnlyChannel:
    needs_browser = False  # it delivers nothing, so a dry run plans push steps from the consent alone

    def __init__(self, name: ChannelName) -> None:
        self.name = name

    async def send(self, message: OutboundMessage) -> SendOutcome:
        return SendOutcome("sent", f"record-only:{message.idempotency_key}", "recorded only (dry run): not delivered")

    async def close(self) -> None:
        pass
