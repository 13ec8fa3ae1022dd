"""The runnable examples in the scenario-engine and experiment modules' docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "nudges.stores", "nudges.catalogue", "nudges.incentives", "nudges.copy_templates",
    "nudges.guardrails", "nudges.scenarios", "nudges.assignment",
    "nudges.experiment_report", "nudges.ledger", "nudges.decision", "overlay_api.cors",
    "nudges.learning.uplift", "nudges.learning.bandit", "nudges.learning.offpolicy",
    "nudges.learning.decision_log", "nudges.learning.learners", "nudges.learning.simulation",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
