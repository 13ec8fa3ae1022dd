"""Shared fixtures: real services, stores files and batches that pass validation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import Services, services_up

STORE_ORIGIN = "https://shop.example"


@pytest.fixture(scope="session")
def services() -> Services:
    """The real Kafka broker and Redis (started by scripts/services.sh if needed)."""
    return services_up()


@pytest.fixture
def postgres_url(services: Services) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the throwaway cluster, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(services.database_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file (the embedded default's kind of database)."""
    return f"sqlite:///{tmp_path / 'cartcoach.db'}"


@pytest.fixture(scope="session")
def stores_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stores") / "stores.yaml"
    path.write_text(
        f"""
stores:
  - id: shop
    write_key: wk_shop_test_0001
    secret_key: sk_shop_test_0001
    allowed_origins: ["{STORE_ORIGIN}"]
  - id: other
    write_key: wk_other_test_0001
    secret_key: sk_other_test_0001
    allowed_origins: ["https://other.example"]
""",
        encoding="utf-8",
    )
    return path


def make_batch(n: int = 3, session_id: str | None = None, **envelope: object) -> dict:
    """A valid batch as the snippet would send it: n cart-page events."""
    now = int(time.time() * 1000)
    batch = {
        "v": 1,
        "write_key": "wk_shop_test_0001",
        "visitor_id": f"v-{uuid.uuid4().hex[:16]}",
        "session_id": session_id or f"s-{uuid.uuid4().hex[:16]}",
        "sent_at": now,
        "page": {"path": "/cart", "type": "cart", "locale": "en", "device": "desktop"},
        "events": [
            {
                "id": f"e-{uuid.uuid4().hex}",
                "type": "shipping_info_open",
                "ts": now - 1000 + i,
                "product_id": "sku-1",
            }
            for i in range(n)
        ],
    }
    batch.update(envelope)
    return batch
