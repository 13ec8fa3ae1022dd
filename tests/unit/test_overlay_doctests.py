"""The runnable examples in the scenario-engine and experiment modules' docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "overlay_api.stores", "overlay_api.catalogue", "overlay_api.incentives", "overlay_api.copy_templates",
    "overlay_api.guardrails", "overlay_api.scenarios", "overlay_api.assignment",
    "overlay_api.experiment_report", "overlay_api.cors", "stream.ledger",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
