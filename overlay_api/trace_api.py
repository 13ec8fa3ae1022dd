"""``GET /v1/sessions/{session_id}/trace``: why this session got this nudge (or none).

Why recompute rather than store: the decision is a pure function of the session's
profile, the store's settings, the catalogue and the ledger, and the arm is a hash of
the ids; so the trace can be given for *any* session with a profile, shown something
or not, without writing anything on the overlay's hot path. The route replays
:func:`nudges.decision.decide` for the session's newest profile with ``trace`` asked,
at the moment of its recorded exposure when there is one (same day, same season and
calendar), ignoring the cooldown that exposure itself would trip, and returns the
trace beside what the ledger recorded. Nothing is published: the replay is not a
decision. If the store's rules or catalogue changed since, the trace says what the
engine decides *now*, and ``recorded`` what was shown then.

Query: ``trigger`` (default ``exit_intent``), ``locale`` and ``product`` (the moment
to replay, as the overlay route takes them). Secret key, like every report.
"""

from __future__ import annotations

import re
import time
from typing import Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.decision_trace import Trace
from nudges.ledger import ExperimentLedger, Exposure
from overlay_api.auth import SecretKeyGuard
from overlay_api.errors import error_response
from overlay_api.message_templates import Said, templates_for
from stream.profile_store import ProfileStore

_ID: Final = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_PRODUCT: Final = re.compile(r"^.{1,64}$")
TRIGGERS: Final = ("exit_intent", "cart_idle", "checkout_back")
_encode = msgspec.json.Encoder().encode


class TraceAnswer(msgspec.Struct, kw_only=True):
    """The replayed decision's trace and the exposure the ledger recorded for the session."""

    session_id: str
    experiment: str
    recorded: Exposure | None
    trace: Trace
    #: The trace's sentences that fit a template, for the dashboard to say in the user's language.
    templates: dict[str, Said] = {}


class TraceApi:
    def __init__(self, profiles: ProfileStore, ledger: ExperimentLedger, catalogue: Catalogue,
                 guard: SecretKeyGuard) -> None:
        self._profiles = profiles
        self._ledger = ledger
        self._catalogue = catalogue
        self._guard = guard

    async def trace(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        session_id = request.path_params["session_id"]
        if not _ID.match(session_id):
            return error_response(422, "session_id must be 8-64 letters, digits or _.:-", "$.path.session_id")
        params = request.query_params
        trigger = params.get("trigger", "exit_intent")
        if trigger not in TRIGGERS:
            return error_response(422, f"trigger must be one of {', '.join(TRIGGERS)}", "$.query.trigger")
        locale = params.get("locale") or None
        if locale not in (None, "en", "tr"):
            return error_response(422, "locale must be en or tr", "$.query.locale")
        product = params.get("product") or None
        if product is not None and not _PRODUCT.match(product):
            return error_response(422, "product must be 1-64 characters", "$.query.product")
        profile = await self._profiles.get(store.id, session_id)
        experiment = store.experiment.name
        recorded = await self._ledger.exposure(store.id, experiment, session_id)
        if profile is None and recorded is None:
            return error_response(404, "No profile or exposure for this session (expired or never seen)",
                                  "$.path.session_id")
        now = recorded.at if recorded is not None else int(time.time() * 1000)
        moment = Moment(session_id=session_id, visitor_id=None, trigger=trigger, locale=locale,
                        product_id=product, now_ms=now, respect_cooldown=False)
        trace = Trace(store_id=store.id, session_id=session_id, at=now)
        await decide(store, profile, moment, self._ledger, self._catalogue, trace=trace)
        sentences = [*trace.gates, *trace.evidence, *(line.status for line in trace.incentives), trace.arm_why,
                     *(rule.note for rule in trace.rules)]
        answer = TraceAnswer(session_id=session_id, experiment=experiment, recorded=recorded, trace=trace,
                             templates=templates_for(sentences))
        return Response(_encode(answer), media_type="application/json", headers={"Cache-Control": "no-store"})
