"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so check their structure."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.main import get_command

from cartcoach.cli import app
from cartcoach.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_kafka_redis_api_and_worker_with_healthchecks() -> None:
    services = compose()["services"]
    assert set(services) == {"kafka", "redis", "postgres", "api", "worker", "flows"}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    for name in ("kafka", "redis", "postgres", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert "8000:8000" in services["api"]["ports"]
    for name in ("api", "worker", "flows"):
        assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in ("api", "flows"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_commands_are_real_cli_commands_and_env_is_what_settings_read() -> None:
    services = compose()["services"]
    cli = get_command(app)
    for name in ("api", "worker", "flows"):
        command = services[name]["command"]
        assert command[0] == "cartcoach"
        assert command[1] in cli.commands, f"{name}: no such command: cartcoach {command[1]}"
        env = services[name]["environment"]
        settings = Settings.from_env(env)
        assert settings.kafka_bootstrap_servers == "kafka:9092"
        assert settings.redis_url == "redis://redis:6379/0"
        assert not settings.embedded
        assert settings.database.startswith("postgresql://cartcoach:")


def test_dockerfile_copies_only_what_exists() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    sources = re.findall(r"^COPY (\S+)", dockerfile, flags=re.M)
    assert sources
    for source in sources:
        assert (REPO / source).exists(), source
    for volume in compose()["services"]["api"]["volumes"]:
        assert (REPO / volume.split(":")[0]).exists()
