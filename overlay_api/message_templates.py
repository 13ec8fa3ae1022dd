"""The English sentences the server writes for the dashboard, as templates with named values.

Why: the API speaks English (its ``error``, ``path`` and field ``message`` stay as they are
for API users), but the store owner's console also speaks Turkish. Each sentence below is
a stable template, like a gettext msgid; a message that fits one is sent with it and the
values filled in, and the dashboard says the template in the signed-in user's language
(``i18n.js`` has one Turkish line per template) with those values. A message that fits
none (a library's wording we do not know) is shown in English as it is.

To make a new server sentence translatable: add its template here (``{name}`` marks a
value) and its Turkish line in ``overlay_api/static/dashboard/i18n.js``.

>>> template_of("Accuracy fell from 80% to 55% in the last 6 h (24 survey answers)")
{'template': 'Accuracy fell from {before}% to {after}% in the last {hours} h ({answers} survey answers)', 'values': {'before': '80', 'after': '55', 'hours': '6', 'answers': '24'}}
>>> template_of("Expected `float` <= 100.0")["values"]
{'type': 'float', 'limit': '100.0'}
>>> template_of("a sentence nobody wrote a template for") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypedDict

from scorer.profile import NO_EVIDENCE
from scorer.rules import CONTEXT, RULES

#: Most specific first: the first template that fits the whole sentence wins.
TEMPLATES: Final = (
    # drift and accuracy alarms (stream/reason_history.py, overlay_api/reason_mix.py, stream/model_health.py)
    "Reason mix shifted in the last {hours} h (distance {distance}): {reason} now {now}%, was {was}%",
    "Reason mix shifted (distance {distance}): {reason} now {now}%, was {was}%",
    "Accuracy fell from {before}% to {after}% in the last {hours} h ({answers} survey answers)",
    "Accuracy fell from {before}% to {after}% over the last {answers} survey answers",
    # field errors: sign-up, invitations, settings (accounts/, nudges/stores.py, nudges/campaign_rules.py)
    "an account with this address exists; sign in instead",
    "create a store, create an agency, or use an invitation",
    "between 2 and 120 characters",
    "one of {values}",
    "at least {n} characters",
    "at most {n} characters",
    "unknown, used or expired; ask for a new one",
    "already a member",
    "a store named {store} exists already",
    "send an object of the fields to change",
    "not editable here",
    "a premium brand never offers coupons; remove 'coupon' or change brand_tier",
    "'coupon' is allowed but the maximum is 0",
    "'installments' is allowed but no terms are given",
    "'price_lock' is allowed but price_lock_allowed is false",
    "the incentive is allowed but no threshold is set",
    "at least one arm needs a positive weight",
    "syntax error near {token}",
    "syntax error (the expression ends too early)",
    "unknown field {name}; rules may use: {names}",
    "unknown tone {name}; the library has: {names}",
    "Expected `{type}` <= {limit}",
    "Expected `{type}` >= {limit}",
    "Expected `{type}` < {limit}",
    "Expected `{type}` > {limit}",
    "Expected `{type}` of length <= {limit}",
    "Expected `{type}` of length >= {limit}",
    "Expected `{expected}`, got `{got}`",
    "Object missing required field `{name}`",
    "Object contains unknown field `{name}`",
    "Invalid enum value {value}",
    # "why this nudge" (nudges/decision.py, nudges/decision_trace.py, nudges/campaign_rules.py)
    "no profile for this session yet",
    "confidence {confidence} is below the experiment's min_confidence {minimum}",
    "the cart is empty (policy.overlay_empty_cart is off)",
    "no hesitation signal moved the profile (policy.overlay_without_evidence is off)",
    "cooldown: this session saw a nudge {minutes} min ago (cooldown {cooldown} min)",
    "offered as variant {rank}",
    "not allowed by the store's policy",
    "removed by campaign rule {rule}",
    "premium brands never get coupons",
    "no coupon: this visitor was offered one already (or the caller ruled it out)",
    "not true for this store, product and cart now (or no room above the margin floor)",
    "true and allowed, ranked below the three shown",
    "hash(store, experiment, session) = {u}: {edges} → {arm} (sees nothing)",
    "hash(store, experiment, session) = {u}: {edges} → {arm}",
    "not evaluated: {error}",
    # a profile's evidence (scorer/rules.py): {times} is "once", "twice" or "3 times"
    *(rule.words for rule in RULES),
    *(words for _, words in CONTEXT),
    NO_EVIDENCE,
)


class Said(TypedDict):
    template: str
    values: dict[str, str]


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # text, name, text, name, ..., text
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)) + r"\Z")


_PATTERNS: Final = tuple((t, _pattern(t)) for t in TEMPLATES)


def template_of(message: str) -> Said | None:
    """The template ``message`` fits and its values, or None."""
    for template, pattern in _PATTERNS:
        if match := pattern.match(message):
            return {"template": template, "values": match.groupdict()}
    return None


def templates_for(messages: Iterable[str | None]) -> dict[str, Said]:
    """Sentence → its template, for every sentence in ``messages`` that fits one (an answer's
    ``templates`` map: the dashboard looks each sentence it shows up in it)."""
    return {m: said for m in messages if m and (said := template_of(m))}
