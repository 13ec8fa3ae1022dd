"""A shopper's walk that stops on the store's side says so (CI's one theme failure, session 12,
said only "Timeout 30000ms exceeded" and nothing of the page or the store)."""

from __future__ import annotations

import doctest
from pathlib import Path

import tests.themes.server
from tests.themes.corpus import THEMES
from tests.themes.server import Site


def test_the_log_reader_examples_hold() -> None:
    assert doctest.testmod(tests.themes.server).failed == 0


def test_a_store_log_gives_its_last_failed_requests(tmp_path: Path) -> None:
    log = tmp_path / "runserver.log"
    lines = [f'[05/Dec/2026 01:02:{n:02}] "GET /catalogue/ HTTP/1.1" 200 5120' for n in range(10)]
    lines += [f'[05/Dec/2026 01:03:{n:02}] "POST /basket/add/{n}/ HTTP/1.1" 500 145' for n in range(5)]
    log.write_text("\n".join(lines))
    site = Site(api=None, bases={}, logs={"oscar": log})  # type: ignore[arg-type]
    assert site.server_errors(THEMES["oscar"]) == lines[-3:]
    assert site.server_errors(THEMES["cartridge"]) == []  # no log of its own: nothing to say
