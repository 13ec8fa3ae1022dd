"""The runnable examples in the flows package's docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "flows.channels.channel", "flows.channels.delivery", "flows.channels.email", "flows.contacts",
    "flows.unsubscribe", "flows.tracking", "flows.rules", "flows.iys", "nudges.flow_definitions",
    "database.engine", "overlay_api.flows_api", "flows.channels.web_push", "flows.push_subscriptions", "flows.holdout", "flows.plan", "flows.report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
