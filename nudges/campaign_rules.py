"""Campaign rules: a store's "when this, then that" on top of its policy, in a small expression language.

Why ``rule-engine`` (PyPI ``rule-engine``) and not our own parser or ``eval``: store
owners write these conditions, so they must be a language with no way out to Python
(no attribute access, no calls, no imports), typed so a misspelt field or a string
compared with a number is caught when the stores file is loaded rather than during a
sale, and readable (``category == "coats" and season == "winter"``). The library is
kept (releases through 2026), pure Python, and gives exactly that: a grammar, a type
resolver that rejects unknown symbols at parse time, and errors we can name. A
hand-written parser would be the same work, worse tested.

A rule says *when* (the expression, over :data:`SYMBOLS`) and *then*: narrow the
incentives (``allow`` keeps only these, ``deny`` removes these; a rule can never add
what the policy forbids), set the ``aggressiveness`` (overriding what stock and the
calendar say), and the copy's ``tone`` (a library tone or a copy with overrides, see
:mod:`nudges.tones`). Every matching rule narrows; for aggressiveness and tone the
first matching rule that sets one wins, so owners list specific rules first.

>>> rule = CampaignRule(name="big-carts", when="cart_value >= 1000 and reason == 'price'",
...                     deny=["coupon"], aggressiveness="protective")
>>> compile_rule(rule.when, "$.rules[0].when").matches(example_facts(cart_value=1500.0, reason="price"))
True
>>> compile_rule("cart_valu > 3", "$.rules[0].when")
Traceback (most recent call last):
...
nudges.campaign_rules.RuleError: $.rules[0].when: unknown field 'cart_valu'; rules may use: brand_tier, cart_value, category, confidence, device, hour, locale, month, price, product_id, reason, risk, season, special_days, stock, stock_level, trigger
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Final, Literal

import msgspec
import rule_engine

from nudges.tones import Tone

DataType = rule_engine.DataType

#: Every field a rule may use, with its type (checked when the stores file is loaded).
SYMBOLS: Final[dict[str, object]] = {
    "reason": DataType.STRING,  # the profile's top reason: price, trust, shipping_speed, indecision, checkout_friction
    "confidence": DataType.FLOAT,  # 0..1, the top reason's probability
    "risk": DataType.FLOAT,  # 0..1, the abandonment risk
    "cart_value": DataType.FLOAT,  # in the store's currency
    "category": DataType.STRING,  # the product's category in the catalogue ("" when unknown)
    "product_id": DataType.STRING,  # "" when the page named none
    "price": DataType.FLOAT,  # the product's price (null when unknown)
    "stock": DataType.FLOAT,  # units in stock (null when unknown: a comparison then does not match)
    "stock_level": DataType.STRING,  # low, normal, overstock or unknown (the policy's thresholds)
    "season": DataType.STRING,  # winter, spring, summer, autumn (northern hemisphere, by UTC date)
    "month": DataType.FLOAT,  # 1..12
    "hour": DataType.FLOAT,  # 0..23, UTC
    "special_days": DataType.ARRAY(DataType.STRING),  # names of the store's calendar entries in force today
    "trigger": DataType.STRING,  # exit_intent, cart_idle, checkout_back, or a flow step
    "locale": DataType.STRING,  # tr or en
    "device": DataType.STRING,  # mobile, desktop, tablet or "" when unknown
    "brand_tier": DataType.STRING,  # premium, standard, value
}

_SEASONS: Final = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
                   6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
RuleName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}$")]


class RuleError(ValueError):
    """A rule cannot be used; the message names the rule's field."""


class CampaignRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One rule as written in the stores file (``rules:`` of a store)."""

    name: RuleName
    #: The condition, e.g. ``category == "coats" and season == "winter"``.
    when: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    #: Keep only these incentives (each must be allowed by the policy). Empty: no narrowing.
    allow: list[str] = []
    #: Never offer these while the rule matches.
    deny: list[str] = []
    #: ``bold`` (overstock-like: bigger allowed coupon, costly offers first), ``normal`` or
    #: ``protective`` (no discount, scarcity and price locks first). None: stock and calendar decide.
    aggressiveness: Literal["bold", "normal", "protective"] | None = None
    #: The copy's tone while the rule matches: a library name or ``{like: ..., ...}``.
    tone: str | Tone | None = None


BOLDNESS: Final = {"bold": 1, "normal": 0, "protective": -1}


@lru_cache(maxsize=1)
def _context() -> rule_engine.Context:
    return rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(SYMBOLS))


@lru_cache(maxsize=4096)
def compile_rule(text: str, where: str) -> rule_engine.Rule:
    """The parsed, type-checked condition; :class:`RuleError` naming ``where`` otherwise."""
    try:
        return rule_engine.Rule(text, context=_context())
    except rule_engine.SymbolResolutionError as exc:
        raise RuleError(f"{where}: unknown field {exc.symbol_name!r}; rules may use: {', '.join(sorted(SYMBOLS))}") from None
    except rule_engine.RuleSyntaxError as exc:
        token = f" near {exc.token.value!r}" if getattr(exc, "token", None) is not None else " (the expression ends too early)"
        raise RuleError(f"{where}: syntax error{token}") from None
    except rule_engine.EngineError as exc:
        raise RuleError(f"{where}: {exc.message}") from None


def season_of(month: int) -> str:
    """The meteorological season of a month (northern hemisphere).

    >>> season_of(1), season_of(7)
    ('winter', 'summer')
    """
    return _SEASONS[month]


def example_facts(**given: object) -> dict[str, object]:
    """A full set of facts with neutral values, overridden by ``given`` (tests, docs, previews)."""
    now = datetime.fromtimestamp(0, UTC)
    facts: dict[str, object] = {
        "reason": "indecision", "confidence": 0.5, "risk": 0.5, "cart_value": 0.0, "category": "",
        "product_id": "", "price": None, "stock": None, "stock_level": "unknown",
        "season": season_of(now.month), "month": float(now.month), "hour": float(now.hour), "special_days": (),
        "trigger": "exit_intent", "locale": "en", "device": "", "brand_tier": "standard",
    }
    facts.update(given)
    return facts


class RuleResult(msgspec.Struct, frozen=True):
    """How one rule fared for one decision (a line of the "why this nudge" trace)."""

    name: str
    matched: bool
    #: Why it did not apply although its fields exist (e.g. ``stock`` unknown), else None.
    note: str | None = None


def evaluate(rule: CampaignRule, where: str, facts: dict[str, object]) -> RuleResult:
    """Whether ``rule`` matches these facts; a comparison with an unknown value does not match."""
    try:
        return RuleResult(rule.name, bool(compile_rule(rule.when, where).matches(facts)))
    except rule_engine.EngineError as exc:
        unknown = sorted(name for name, value in facts.items() if value is None)
        note = f"not evaluated: {exc.message}" + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        return RuleResult(rule.name, False, note)


def check_rules(rules: list[CampaignRule], allowed: list[str], known: tuple[str, ...], where: str,
                check_tone) -> None:
    """Load-time checks of a store's rules: the condition compiles, incentives are known and
    allowed by the policy, the tone exists. ``RuleError`` names the rule's field."""
    names: set[str] = set()
    for i, rule in enumerate(rules):
        at = f"{where}[{i}]"
        if rule.name in names:
            raise RuleError(f"{at}.name: two rules are named {rule.name!r}")
        names.add(rule.name)
        compile_rule(rule.when, f"{at}.when")
        for field in ("allow", "deny"):
            for j, incentive in enumerate(getattr(rule, field)):
                if incentive not in known:
                    raise RuleError(f"{at}.{field}[{j}]: unknown incentive {incentive!r}")
                if field == "allow" and incentive != "survey" and incentive not in allowed:
                    raise RuleError(f"{at}.allow[{j}]: {incentive!r} is not allowed by the store's policy; "
                                    "a rule can only narrow policy.allowed_incentives")
        if rule.tone is not None:
            try:
                check_tone(rule.tone, f"{at}.tone")
            except ValueError as exc:
                raise RuleError(str(exc)) from None
