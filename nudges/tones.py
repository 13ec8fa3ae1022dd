"""The brand-tone library: named ways of speaking a store picks, or copies and adjusts.

Why a library and not free text: a tone here only *moves* the written templates (which
voice, how much is said, how the buttons read); it never writes claims, so every tone
passes the same guardrails as the templates (numbers from store data, no invented
urgency, the shopper's language). A store names one in the stores file
(``tone: warm``), or copies one and overrides a part of it
(``tone: {like: premium, cta: {en: "Continue"}}``); a name the library does not know is
a stores-file error naming ``$.stores[i].tone``. Without a tone the store's ``voice``
applies to the templates unchanged.

Each tone carries example sentences in Turkish and English, written the way that tone
reads, for store owners choosing one (``docs/tones-and-rules.md``).

>>> resolve("premium", "friendly").voice, resolve("premium", "friendly").concise
('formal', True)
>>> resolve(Tone(like="warm", dismiss={"en": "Later"}), "formal").dismiss["en"]
'Later'
>>> resolve(None, "formal").voice
'formal'
>>> resolve("loud", "friendly")
Traceback (most recent call last):
...
nudges.tones.UnknownTone: unknown tone 'loud'; the library has: concise, expert, playful, premium, warm
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

import msgspec

ToneLocale = Literal["tr", "en"]
ToneVoice = Literal["formal", "friendly"]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Example = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]

#: Incentives whose call to action simply leads to checkout: a tone may reword it.
#: Others keep their own ("Get help", "Use my discount", "Back to my cart"...).
CHECKOUT_CTA: Final = frozenset(
    {"delivery_promise", "delivery_date", "free_express_shipping", "reviews", "return_guarantee",
     "warranty", "low_stock", "price_lock", "installments", "premium_story"}
)


class UnknownTone(ValueError):
    """A tone name (or ``like``) the library does not have."""


class Tone(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A tone as written in the stores file (every field optional) or as resolved (all set)."""

    #: Start from this library tone, then apply the fields given here.
    like: str | None = None
    #: Which template set: ``formal`` (siz, no exclamation marks) or ``friendly`` (sen).
    voice: ToneVoice | None = None
    #: Say less: the body keeps its first sentence only.
    concise: bool | None = None
    #: End titles with an exclamation mark (friendly voices only; formal copy never shouts).
    exclaim: bool | None = None
    #: The call to action of nudges that lead to checkout, per locale.
    cta: dict[ToneLocale, Label] = {}
    #: The dismiss button, per locale.
    dismiss: dict[ToneLocale, Label] = {}
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""
    #: Sentences written in this tone, per locale (for owners choosing one; never shown to shoppers).
    examples: dict[ToneLocale, list[Example]] = {}


# fmt: off
LIBRARY: Final[dict[str, Tone]] = {
    "warm": Tone(
        voice="friendly", concise=False, exclaim=False,
        cta={"en": "Finish my order", "tr": "Siparişi tamamla"},
        dismiss={"en": "Maybe later", "tr": "Belki sonra"},
        description="Friendly and reassuring, like a shop assistant who knows you.",
        examples={"en": ["Anything you order before 15:00 leaves our warehouse the next day.",
                         "If it's not right, send it back within 30 days."],
                  "tr": ["Saat 15:00 öncesi verdiğin siparişler ertesi gün yola çıkıyor.",
                         "Beğenmezsen 30 gün içinde geri gönderebilirsin."]},
    ),
    "concise": Tone(
        voice="friendly", concise=True, exclaim=False,
        cta={"en": "Check out", "tr": "Ödemeye geç"},
        dismiss={"en": "Close", "tr": "Kapat"},
        description="One fact, one button: for mobile-heavy stores and busy shoppers.",
        examples={"en": ["Order before 15:00 and it ships tomorrow.", "30 days to change your mind."],
                  "tr": ["Saat 15:00 öncesi sipariş ver, yarın kargoda.", "Fikrin değişirse 30 gün içinde iade."]},
    ),
    "premium": Tone(
        voice="formal", concise=True, exclaim=False,
        cta={"en": "Continue to checkout", "tr": "Ödemeye devam edin"},
        dismiss={"en": "Close", "tr": "Kapat"},
        description="Understated and calm: no exclamation marks, no pressure, few words.",
        examples={"en": ["Crafted to last: hand-finished Italian leather.",
                         "Each piece is covered by a 5-year warranty."],
                  "tr": ["Uzun yıllar için üretildi: el yapımı İtalyan deri.",
                         "Tüm ürünlerimiz 5 yıl garanti kapsamındadır."]},
    ),
    "playful": Tone(
        voice="friendly", concise=False, exclaim=True,
        cta={"en": "Let's do it", "tr": "Hadi tamamla"},
        dismiss={"en": "Not yet", "tr": "Henüz değil"},
        description="Light and upbeat, for young brands: exclamation marks allowed, claims still exact.",
        examples={"en": ["Express delivery is on us!", "Rated 4.8/5 by 1,200 shoppers!"],
                  "tr": ["Hızlı kargo bizden!", "1.200 kişi 4,8/5 puan verdi!"]},
    ),
    "expert": Tone(
        voice="formal", concise=False, exclaim=False,
        cta={"en": "Complete your order", "tr": "Siparişinizi tamamlayın"},
        dismiss={"en": "Continue browsing", "tr": "İncelemeye devam edin"},
        description="Precise and factual, for technical products: full sentences, every term stated.",
        examples={"en": ["Orders placed before 15:00 on working days are dispatched the next day.",
                         "Every purchase includes a 2-year warranty."],
                  "tr": ["İş günlerinde saat 15:00 öncesi verdiğiniz siparişler ertesi gün kargoya verilir.",
                         "Tüm ürünlerimiz 2 yıl garantilidir."]},
    ),
}
# fmt: on

_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)")


def _library(name: str) -> Tone:
    if name not in LIBRARY:
        raise UnknownTone(f"unknown tone {name!r}; the library has: {', '.join(sorted(LIBRARY))}")
    return LIBRARY[name]


def resolve(spec: str | Tone | None, voice: str) -> Tone:
    """The tone in force: a library tone by name, a copy with overrides, or the plain ``voice``.

    Every field of the result is set (``like`` is None); overrides replace a library
    tone's field, and per-locale labels are merged locale by locale.
    """
    if spec is None:
        return Tone(voice=voice, concise=False, exclaim=False)  # type: ignore[arg-type]
    if isinstance(spec, str):
        return _library(spec)
    base = _library(spec.like) if spec.like is not None else Tone(voice=voice, concise=False, exclaim=False)  # type: ignore[arg-type]
    return Tone(
        voice=spec.voice or base.voice,
        concise=base.concise if spec.concise is None else spec.concise,
        exclaim=base.exclaim if spec.exclaim is None else spec.exclaim,
        cta={**base.cta, **spec.cta},
        dismiss={**base.dismiss, **spec.dismiss},
        description=spec.description or base.description,
        examples={**base.examples, **spec.examples},
    )


def check(spec: str | Tone | None, where: str) -> None:
    """Raise ``ValueError`` naming the field when the tone cannot be used."""
    try:
        tone = resolve(spec, "friendly")
    except UnknownTone as exc:
        field = where if isinstance(spec, str) else f"{where}.like"
        raise ValueError(f"{field}: {exc}") from None
    if tone.exclaim and tone.voice == "formal":
        raise ValueError(f"{where}.exclaim: a formal voice never uses exclamation marks; use voice: friendly")


def shape(tone: Tone, incentive: str, locale: str, title: str, body: str, cta: str | None, dismiss: str
          ) -> tuple[str, str, str | None, str]:
    """Title, body, call to action and dismiss label as ``tone`` says them.

    >>> shape(LIBRARY["playful"], "reviews", "en", "Free returns", "One. Two.", "Go", "No")
    ('Free returns!', 'One. Two.', "Let's do it", 'Not yet')
    >>> shape(LIBRARY["concise"], "help", "en", "Stuck?", "One. Two.", "Get help", "No")
    ('Stuck?', 'One.', 'Get help', 'Close')
    """
    if tone.concise and (first := _FIRST_SENTENCE.match(body)):
        body = first.group(1)
    if tone.exclaim and title and title[-1] not in ".!?:":
        title += "!"
    if cta is not None and incentive in CHECKOUT_CTA and locale in tone.cta:
        cta = tone.cta[locale]  # type: ignore[index]
    return title, body, cta, tone.dismiss.get(locale, dismiss)  # type: ignore[call-overload]
