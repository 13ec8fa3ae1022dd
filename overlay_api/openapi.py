"""The OpenAPI 3.1 document of the public HTTP API, served at ``/openapi.json`` and ``/docs``.

Why generated here: the request and response bodies are the msgspec structs the
routes decode and encode (:class:`scorer.events.Batch`, :class:`overlay_api.outcomes.Outcome`,
:class:`nudges.experiment_report.Report`, the flows' :class:`flows.contacts.Registration`,
:class:`overlay_api.flows_api.Outbox` and the rest), so their schemas come from the same
definitions and cannot drift; the paths, parameters and status codes are written
below, once, and ``tests/integration/test_openapi.py`` checks them against the app's
routes and fuzzes every operation with schemathesis. ``/docs`` is a small static page
of ours that renders this document (no CDN, no build step).

>>> doc = openapi_document()
>>> doc["openapi"], "/v1/overlay" in doc["paths"], "/v1/sessions/{session_id}/trace" in doc["paths"]
('3.1.0', True, True)
"""

from __future__ import annotations

import functools
from typing import Any, Final

import msgspec

from flows.contacts import Registration
from nudges.experiment_report import Report
from overlay_api.contacts_api import Identify, Inbound, Redeem, Redeemed, Registered, Stopped
from flows.plan import Plan
from overlay_api.flows_api import FlowReport, Outbox
from overlay_api.provider_hooks import Hooks
from overlay_api.outcomes import Outcome
from overlay_api.push_api import PushConfig, Subscribe, Unsubscribe
from scorer.events import REASONS, Batch

_ERROR: Final = {
    "type": "object",
    "description": "Every error: a message and, where it lies in the request, the field (`$.events[3].ts`).",
    "properties": {"error": {"type": "string"}, "path": {"type": "string"}},
    "required": ["error"],
}
_RETRY_AFTER: Final = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}}
_ID: Final = {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str, *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _json({"$ref": "#/components/schemas/Error"})}
    if retry:
        response["headers"] = _RETRY_AFTER
    return response


_UNAUTHORIZED: Final = _error("Missing or wrong secret key")
_LIMITED: Final = _error("Rate limit reached (per client); wait Retry-After seconds", retry=True)
_INVALID: Final = _error("A parameter or body field is invalid; `path` names it")
_SECRET: Final = [{"secretKey": []}]
_TOO_LARGE: Final = {"description": "Body larger than CARTCOACH_MAX_BODY_BYTES (plain text: Content Too Large)",
                     "content": {"text/plain": {"schema": {"type": "string"}}}}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _text(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def _path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


_LINK: Final = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in ("store_id", "key", "token")]
_JSON_BODY_ERRORS: Final = {
    "400": _error("Not readable JSON (or not UTF-8)"),
    "413": _TOO_LARGE,
    "415": _error("Content type other than application/json"),
    "422": _INVALID,
    "429": _LIMITED,
}


def _flows_paths() -> dict[str, Any]:
    """Contacts, identify, unsubscribe, inbound replies, coupons, the outbox and its tracking links."""
    unsubscribe_params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                          for name in ("store_id", "contact_id", "channel", "token")]
    forged_unsubscribe = _html("Not a valid unsubscribe link")
    return {
        "/v1/contacts": {"post": {
            "summary": "Register or update a contact and its consents", "tags": ["flows"], "security": _SECRET,
            "requestBody": {"required": True, "content": _json(_ref("Registration"))},
            "responses": {"201": {"description": "Registered", "content": _json(_ref("Registered"))},
                          "401": _UNAUTHORIZED, **_JSON_BODY_ERRORS},
        }},
        "/v1/contacts/{contact_id}": {"delete": {
            "summary": "Erase a contact and everything derived from it", "tags": ["flows"], "security": _SECRET,
            "parameters": [{"name": "contact_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Erased"}, "401": _UNAUTHORIZED,
                          "404": _error("No such contact in this store"), "429": _LIMITED},
        }},
        "/v1/identify": {"post": {
            "summary": "Link this session to a contact by its opaque identify id (from the page)",
            "tags": ["snippet"],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("Identify")},
                "text/plain": {"schema": {"type": "string"}, "description": "The same JSON, sent without a preflight"},
            }},
            "responses": {"204": {"description": "Done (the same answer whether or not the id is known)"},
                          "401": _error("Unknown write key"), "403": _error("Origin not allowed for this store"),
                          **_JSON_BODY_ERRORS,
                          "415": _error("Content type other than application/json or text/plain")},
        }},
        "/v1/unsubscribe/{store_id}/{contact_id}/{channel}/{token}": {
            "get": {
                "summary": "The unsubscribe link: a page with a confirm button (a GET changes nothing)",
                "tags": ["flows"], "parameters": unsubscribe_params,
                "responses": {"200": _html("The confirm page"), "404": forged_unsubscribe, "429": _LIMITED},
            },
            "post": {
                "summary": "RFC 8058 one-click unsubscribe (and the confirm button)",
                "tags": ["flows"], "parameters": unsubscribe_params,
                "requestBody": {"required": False, "content": {
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                    "multipart/form-data": {"schema": {"type": "object"}},
                }},
                "responses": {"200": _html("Unsubscribed"),
                              "404": _html("Not a valid link, or the contact no longer exists"),
                              "415": _error("Content type other than a form"), "429": _LIMITED},
            },
        },
        "/v1/inbound": {"post": {
            "summary": "A reply from SMS or WhatsApp; a stop word withdraws consent on that channel",
            "tags": ["flows"], "security": _SECRET,
            "requestBody": {"required": True, "content": _json(_ref("Inbound"))},
            "responses": {"200": {"description": "Contacts unsubscribed", "content": _json(_ref("Stopped"))},
                          "401": _UNAUTHORIZED, **_JSON_BODY_ERRORS},
        }},
        "/v1/coupons/redeem": {"post": {
            "summary": "Use a flow coupon once, before it expires", "tags": ["flows"], "security": _SECRET,
            "requestBody": {"required": True, "content": _json(_ref("Redeem"))},
            "responses": {"200": {"description": "Redeemed", "content": _json(_ref("Redeemed"))},
                          "401": _UNAUTHORIZED, "404": _error("No such coupon in this store"),
                          "409": _error("Already used, or expired"), **_JSON_BODY_ERRORS},
        }},
        "/v1/flows/outbox": {"get": {
            "summary": "The latest messages, newest first (recipients masked)", "tags": ["flows"], "security": _SECRET,
            "parameters": [_query("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "How many (default 50)")],
            "responses": {"200": {"description": "The outbox", "content": _json(_ref("Outbox"))},
                          "401": _UNAUTHORIZED, "422": _INVALID, "429": _LIMITED},
        }},
        "/v1/flows/report": {"get": {
            "summary": "Counters per flow, step and channel; the flow against its holdout (always-valid intervals, "
                       "net margin)", "tags": ["flows"], "security": _SECRET,
            "responses": {"200": {"description": "The report", "content": _json(_ref("FlowReport"))},
                          "401": _UNAUTHORIZED, "429": _LIMITED},
        }},
        "/v1/flows/plan": {"get": {
            "summary": "A shopper's plan: what the page showed, what is scheduled, sent or held back, and why",
            "tags": ["flows"], "security": _SECRET,
            "parameters": [_query("session_id", {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"},
                                  "Any session of the shopper (from the live feed)", required=True)],
            "responses": {"200": {"description": "The plan", "content": _json(_ref("Plan"))},
                          "401": _UNAUTHORIZED, "422": _INVALID, "429": _LIMITED},
        }},
        "/v1/flows/open/{store_id}/{key}/{token}": {"get": {
            "summary": "An e-mail's open pixel (counted once per message)", "tags": ["flows"], "parameters": _LINK,
            "responses": {"200": {"description": "A 1x1 GIF", "content": {"image/gif": {}}},
                          "404": _error("Unknown link"), "429": _LIMITED},
        }},
        "/v1/flows/click/{store_id}/{key}/{token}": {"get": {
            "summary": "A tracked link: counted once, then a redirect to the store's own site", "tags": ["flows"],
            "parameters": [*_LINK, _query("to", {"type": "string"}, "The store's page to go to", required=True)],
            "responses": {"302": {"description": "To the store's page"},
                          "400": _error("to is not a page of the store's own site"),
                          "404": _error("Unknown link"), "429": _LIMITED},
        }},
        "/v1/hooks/{store_id}/{channel}/{token}": {
            method: {
                "summary": "Where the store's SMS/WhatsApp provider posts delivery reports and replies "
                           "(GET: WhatsApp Cloud's subscription check)",
                "tags": ["flows"], "parameters": [
                    _path("store_id", {"type": "string"}, "The store"),
                    _path("channel", {"type": "string", "enum": ["sms", "whatsapp"]}, "The channel"),
                    _path("token", {"type": "string"}, "From GET /v1/flows/hooks"),
                ],
                **({"requestBody": {"required": False, "content": {
                    "application/json": {"schema": {}}, "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}
                   if method == "post" else {}),
                "responses": {"200": _text("Read"), "400": _text("Not the provider's format"),
                              "401": _text("Bad signature (WhatsApp Cloud)"), "403": _text("Verify token does not match"),
                              "404": _error("Unknown webhook, or no provider for the channel"),
                              "405": _text("Method the provider does not use"), "413": _TOO_LARGE, "429": _LIMITED},
            } for method in ("get", "post")
        },
        "/v1/flows/hooks": {"get": {
            "summary": "The webhook URL to give each of the store's SMS/WhatsApp providers", "tags": ["flows"],
            "security": _SECRET,
            "responses": {"200": {"description": "The URLs", "content": _json(_ref("Hooks"))},
                          "401": _UNAUTHORIZED, "429": _LIMITED},
        }},
        "/dashboard/outbox": {"get": {
            "summary": "The outbox page (it reads /v1/flows/outbox with the secret key)", "tags": ["dashboard"],
            "responses": {"200": _html("The page")},
        }},
    }


def _push_paths() -> dict[str, Any]:
    """Web push from the page: the store's public VAPID key, subscribe, unsubscribe (docs/flows.md)."""
    page_body = {"required": True, "content": {
        "application/json": {"schema": _ref("Subscribe")},
        "text/plain": {"schema": {"type": "string"}, "description": "The same JSON, sent without a preflight"},
    }}
    page_errors = {"401": _error("Unknown write key"), "403": _error("Origin not allowed for this store"),
                   **_JSON_BODY_ERRORS, "415": _error("Content type other than application/json or text/plain")}
    return {
        "/v1/push/config": {"get": {
            "summary": "The store's VAPID public key for the snippet (404 while web push is off)", "tags": ["snippet"],
            "parameters": [_query("key", {"type": "string"}, "The store's write key", required=True)],
            "responses": {"200": {"description": "The key", "content": _json(_ref("PushConfig"))},
                          "401": _error("Unknown write key"), "403": _error("Origin not allowed for this store"),
                          "404": _error("Web push is off for this store, or it has no VAPID key"), "429": _LIMITED},
        }},
        "/v1/push/subscriptions": {"post": {
            "summary": "Store the browser's push subscription (the shopper accepted notifications)",
            "tags": ["snippet"], "requestBody": page_body,
            "responses": {"201": {"description": "Stored as the visitor's (and contact's) push consent"},
                          "404": _error("Web push is off for this store"), **page_errors},
        }},
        "/v1/push/unsubscribe": {"post": {
            "summary": "Forget a push subscription (the shopper turned notifications off)", "tags": ["snippet"],
            "requestBody": {**page_body, "content": {**page_body["content"],
                                                     "application/json": {"schema": _ref("Unsubscribe")}}},
            "responses": {"204": {"description": "Done (the same answer whether or not it was known)"}, **page_errors},
        }},
    }


def _paths() -> dict[str, Any]:
    plain = {"type": "object"}
    return {
        "/healthz": {"get": {
            "summary": "The process is up", "tags": ["operations"],
            "responses": {"200": {"description": "Up", "content": _json(plain)}},
        }},
        "/readyz": {"get": {
            "summary": "The process can do its job now (broker, Redis)", "tags": ["operations"],
            "responses": {"200": {"description": "Ready", "content": _json(plain)},
                          "503": {"description": "Not ready", "content": _json(plain)}},
        }},
        "/v1/collect": {"post": {
            "summary": "A batch of 1-100 events from the snippet (public write key in the body)",
            "tags": ["snippet"],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Batch"}},
                "text/plain": {"schema": {"type": "string"}, "description": "The same JSON, sent without a preflight"},
            }},
            "responses": {
                "202": {"description": "Every event stored", "content": _json(
                    {"type": "object", "properties": {"accepted": {"type": "integer"}}, "required": ["accepted"]})},
                "400": _error("Not readable JSON (or not UTF-8)"),
                "401": _error("Unknown write key"),
                "403": _error("Origin not allowed for this store"),
                "413": _TOO_LARGE,
                "415": _error("Content type other than application/json or text/plain"),
                "422": _INVALID,
                "429": _LIMITED,
                "503": _error("Event store unavailable; nothing accepted, retry after Retry-After", retry=True),
            },
        }},
        "/v1/overlay": {"get": {
            "summary": "The one nudge for this session now, or nothing (204)", "tags": ["snippet"],
            "parameters": [
                _query("key", {"type": "string"}, "The store's public write key", required=True),
                _query("session", _ID, "The snippet's session id", required=True),
                _query("visitor", _ID, "The snippet's visitor id"),
                _query("trigger", {"enum": ["exit_intent", "cart_idle", "checkout_back"]}, "The moment"),
                _query("locale", {"type": "string"}, "Language of the page (en, tr)"),
                _query("product", {"type": "string", "minLength": 1, "maxLength": 64}, "Product on the page"),
            ],
            "responses": {
                "200": {"description": "An overlay to render (docs/overlay.md)", "content": _json(plain)},
                "204": {"description": "Nothing to show (no profile, holdout, cooldown)"},
                "401": _error("Unknown write key"),
                "403": _error("Origin not allowed for this store"),
                "422": _INVALID,
                "429": _LIMITED,
            },
        }},
        "/v1/outcomes": {"post": {
            "summary": "An order or refund from the store's back end (idempotent by order id)",
            "tags": ["store back end"], "security": _SECRET,
            "requestBody": {"required": True, "content": _json({"$ref": "#/components/schemas/Outcome"})},
            "responses": {
                "202": {"description": "Stored", "content": _json(plain)},
                "400": _error("Not readable JSON (or not UTF-8)"),
                "401": _UNAUTHORIZED,
                "413": _TOO_LARGE,
                "415": _error("Content type other than application/json"),
                "422": _INVALID,
                "429": _LIMITED,
                "503": _error("Event store unavailable; retry after Retry-After", retry=True),
            },
        }},
        "/v1/experiments": {"get": {
            "summary": "The store's experiments", "tags": ["reports"], "security": _SECRET,
            "responses": {"200": {"description": "Names", "content": _json(plain)},
                          "401": _UNAUTHORIZED, "429": _LIMITED},
        }},
        "/v1/experiments/{experiment}/report": {"get": {
            "summary": "Per arm and reason: recovery, uplift, verified revenue, refunds, margin",
            "tags": ["reports"], "security": _SECRET,
            "parameters": [
                {"name": "experiment", "in": "path", "required": True, "schema": {"type": "string"}},
                _query("format", {"enum": ["json", "csv", "pdf"]}, "json (default), csv or pdf"),
                _query("table", {"enum": ["arms", "nudges"]}, "CSV only: arm and reason rows (default) or nudges"),
                _query("store", {"type": "string"}, "The store (must be the key's own; 403 otherwise)"),
                _query("from", {"type": "string", "format": "date"}, "First UTC day of exposure included"),
                _query("to", {"type": "string", "format": "date"}, "Last UTC day of exposure included"),
            ],
            "responses": {
                "200": {"description": "The report", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
                    "text/csv": {"schema": {"type": "string"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                }},
                "401": _UNAUTHORIZED, "403": _error("The store named is not the key's"),
                "404": _error("No such experiment in this store"),
                "422": _INVALID, "429": _LIMITED,
            },
        }},
        "/dashboard/api/token": {"post": {
            "summary": "Trade the secret key for a short-lived stream token", "tags": ["dashboard"],
            "security": _SECRET,
            "responses": {"200": {"description": "Token", "content": _json(plain)},
                          "401": _UNAUTHORIZED, "429": _LIMITED},
        }},
        "/dashboard/api/summary": {"get": {
            "summary": "Reason mix and model health", "tags": ["dashboard"], "security": _SECRET,
            "parameters": [
                _query("reason", {"enum": list(REASONS)}, "Only profiles with this top reason"),
                _query("device", {"enum": ["desktop", "mobile", "tablet"]}, "Only this device"),
            ],
            "responses": {"200": {"description": "Summary", "content": _json(plain)},
                          "401": _UNAUTHORIZED, "422": _INVALID, "429": _LIMITED},
        }},
        "/dashboard/api/installation": {"get": {
            "summary": "What the tag saw in the last 24 hours: per page type, signals and detectors; "
                       "pages typed other; what to add for each missing signal",
            "tags": ["dashboard"], "security": _SECRET,
            "responses": {"200": {"description": "Installation census", "content": _json(plain)},
                          "401": _UNAUTHORIZED, "429": _LIMITED},
        }},
        "/dashboard/stream": {"get": {
            "summary": "Live profiles as server-sent events (token from /dashboard/api/token)",
            "tags": ["dashboard"],
            "parameters": [
                _query("token", {"type": "string"}, "The stream token", required=True),
                _query("reason", {"enum": list(REASONS)}, "Only profiles with this top reason"),
                _query("device", {"enum": ["desktop", "mobile", "tablet"]}, "Only this device"),
            ],
            "responses": {"200": {"description": "Event stream", "content": {"text/event-stream": {}}},
                          "401": _error("Missing, forged or expired token"), "422": _INVALID, "429": _LIMITED},
        }},
    }


def _reports_paths() -> dict[str, Any]:
    """The "why this nudge" trace and the stored reason history (docs/dashboard.md, docs/tones-and-rules.md)."""
    plain = {"type": "object"}
    return {
        "/v1/sessions/{session_id}/trace": {"get": {
            "summary": "Why this session got this nudge: rules matched, incentives and what stopped them, "
                       "guardrails, variants, arm",
            "tags": ["reports"], "security": _SECRET,
            "parameters": [
                {"name": "session_id", "in": "path", "required": True, "schema": {"type": "string"}},
                _query("trigger", {"enum": ["exit_intent", "cart_idle", "checkout_back"]}, "The moment replayed"),
                _query("locale", {"enum": ["en", "tr"]}, "The shopper's language (default: the store's)"),
                _query("product", {"type": "string"}, "The product on the page"),
            ],
            "responses": {"200": {"description": "Trace", "content": _json(plain)},
                          "401": _UNAUTHORIZED, "404": _error("No profile or exposure for this session"),
                          "422": _INVALID, "429": _LIMITED},
        }},
        "/dashboard/api/history": {"get": {
            "summary": "Reason mix and model accuracy hour by hour from stored aggregates, with drift alarms",
            "tags": ["dashboard"], "security": _SECRET,
            "parameters": [
                _query("from", {"type": "string", "format": "date"}, "First UTC day (default: 6 days before to)"),
                _query("to", {"type": "string", "format": "date"}, "Last UTC day (default: today)"),
            ],
            "responses": {"200": {"description": "History", "content": _json(plain)},
                          "401": _UNAUTHORIZED, "422": _INVALID, "429": _LIMITED},
        }},
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    structs = [Batch, Outcome, Report, Registration, Registered, Identify, Inbound, Stopped, Redeem, Redeemed,
               Outbox, FlowReport, Hooks, Subscribe, Unsubscribe, PushConfig, Plan]
    _, schemas = msgspec.json.schema_components(structs, ref_template="#/components/schemas/{name}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cartcoach HTTP API",
            "version": "1",
            "description": "The snippet's collector and overlay (public write key), the store back end's "
            "outcomes and the reports and dashboard (secret key). Guide: docs/api.md.",
        },
        "paths": _paths() | _flows_paths() | _push_paths() | _reports_paths(),
        "components": {
            "schemas": {**schemas, "Error": _ERROR},
            "securitySchemes": {"secretKey": {"type": "http", "scheme": "bearer",
                                              "description": "The store's secret key (never in a browser)"}},
        },
    }
