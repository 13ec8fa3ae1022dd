"""The real Kafka broker, Redis and PostgreSQL the integration tests use, via scripts/services.sh."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVICES_SCRIPT = REPO / "scripts" / "services.sh"


@dataclass(frozen=True)
class Services:
    kafka_bootstrap_servers: str
    redis_url: str
    #: The throwaway PostgreSQL cluster's ``cartcoach`` database (tests create their own beside it).
    database_url: str
    #: False when the user pointed the tests at their own servers: we must not stop those.
    managed_kafka: bool


def services_up() -> Services:
    """Start (idempotently) the broker and Redis unless the environment names them."""
    result = subprocess.run(
        ["bash", str(SERVICES_SCRIPT), "up"], check=True, capture_output=True, text=True
    )
    env = dict(
        line.removeprefix("export ").split("=", 1)
        for line in result.stdout.splitlines()
        if line.startswith("export ")
    )
    return Services(
        kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
        redis_url=env["REDIS_URL"],
        database_url=env["CARTCOACH_DATABASE_URL"],
        managed_kafka=not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
    )


def kafka(action: str) -> None:
    """``kafka-stop`` or ``kafka-start`` on the broker this project runs."""
    subprocess.run(["bash", str(SERVICES_SCRIPT), action], check=True, capture_output=True)
