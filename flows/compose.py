"""Turn the decision core's variant into the message a shopper receives on a channel.

The words come from :func:`nudges.decision.decide` (already past the guardrails: no
claim the store's data cannot back, the store's tone, TR or EN); this module only lays
them out for the channel: an e-mail (Jinja2 with autoescape: whatever the text says, it
is text, never markup), or a short SMS/WhatsApp/push text. A ``light_reminder`` step
says only that the cart is waiting, naming the product when the decision knows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, select_autoescape

from nudges.guardrails import ReviewsBlock, Variant
from nudges.stores import Store

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_text_env = Environment(loader=_env.loader, autoescape=False, trim_blocks=True, lstrip_blocks=True)

WORDS: Final = {
    "en": {
        "reminder_title": "Your cart is waiting",
        "reminder_body": "You left {product} in your cart. It is saved for you.",
        "reminder_body_plain": "You left something in your cart. It is saved for you.",
        "back_to_cart": "Back to my cart",
        "coupon": "Your personal code",
        "coupon_terms": "{pct} % off, one use, valid until {until} (UTC).",
        "unsubscribe": "Unsubscribe from these messages",
        "sms_stop": "Stop: reply STOP",
    },
    "tr": {
        "reminder_title": "Sepetin seni bekliyor",
        "reminder_body": "{product} sepetinde kaldı. Senin için saklıyoruz.",
        "reminder_body_plain": "Sepetinde ürün kaldı. Senin için saklıyoruz.",
        "back_to_cart": "Sepetime dön",
        "coupon": "Sana özel kod",
        "coupon_terms": "%{pct} indirim, tek kullanımlık, {until} (UTC) tarihine kadar geçerli.",
        "unsubscribe": "Bu mesajları almak istemiyorum",
        "sms_stop": "Iptal: DUR yazin",
    },
}


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str
    pct: int
    expires_iso: str


@dataclass(frozen=True, slots=True)
class Written:
    """A message laid out for its channel."""

    subject: str | None
    text: str
    html: str | None


def store_url(store: Store, path: str, locale: str) -> str | None:
    """An absolute link on the store's own site (its first allowed origin); ``{locale}`` filled in."""
    return f"{store.allowed_origins[0]}{path.replace('{locale}', locale)}" if store.allowed_origins else None


def write(store: Store, variant: Variant | None, template: str, channel: str, locale: str,
          coupon: Coupon | None, unsubscribe_url: str | None,
          track: Callable[[str], str] | None = None, pixel_url: str | None = None) -> Written:
    """The message for one step; ``variant`` None or a survey means a plain reminder.

    ``track`` turns the store link into a click-tracking link, ``pixel_url`` is the open pixel
    (e-mail only; the plain-text part and SMS keep the store's own link).
    """
    words = WORDS[locale]
    product = variant.claims.get("product.name") if variant is not None else None
    if template == "light_reminder" or variant is None or variant.incentive == "survey":
        title = words["reminder_title"]
        body = words["reminder_body"].format(product=product) if product else words["reminder_body_plain"]
        cta_label, href = words["back_to_cart"], store.facts.cart_path
        reviews: list = []
    else:
        title, body = variant.title, variant.body
        cta_label = variant.cta_label or words["back_to_cart"]
        href = variant.cta_href or store.facts.cart_path
        reviews = [r for block in variant.blocks if isinstance(block, ReviewsBlock) for r in block.items]
    cta_url = store_url(store, href, locale)
    fields = {
        "locale": locale, "store_name": store.id, "subject": title, "title": title, "body": body,
        "reviews": reviews, "cta_label": cta_label, "cta_url": cta_url,
        "coupon": coupon.code if coupon else None, "coupon_label": words["coupon"],
        "coupon_terms": words["coupon_terms"].format(pct=coupon.pct, until=coupon.expires_iso) if coupon else "",
        "unsubscribe_url": unsubscribe_url, "unsubscribe_label": words["unsubscribe"],
    }
    if channel == "email":
        tracked = {**fields, "cta_url": track(cta_url) if track and cta_url else cta_url, "pixel_url": pixel_url}
        html = _env.get_template("email.html.j2").render(tracked)
        text = _text_env.get_template("email.txt.j2").render(fields).strip() + "\n"
        return Written(title, text, html)
    parts = [f"{store.id}: {title}.", body]
    if coupon:
        parts.append(f"{words['coupon']}: {coupon.code}")
    if cta_url:
        parts.append(cta_url)
    if channel in ("sms", "whatsapp"):
        parts.append(words["sms_stop"])
    # A notification shows a title of its own (flows.channels.web_push); a text message has none.
    return Written(title if channel == "push" else None, " ".join(parts), None)
