"""Guardrails: the last check before anything reaches a shopper, whoever wrote it.

Why a separate, paranoid pass: templates are written by us, but a language model's
output is untrusted text, and even templates can drift from the store data they
quote. So every variant, from either source, is checked here against the store's
policy and data, and a variant with any violation is dropped (the scenario engine
falls back to templates). The checks:

* the incentive is allowed by the policy and true now (the offer is rebuilt from
  store data and must match the variant's claims and cost exactly);
* premium brands get no coupon; a coupon is within the policy and the margin floor;
* every number in the text is one of the offer's claims (no invented "only 2 left",
  no "60 %"); scarcity and deadline words only with a real low stock or price lock;
* no markup, no links, bounded lengths, and the text is in the requested language;
* reviews are the store's own, word for word; a countdown only for a real price lock;
  the call to action stays on the store's own site.

>>> v = Variant(variant="v", rank=1, reason="trust", incentive="help", locale="en",
...     title="<b>Hi</b>", body="Hi", cta_label=None, cta_href=None,
...     dismiss_label="Not now", blocks=[], expected_cost=0.0, claims={})
>>> text_violations(v, set())
['title: markup is not allowed']
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

import msgspec

from nudges.copy_templates import money, values
from nudges.incentives import Context, Offer, build_offer, max_coupon_pct
from nudges.stores import Review


class ReviewsBlock(msgspec.Struct, frozen=True, tag="reviews", tag_field="type"):
    items: list[Review]


class BadgesBlock(msgspec.Struct, frozen=True, tag="badges", tag_field="type"):
    items: list[str]


class CountdownBlock(msgspec.Struct, frozen=True, tag="countdown", tag_field="type"):
    label: str
    ends_at: int


class SurveyOption(msgspec.Struct, frozen=True):
    value: Literal["price", "trust", "shipping_speed", "indecision", "checkout_friction", "other"]
    label: str


class SurveyBlock(msgspec.Struct, frozen=True, tag="survey", tag_field="type"):
    question: str
    options: list[SurveyOption]


Block = ReviewsBlock | BadgesBlock | CountdownBlock | SurveyBlock


class Variant(msgspec.Struct, frozen=True, kw_only=True):
    """One ranked, fully written nudge: what the overlay shows, and what it claims and costs."""

    variant: str
    rank: Annotated[int, msgspec.Meta(ge=1, le=3)]
    reason: str
    incentive: str
    locale: Literal["en", "tr"]
    title: str
    body: str
    cta_label: str | None
    cta_href: str | None
    dismiss_label: str
    blocks: list[Block]
    expected_cost: float
    claims: dict[str, str | int | float]
    coupon_pct: int | None = None
    source: Literal["template", "llm"] = "template"
    #: ``focused``: the three variants answer the top reason in different ways (a confident
    #: profile); ``hedged``: they spread over the likely reasons (an uncertain one).
    mode: Literal["focused", "hedged"] = "hedged"


TITLE_MAX: Final = 90
BODY_MAX: Final = 320
LABEL_MAX: Final = 40

_MARKUP = re.compile(r"<\s*/?\s*[a-z!]|&#?\w+;|javascript:|\bon\w+\s*=", re.IGNORECASE)
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_SCARCITY = re.compile(
    r"\bonly\s+\d+|\b\d+\s+(?:left|remaining)\b|\blast\s+(?:one|few|chance|pieces?)\b|\bhurry\b|"
    r"selling\s+fast|almost\s+gone|running\s+out|sold\s+out|"
    r"\bson\s+\d+|\bkald[ıi]\b|tüken|\bacele\b|son\s+şans|kaçırma",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"\bends?\s+(?:in|soon|tonight|today)\b|\bexpires?\b|\blimited\s+time\b|\btoday\s+only\b|"
    r"sona\s+eriyor|bitiyor|sadece\s+bugün|süre\s+doluyor",
    re.IGNORECASE,
)
#: Scarcity words belong to the low-stock offer only (and it says "tükenmek üzere").
_SCARCITY_OK: Final = frozenset({"low_stock"})
_DEADLINE_OK: Final = frozenset({"price_lock", "coupon"})

_TR_CHARS = re.compile(r"[ğışĞİŞ]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_EN_WORDS: Final = frozenset(
    "the and your you order for with free now ships today tomorrow of to is our we it this "
    "in at on be will are here back get my more can what".split()
)
_TR_WORDS: Final = frozenset(
    "ve bir bu için ile sipariş siparişi siparişini siparişiniz kargo yarın sepet sepetin sepetiniz "
    "hemen daha ücretsiz iade gün değil şimdi ne seni sizi olarak içinde kadar size sana ürün".split()
)


def _number_tokens(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def allowed_numbers(offer: Offer, locale: str, currency: str) -> set[str]:
    """Number tokens the text may contain: those in the offer's claims, as written in copy."""
    allowed: set[str] = set()
    for value in values(offer, locale, currency).values():
        allowed |= _number_tokens(value)
    for value in offer.claims.values():
        allowed |= _number_tokens(str(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            allowed |= _number_tokens(money(float(value), currency, locale))
    allowed.add("5")  # the rating scale ("4.8/5") is not a claim
    return allowed


def language_of(text: str) -> str | None:
    """``tr``, ``en`` or None (too little text to tell); a heuristic on letters and common words.

    >>> language_of("Siparişin yarın kargoda"), language_of("Your order ships tomorrow")
    ('tr', 'en')
    """
    words = [w.lower() for w in _WORD.findall(text)]
    tr = sum(w in _TR_WORDS for w in words) + 2 * len(_TR_CHARS.findall(text))
    en = sum(w in _EN_WORDS for w in words)
    if tr == en == 0:
        return None
    return "tr" if tr > en else "en"


def text_violations(variant: Variant, allowed: set[str], names: tuple[str, ...] = ()) -> list[str]:
    """Problems with the words alone: markup, links, length, numbers, urgency, language.

    ``names`` (product names and other quoted data) are left out of the language check.
    """
    problems: list[str] = []
    fields = {"title": variant.title, "body": variant.body, "cta_label": variant.cta_label or "",
              "dismiss_label": variant.dismiss_label}
    limits = {"title": TITLE_MAX, "body": BODY_MAX, "cta_label": LABEL_MAX, "dismiss_label": LABEL_MAX}
    for name, text in fields.items():
        if _MARKUP.search(text) or "<" in text or ">" in text:
            problems.append(f"{name}: markup is not allowed")
        if _LINK.search(text):
            problems.append(f"{name}: links are not allowed in text")
        if len(text) > limits[name]:
            problems.append(f"{name}: longer than {limits[name]} characters")
        if any(ord(ch) < 32 for ch in text):
            problems.append(f"{name}: control characters")
        invented = sorted(_number_tokens(text) - allowed)
        if invented:
            problems.append(f"{name}: numbers not in store data: {', '.join(invented)}")
        if _SCARCITY.search(text) and variant.incentive not in _SCARCITY_OK:
            problems.append(f"{name}: scarcity wording without a low-stock offer")
        if _DEADLINE.search(text) and variant.incentive not in _DEADLINE_OK:
            problems.append(f"{name}: deadline wording without a real deadline")
    if not variant.title.strip():
        problems.append("title: empty")
    quoted = " ".join(fields.values())
    for name in names:
        quoted = quoted.replace(name, " ")
    language = language_of(quoted)
    if language is not None and language != variant.locale:
        problems.append(f"text: written in {language}, expected {variant.locale}")
    if variant.locale == "en" and _TR_CHARS.search(quoted):
        problems.append("text: Turkish letters in English copy")
    return problems


def violations(variant: Variant, ctx: Context, now_ms: int) -> list[str]:
    """Everything wrong with ``variant`` for this store, product and cart; empty means safe."""
    store = ctx.store
    problems: list[str] = []
    if variant.incentive == "coupon":
        if store.brand_tier == "premium":
            problems.append("incentive: premium brands never get coupons")
        pct = variant.coupon_pct or 0
        if pct > store.policy.max_coupon_pct:
            problems.append(f"coupon_pct: {pct} % is above the policy's {store.policy.max_coupon_pct:g} %")
        elif pct > max_coupon_pct(ctx):
            problems.append(f"coupon_pct: {pct} % would go below the margin floor")
    offer = build_offer(variant.incentive, ctx, variant.coupon_pct) if not problems else None
    if offer is None:
        problems.append(f"incentive: {variant.incentive} is not allowed or not true for this store now")
        return problems
    if variant.claims != offer.claims:
        problems.append("claims: do not match the store's data")
    if abs(variant.expected_cost - offer.expected_cost) > 0.005:
        problems.append("expected_cost: does not match the offer")
    if variant.cta_href is not None and not re.fullmatch(r"/(?!/)[^\s<>\"'\\]*", variant.cta_href):
        problems.append("cta_href: must be a path on the store's own site")
    allowed = allowed_numbers(offer, variant.locale, store.currency)
    names = tuple(str(offer.claims[k]) for k in ("product.name", "product.highlights") if k in offer.claims)
    problems += text_violations(variant, allowed, names)
    for i, block in enumerate(variant.blocks):
        where = f"blocks[{i}]"
        if isinstance(block, ReviewsBlock):
            if not block.items or any(item not in offer.reviews for item in block.items):
                problems.append(f"{where}: reviews must be the store's own, word for word")
        elif isinstance(block, CountdownBlock):
            if offer.lock_ends_at is None:
                problems.append(f"{where}: a countdown needs a real price lock")
            elif not now_ms < block.ends_at <= offer.lock_ends_at:
                problems.append(f"{where}: the countdown does not match the price lock")
        elif isinstance(block, BadgesBlock):
            for badge in block.items:
                if _MARKUP.search(badge) or "<" in badge or len(badge) > LABEL_MAX:
                    problems.append(f"{where}: badge text not allowed")
                if _number_tokens(badge) - allowed:
                    problems.append(f"{where}: badge numbers not in store data")
        elif isinstance(block, SurveyBlock):
            if len({o.value for o in block.options}) != len(block.options):
                problems.append(f"{where}: survey options repeat")
    return problems
