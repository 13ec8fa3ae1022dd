"""How an SMS text travels: which alphabet it needs and how many parts (each one paid) it takes.

Why it matters for Turkish: a message with ``ş``, ``ğ`` or ``ı`` is not in the GSM 03.38
default alphabet. Sent as UCS-2 it fits 70 characters a part; with the Turkish national
language table (3GPP TS 23.038, what Verimor calls ``datacoding=1`` and Netgsm ``dil=TR``)
it fits 155 (149 a part when split), at the cost of a few octets of header. The figures
follow Verimor's published size table (https://github.com/verimor/SMS-API, "SMS BOY
KARAKTER LİMİTLERİ"): 160/153 plain, 155/149 Turkish, 70/67 UCS-2; ``^ { } \\ [ ] ~ | €``
take two septets in the GSM alphabets.

A few characters that would force UCS-2 for nothing (typographic quotes, dashes, the
ellipsis, a non-breaking space, ``â î û``) are written with their plain equivalents
first: that halves the price of a message without changing what it says.

>>> plan("Sepetiniz sizi bekliyor")
SmsPlan(text='Sepetiniz sizi bekliyor', encoding='gsm7', parts=1, units=23)
>>> p = plan("Sepetinizdeki ürünler için ücretsiz kargo: şimdi ığdır'a da!")
>>> p.encoding, p.parts
('turkish', 1)
>>> plan("“Kâr” – son gün…").text
'"Kar" - son gün...'
>>> plan("Teşekkürler 🙏").encoding
'ucs2'
>>> plan("a" * 161).parts, plan("ş" * 156).parts, plan("ş" * 155).parts
(2, 2, 1)
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

Encoding = Literal["gsm7", "turkish", "ucs2"]

#: GSM 03.38 default alphabet (one septet each).
GSM_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters reached through the escape (two septets each), in every GSM table.
GSM_EXTENDED: Final = frozenset("^{}\\[]~|€\f")
#: The letters only the Turkish national language table has (one septet each).
TURKISH_LETTERS: Final = frozenset("ŞşĞğçıİ")

#: (single part, per part when split) in characters, per encoding.
PART_SIZES: Final[dict[Encoding, tuple[int, int]]] = {"gsm7": (160, 153), "turkish": (155, 149), "ucs2": (70, 67)}

_PLAIN: Final = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‐": "-", "\u00a0": " ", "\u202f": " ", "•": "-",
    "â": "a", "Â": "A", "î": "i", "Î": "I", "û": "u", "Û": "U",
})


class SmsPlan(msgspec.Struct, frozen=True):
    """The text as it will be sent, its encoding, its number of parts and its length in units."""

    text: str
    encoding: Encoding
    parts: int
    #: Septets (GSM alphabets) or UTF-16 code units (UCS-2).
    units: int


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "ucs2":
        return len(text.encode("utf-16-le")) // 2
    return sum(2 if ch in GSM_EXTENDED else 1 for ch in text)


def encoding_of(text: str) -> Encoding:
    """The cheapest alphabet that carries every character of ``text``."""
    chars = set(text)
    if chars <= GSM_BASIC | GSM_EXTENDED:
        return "gsm7"
    if chars <= GSM_BASIC | GSM_EXTENDED | TURKISH_LETTERS:
        return "turkish"
    return "ucs2"


def plan(text: str) -> SmsPlan:
    """Plain punctuation first, then the cheapest encoding and the number of parts."""
    plain = text.translate(_PLAIN).replace("…", "...")
    encoding = encoding_of(plain)
    units = _units(plain, encoding)
    single, each = PART_SIZES[encoding]
    parts = 1 if units <= single else -(-units // each)
    return SmsPlan(plain, encoding, parts, units)
