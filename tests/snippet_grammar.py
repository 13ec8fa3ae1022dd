"""The snippet's event grammar, as rules any session (recorded or simulated) can be checked against.

Why rules and not exact sequences: a shopper's path varies, and timing-driven events
(idle, a review's visible stretch) come and go; what the snippet guarantees is the
shape: which event opens a page visit, which closes it, how counts relate, which
fields each type carries. The rules come from tracker/src (tracker.js, signals.js,
views.js, intent.js, ui/show.js), and ``tests/browser/test_snippet_recording.py``
checks them against what the real snippet sends on the demo store; the recorded
sessions are committed in ``tests/fixtures/snippet_sessions.json`` so that
``tests/unit/test_event_grammar.py`` can hold the simulator to them without a browser.

A session here is a list of :class:`Step` (type, the page type of the visit it was
sent from, checkout step, the field names it carried), in the order the snippet
emitted them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from scorer.events import Event

FIXTURE = Path(__file__).parent / "fixtures" / "snippet_sessions.json"

#: The wire fields that speak of the grammar: not ids, clocks, the detector that found a
#: signal, nor the page type (the collector stamps it from the batch on every event).
_FIELDS = frozenset(f.name for f in msgspec.structs.fields(Event)) - {"id", "ts", "type", "src", "page_type"}

#: Fields every event of a type carries (page_view: see _visit_rules).
REQUIRED: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "cart_view": "cart_value cart_items",
        "cart_dwell": "dwell_ms cart_value",
        "checkout_step_enter": "step",
        "checkout_step_leave": "step dwell_ms",
        "review_view": "product_id dwell_ms depth",
        "shipping_info_open": "product_id",
        "return_policy_view": "product_id",
        "warranty_view": "product_id",
        "installment_view": "product_id",
        "cart_add": "product_id price quantity",
        "cart_remove": "product_id price quantity",
        "cart_to_product": "product_id",
        "idle": "dwell_ms",
        "tab_visible": "dwell_ms",
        "form_error": "field error",
        "survey_answer": "answer experiment",
        "overlay_impression": "experiment",
        "purchase": "order_id amount",
    }.items()
}
#: Types the snippet never sends on its own: the store sends them (``cartcoach('track', ...)``).
STORE_SENT = frozenset({"payment_failed", "refund", "custom"})


class Step(NamedTuple):
    type: str
    page: str
    step: int | None
    fields: frozenset[str]


def step_of(event: Mapping[str, Any], page: str) -> Step:
    """A wire event (a dict of its fields) sent from a page of type ``page``."""
    fields = frozenset(k for k, v in event.items() if v is not None and k in _FIELDS)
    return Step(event["type"], page, event.get("step"), fields)


def visits(session: list[Step]) -> list[list[Step]]:
    """The session cut at each page_view (a page visit starts with it)."""
    out: list[list[Step]] = []
    for s in session:
        if s.type == "page_view" or not out:
            out.append([])
        out[-1].append(s)
    return out


def violations(session: list[Step]) -> list[str]:
    """Every way ``session`` breaks the snippet's grammar (empty: it follows it)."""
    problems: list[str] = []
    if session and session[0].type != "page_view":
        problems.append(f"starts with {session[0].type}, not page_view")
    for s in session:
        missing = REQUIRED.get(s.type, frozenset()) - s.fields
        if missing:
            problems.append(f"{s.type} lacks {sorted(missing)}")
    pages = visits(session)
    for i, visit in enumerate(pages):
        problems += [f"visit {i} ({visit[0].page}): {p}" for p in _visit_rules(visit, pages[i - 1] if i else None, i == len(pages) - 1)]
    hidden = 0
    for s in session:
        if s.type == "tab_hidden":
            hidden += 1
        elif s.type == "tab_visible":
            if hidden == 0:
                problems.append("tab_visible without a tab_hidden before it")
            hidden = 0
    idles = {s for s in session if s.type == "idle"}
    if len({frozenset(s.fields) for s in idles}) > 1:
        problems.append("idle events carry different fields")
    return problems


def _visit_rules(visit: list[Step], before: list[Step] | None, last: bool) -> list[str]:
    problems = []
    head, kinds = visit[0], [s.type for s in visit]
    page = head.page
    if head.type == "page_view":
        opener = {"cart": "cart_view", "checkout": "checkout_step_enter"}.get(page)
        if opener and kinds[1:2] != [opener]:
            problems.append(f"page_view not followed by {opener}")
        if page == "checkout" and "step" not in head.fields:
            problems.append("checkout page_view without its step")
    for i, kind in enumerate(kinds):
        if kind in ("cart_view", "checkout_step_enter", "cart_to_product") and i != 1:
            problems.append(f"{kind} is not the event right after the page_view")
    if "cart_to_product" in kinds and (page != "product" or before is None or before[0].page != "cart"):
        problems.append("cart_to_product not on a product page reached from the cart")
    if page != "cart" and "cart_dwell" in kinds:
        problems.append("cart_dwell off the cart page")
    if page != "checkout" and {"checkout_step_enter", "checkout_step_leave"} & set(kinds):
        problems.append("checkout step events off a checkout page")
    if page == "cart":
        # One cart_dwell per visible stretch: each tab_hidden closes one, leaving the page the last.
        tabs, dwells = kinds.count("tab_hidden"), kinds.count("cart_dwell")
        if not (tabs <= dwells <= tabs + 1) or (not last and dwells != tabs + 1):
            problems.append(f"{dwells} cart_dwell for {tabs} tab_hidden")
        for i, kind in enumerate(kinds):
            if kind == "tab_hidden" and kinds[i + 1 : i + 2] != ["cart_dwell"]:
                problems.append("tab_hidden on the cart not followed by its cart_dwell")
    if page == "checkout":
        # Every step entered is left once, progress or not; the leave closes the visit.
        leaves = [s for s in visit if s.type == "checkout_step_leave"]
        if len(leaves) > 1 or (not last and len(leaves) != 1):
            problems.append(f"{len(leaves)} checkout_step_leave in one step visit")
        if leaves and leaves[0].step != head.step:
            problems.append("checkout_step_leave for another step")
        if leaves and kinds.index("checkout_step_leave") < len(kinds) - 1:
            after = set(kinds[kinds.index("checkout_step_leave") + 1 :])
            if after - {"review_view", "cart_dwell"}:
                problems.append(f"events after the step was left: {sorted(after)}")
    if kinds.count("exit_intent") > 1:
        problems.append("more than one exit_intent on one page")
    for kind in ("survey_answer", "overlay_click", "overlay_dismiss"):
        if kind in kinds and "overlay_impression" not in kinds[: kinds.index(kind)]:
            problems.append(f"{kind} without an overlay_impression before it")
    if "purchase" in kinds and page != "thank_you":
        problems.append("purchase off the thank-you page")
    return problems


def fields_by_type(sessions: Iterable[list[Step]]) -> dict[str, set[str]]:
    """Every field name seen per event type."""
    out: dict[str, set[str]] = {}
    for session in sessions:
        for s in session:
            out.setdefault(s.type, set()).update(s.fields)
    return out


def load_fixture(path: Path = FIXTURE) -> dict[str, list[Step]]:
    """The recorded sessions, by scenario name."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: [Step(e["type"], e["page"], e.get("step"), frozenset(e["fields"])) for e in events]
        for name, events in raw["sessions"].items()
    }


def dump_fixture(sessions: Mapping[str, list[Step]], path: Path = FIXTURE) -> None:
    body = {
        "about": "Event sequences the real snippet sent on the demo store (tests/browser/test_snippet_recording.py); "
        "regenerate: CARTCOACH_RECORD_SNIPPET=1 .venv/bin/python -m pytest tests/browser/test_snippet_recording.py",
        "sessions": {
            name: [
                {"type": s.type, "page": s.page, **({"step": s.step} if s.step is not None else {}), "fields": sorted(s.fields)}
                for s in steps
            ]
            for name, steps in sessions.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
