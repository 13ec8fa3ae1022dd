"""Issue 15's bar per theme, as ``benchmarks/themes.py`` judges it.

The issue asks, per theme, for the intended reason on top for four of five shoppers "with an
overlay shown at the trigger moment". A shopper whose page offered no cue for their reason stays
undecided and the decision holds the overlay back on purpose; a shopper whose reason was read
right but got no overlay is a bug (OpenCart's empty cart was one), and fails the theme.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.themes.harness import ShopperResult

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("theme_benchmark", REPO / "benchmarks" / "themes.py")
themes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(themes)  # type: ignore[union-attr]

REASONS = ("price", "trust", "shipping_speed", "indecision", "checkout_friction")


def shopper(intended: str, top: str, overlay: bool, fired: int = 2, false_exits: int = 0) -> ShopperResult:
    expected = frozenset({"a", "b"})
    return ShopperResult("theme", intended, intended, expected, frozenset(sorted(expected)[:fired]), false_exits,
                         top, overlay, confidence=0.6 if top == intended else 0.3)


def five(**misses: tuple[str, bool]) -> list[ShopperResult]:
    """Five shoppers read right with an overlay, but for ``misses``: reason -> (top reason, overlay)."""
    return [shopper(r, *misses.get(r, (r, True))) for r in REASONS]


def test_an_undecided_shopper_without_a_cue_and_without_an_overlay_does_not_fail_the_theme() -> None:
    v = themes.verdict(five(trust=("indecision", False)))
    assert v["pass"] and v["reasons"] == 4 and v["overlays"] == 4


def test_a_reason_read_right_without_its_overlay_fails_the_theme() -> None:
    assert not themes.verdict(five(price=("price", False)))["pass"]


def test_three_intended_reasons_fail_whatever_the_overlays() -> None:
    assert not themes.verdict(five(trust=("indecision", True), shipping_speed=("indecision", True)))["pass"]


def test_a_false_exit_or_too_few_signals_fail_the_theme() -> None:
    results = five()
    assert themes.verdict(results)["pass"]
    results[0] = shopper("price", "price", True, false_exits=1)
    assert not themes.verdict(results)["pass"]
    assert not themes.verdict([shopper(r, r, True, fired=1) for r in REASONS])["pass"]  # 50 % of signals
