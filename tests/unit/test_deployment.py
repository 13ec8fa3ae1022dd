"""docker-compose.yml and the Dockerfile: their structure (no Docker engine runs here).

That they really start is tests/integration/test_installed_wheel.py's job.
"""

from __future__ import annotations

import doctest
import re
import tomllib
from pathlib import Path

import yaml
from typer.main import get_command

from cartcoach.cli import app
from cartcoach.settings import Settings
from tests.integration import test_installed_wheel as installed_wheel_test

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


def test_the_broker_writes_its_log_to_the_kafka_volume() -> None:
    """apache/kafka logs under /tmp unless told otherwise: a restart would lose every topic."""
    kafka = compose()["services"]["kafka"]
    log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
    named = {v.split(":")[1] for v in kafka["volumes"] if v.split(":")[0] in compose()["volumes"]}
    assert log_dirs in named


def test_every_file_the_mounted_stores_file_names_is_mounted_beside_it() -> None:
    """The catalogue path in the stores file is relative to it, so it must be mounted next to it."""
    for name in ("api", "worker"):
        service = compose()["services"][name]
        mounts = {v.split(":")[1]: REPO / v.split(":")[0] for v in service["volumes"]}
        stores_path = Path(service["environment"]["CARTCOACH_STORES_FILE"])
        stores = yaml.safe_load(mounts[str(stores_path)].read_text(encoding="utf-8"))["stores"]
        for store in stores:
            catalogue = (store.get("catalogue") or {}).get("file")
            if catalogue:
                assert str(stores_path.parent / catalogue) in mounts, f"{name}: {catalogue} not mounted"


def test_the_dockerfile_copies_every_package_the_wheel_is_built_from() -> None:
    """The image's ``pip install .`` sees only what COPY brought (nudges/ was missing once)."""
    assert doctest.testmod(installed_wheel_test).failed == 0
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package_dirs = setuptools.get("package-dir", {})
    copied = {source for source, _ in installed_wheel_test.read_dockerfile((REPO / "Dockerfile").read_text()).copies}
    for package in setuptools["packages"]:
        folder = package_dirs.get(package, package.replace(".", "/"))
        assert any(folder == c or folder.startswith(c + "/") or c.startswith(folder + "/") for c in copied), package
