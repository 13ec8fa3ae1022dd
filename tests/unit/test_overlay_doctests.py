"""The runnable examples in the decision core's and the edge's docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "nudges.stores", "nudges.catalogue", "nudges.incentives", "nudges.copy_templates",
    "nudges.guardrails", "nudges.scenarios", "nudges.assignment",
    "nudges.experiment_report", "nudges.ledger", "nudges.decision", "overlay_api.cors",
    "nudges.order_proof", "nudges.browser_values", "overlay_api.rate_limits", "overlay_api.client_pseudonym",
    "overlay_api.openapi", "overlay_api.dashboard_token", "stream.label_budget", "stream.processing",
    "overlay_api.metrics", "overlay_api.json_body", "overlay_api.message_templates",
    "nudges.learning.uplift", "nudges.learning.bandit", "nudges.learning.offpolicy",
    "nudges.learning.decision_log", "nudges.learning.learners", "nudges.learning.simulation",
    "nudges.learning.coupon_waiting",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
