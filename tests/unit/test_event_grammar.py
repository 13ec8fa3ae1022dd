"""The simulator speaks the snippet's grammar: held to sessions recorded from the real snippet.

The recorded sessions (``tests/fixtures/snippet_sessions.json``, made by
``tests/browser/test_snippet_recording.py`` on the demo store) must follow the rules
of ``tests/snippet_grammar.py`` (so the rules describe the snippet), exercise each of
them (so no rule is vacuous), and the simulator's sessions must follow the same rules
and send no field the snippet does not send for that type.
"""

from __future__ import annotations

import msgspec
import pytest

from scorer.simulator import SimSession, SimulatorConfig, simulate
from tests.snippet_grammar import STORE_SENT, Step, fields_by_type, load_fixture, step_of, violations, visits


def simulated(session: SimSession) -> list[Step]:
    return [step_of(msgspec.structs.asdict(sim.event), sim.page_type) for sim in session.events]


@pytest.fixture(scope="module")
def recorded() -> dict[str, list[Step]]:
    return load_fixture()


@pytest.fixture(scope="module")
def sessions() -> list[list[Step]]:
    return [simulated(s) for s in simulate(SimulatorConfig(sessions=1500, seed=11, label_rate=0.5))]


def test_the_recordings_follow_the_rules_and_exercise_each_of_them(recorded):
    for name, session in recorded.items():
        assert violations(session) == [], name
    every = [s for session in recorded.values() for s in session]
    kinds = {s.type for s in every}
    # The page lifecycle the rules speak of was really recorded: step leaves on progress
    # and on going back, a cart stretch closed by a tab switch, an answered survey, a purchase.
    assert {"checkout_step_leave", "cart_dwell", "tab_hidden", "tab_visible", "cart_to_product",
            "survey_answer", "purchase", "form_error", "review_view", "idle", "exit_intent"} <= kinds  # fmt: skip
    step_visits = [v for session in recorded.values() for v in visits(session)[:-1] if v[0].page == "checkout"]
    assert len(step_visits) >= 4 and all(sum(s.type == "checkout_step_leave" for s in v) == 1 for v in step_visits)
    steps_entered = [s.step for session in recorded.values() for s in session if s.type == "checkout_step_enter"]
    assert any(b < a for a, b in zip(steps_entered, steps_entered[1:])), "a back-step was recorded"
    cart_visits = [v for session in recorded.values() for v in visits(session) if v[0].page == "cart"]
    assert any("tab_hidden" in {s.type for s in v} for v in cart_visits)


def test_simulated_sessions_follow_the_snippets_grammar(sessions):
    broken = [(i, violations(s)) for i, s in enumerate(sessions) if violations(s)]
    assert broken == []


def test_simulated_events_carry_the_fields_the_snippet_sends(recorded, sessions):
    snippet = fields_by_type(recorded.values())
    for kind, fields in fields_by_type(sessions).items():
        if kind in STORE_SENT:
            continue
        assert kind in snippet, f"the snippet was never recorded sending {kind}"
        # page_view: the snippet sends price on product pages only when the store said it.
        assert fields <= snippet[kind] | ({"price"} if kind == "page_view" else set()), kind


def test_simulated_counts_relate_as_the_snippets_do(sessions):
    for session in sessions:
        kinds = [s.type for s in session]
        # Every step entered is left (the tab closes at the end: pagehide sends the last).
        assert kinds.count("checkout_step_enter") == kinds.count("checkout_step_leave")
        cart_visits = [v for v in visits(session) if v[0].page == "cart"]
        assert kinds.count("cart_dwell") == sum(1 + [s.type for s in v].count("tab_hidden") for v in cart_visits)
    progress = sum(
        1 for session in sessions for a, b in zip(session, session[1:])
        if a.type == "checkout_step_leave" and b.type == "page_view" and b.page in ("checkout", "thank_you")
    )  # fmt: skip
    assert progress > 100, "step leaves on progress, not only on exits"
