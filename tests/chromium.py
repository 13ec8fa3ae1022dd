"""Debian's Chromium as every browser test launches it (Playwright cannot download its own here).

The flags keep it off the network it cannot reach (background updates, sync). Shoppers on
third-party themes add ``--disable-blink-features=AutomationControlled``: the snippet
ignores browsers that announce automation, as a store's real traffic would not.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: A browser that plays a real shopper (see the module docstring).
SHOPPER_ARGS = [*CHROMIUM_ARGS, "--disable-blink-features=AutomationControlled"]
