"""The integration tests run one at a time, in one pytest-xdist worker, beside the unit tests.

``make test`` runs ``pytest -n 2 --dist loadgroup tests/unit tests/integration``: the unit
tests (CPU-bound, no services) are shared between both workers, while every integration
test goes to the same worker, in order. They share one Kafka broker, one Redis and one
PostgreSQL cluster, and some stop and restart the broker (``test_broker_outage.py``): two
of them at once could see each other's outage, budgets or load.

The group is made here rather than with ``@pytest.mark.xdist_group``: pytest-xdist 3.8
marks a group by renaming ``item._nodeid``, which pytest 9 no longer reads, so the mark
is silently ignored. Without ``-n``, everything runs in order as before.
"""

from __future__ import annotations

import pytest

#: Node ids of the tests that share the services (relative to the repository, as xdist sends them).
SERVICES_PREFIX = "tests/integration/"


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class IntegrationTogether(LoadScopeScheduling):
        """One work unit for all integration tests; every other test is a unit of its own."""

        def _split_scope(self, nodeid: str) -> str:
            return "services" if nodeid.startswith(SERVICES_PREFIX) else nodeid

    return IntegrationTogether(config, log)  # type: ignore[arg-type]
