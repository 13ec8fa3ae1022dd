"""Channel adapters: one module per way of reaching a shopper (SMTP, SMS providers, WhatsApp, web push).

Every adapter implements :class:`flows.channels.channel.Channel`; the scheduler never
knows which provider is behind it. See ``docs/flows.md`` ("Adding a channel").
"""
