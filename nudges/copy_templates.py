"""Copy for every incentive in Turkish and English, in a formal or a friendly voice.

Written the way a native marketer writes it, not translated: Turkish friendly copy
says *sen*, formal says *siz*; Turkish puts the percent sign first (%10) and avoids
case suffixes after numbers (which depend on how the number is read aloud) by
phrasing around them ("15:00 öncesi", not "15:00'e kadar"). English formal copy has
no exclamation marks; friendly copy may use contractions.

Templates only fill in the offer's claims, so every number and name in the text
comes from store data. Each title and body is a list of alternatives, most specific first; the first
whose claims the offer has is used.

>>> from nudges.incentives import Offer
>>> offer = Offer(incentive="delivery_promise", reason="shipping_speed",
...               claims={"delivery.cutoff": "15:00"})
>>> write(offer, "tr", "friendly", "TRY").title
'Saat 15:00 öncesi sipariş ver, yarın kargoda'
>>> write(offer, "en", "formal", "TRY").title
'Order before 15:00 for dispatch tomorrow'
>>> money(1250.5, "TRY", "tr")
'₺1.250,50'
"""

from __future__ import annotations

from typing import Final, NamedTuple

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol

from nudges.incentives import Offer
from nudges.tones import Tone, shape

Segment = tuple[tuple[str, ...], str]

def money(amount: float, currency: str, locale: str) -> str:
    """The amount as the locale writes money (CLDR, through Babel); cents only when there are any.

    One way per locale everywhere a shopper reads a price: the overlay's copy here, and
    the demo store's ``Intl.NumberFormat`` (which follows CLDR too). Babel does not apply
    CLDR's currency spacing, so a symbol made of letters ("TRY" in English) gets the
    no-break space ``Intl`` puts there.

    >>> money(1250.5, "TRY", "tr"), money(1250.0, "TRY", "tr"), money(389.9, "USD", "en")
    ('₺1.250,50', '₺1.250', '$389.90')
    >>> money(389.9, "TRY", "en").replace("\xa0", " ")
    'TRY 389.90'
    """
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    if float(amount).is_integer():
        pattern = pattern.replace(".00", "")
    text = format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
    symbol = get_currency_symbol(currency, locale)
    if symbol.isalpha() and text.startswith(symbol) and text[len(symbol):][:1].isdigit():
        text = symbol + "\u00a0" + text[len(symbol):]
    elif symbol.isalpha() and text.endswith(symbol) and text[: -len(symbol)][-1:].isdigit():
        text = text[: -len(symbol)] + "\u00a0" + symbol
    return text


def _number(value: float, locale: str) -> str:
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if locale == "tr" else text


def _days(n: int, locale: str) -> str:
    if locale == "tr":
        return f"{n} iş günü"
    return f"{n} working day" + ("" if n == 1 else "s")


def values(offer: Offer, locale: str, currency: str) -> dict[str, str]:
    """The offer's claims as words, keyed by the names templates use."""
    c = offer.claims
    out: dict[str, str] = {}
    if "product.name" in c:
        out["product"] = str(c["product.name"])
    if "delivery.cutoff" in c:
        out["cutoff"] = str(c["delivery.cutoff"])
    for key, name in (("delivery.delivery_days", "delivery_days"), ("delivery.express_days", "express_days")):
        if key in c:
            out[name] = _days(int(c[key]), locale)
    for key, name in (
        ("policy.free_shipping_threshold", "threshold"),
        ("cart.missing_for_free_shipping", "missing"),
        ("product.price", "price"),
    ):
        if key in c:
            out[name] = money(float(c[key]), currency, locale)
    if "reviews.rating" in c:
        out["rating"] = _number(float(c["reviews.rating"]), locale)
        out["rating_count"] = _number(int(c["reviews.rating_count"]), locale)
    for key, name in (
        ("returns.days", "return_days"),
        ("warranty.years", "warranty_years"),
        ("product.stock", "stock"),
        ("policy.price_lock_hours", "lock_hours"),
        ("installments.max_months", "months"),
        ("policy.coupon_pct", "pct"),
        ("policy.coupon_valid_hours", "valid_hours"),
    ):
        if key in c:
            out[name] = str(int(c[key]))
    if "product.highlights" in c:
        out["highlights"] = str(c["product.highlights"])
    if c.get("returns.free") == "yes":
        out["free_returns"] = "yes"
    if c.get("installments.interest_free") == "yes":
        out["interest_free"] = "yes"
    return out


class Copy(NamedTuple):
    title: str
    body: str
    cta: str | None
    dismiss: str
    badges: list[str]


class Template(NamedTuple):
    title: list[Segment]
    body: list[Segment]
    cta: str | None


def T(title: list[Segment] | str, body: list[Segment], cta: str | None) -> Template:
    return Template([((), title)] if isinstance(title, str) else title, body, cta)


# fmt: off
TEMPLATES: Final[dict[str, dict[tuple[str, str], Template]]] = {
    "delivery_promise": {
        ("en", "friendly"): T([(("cutoff",), "Order before {cutoff} and it ships tomorrow"),
                               ((), "It'll be with you in {delivery_days}")],
                              [(('cutoff', 'delivery_days'), "Anything you order before {cutoff} on a working day leaves our warehouse the next day. Standard delivery takes {delivery_days}."),
                               (("cutoff",), "Anything you order before {cutoff} on a working day leaves our warehouse the next day."),
                               ((), "Standard delivery takes {delivery_days}.")], "Finish my order"),
        ("en", "formal"): T([(("cutoff",), "Order before {cutoff} for dispatch tomorrow"),
                             ((), "Delivered within {delivery_days}")],
                            [(('cutoff', 'delivery_days'), "Orders placed before {cutoff} on working days are dispatched the next day. Standard delivery takes {delivery_days}."),
                               (("cutoff",), "Orders placed before {cutoff} on working days are dispatched the next day."),
                               ((), "Standard delivery takes {delivery_days}.")], "Complete your order"),
        ("tr", "friendly"): T([(("cutoff",), "Saat {cutoff} öncesi sipariş ver, yarın kargoda"),
                               ((), "Siparişin {delivery_days} içinde kapında")],
                              [(('cutoff', 'delivery_days'), "İş günlerinde saat {cutoff} öncesi verdiğin siparişler ertesi gün yola çıkıyor. Standart teslimat {delivery_days} sürüyor."),
                               (("cutoff",), "İş günlerinde saat {cutoff} öncesi verdiğin siparişler ertesi gün yola çıkıyor."),
                               ((), "Standart teslimat {delivery_days} sürüyor.")], "Siparişi tamamla"),
        ("tr", "formal"): T([(("cutoff",), "Saat {cutoff} öncesi verilen siparişler yarın kargoda"),
                             ((), "Siparişiniz {delivery_days} içinde teslim edilir")],
                            [(('cutoff', 'delivery_days'), "İş günlerinde saat {cutoff} öncesi verdiğiniz siparişler ertesi gün kargoya verilir. Standart teslimat süresi {delivery_days}."),
                               (("cutoff",), "İş günlerinde saat {cutoff} öncesi verdiğiniz siparişler ertesi gün kargoya verilir."),
                               ((), "Standart teslimat süresi {delivery_days}.")], "Siparişinizi tamamlayın"),
    },
    "delivery_date": {
        ("en", "friendly"): T("It'll be with you in {delivery_days}",
                              [((), "Standard delivery takes {delivery_days} from the day you order.")], "Finish my order"),
        ("en", "formal"): T("Delivered within {delivery_days}",
                            [((), "Standard delivery takes {delivery_days} from the date of your order.")], "Complete your order"),
        ("tr", "friendly"): T("Siparişin {delivery_days} içinde kapında",
                              [((), "Standart teslimat, sipariş verdiğin günden itibaren {delivery_days} sürüyor.")], "Siparişi tamamla"),
        ("tr", "formal"): T("Siparişiniz {delivery_days} içinde teslim edilir",
                            [((), "Standart teslimat süresi, sipariş tarihinden itibaren {delivery_days}.")], "Siparişinizi tamamlayın"),
    },
    "free_express_shipping": {
        ("en", "friendly"): T("Express delivery is on us",
                              [((), "Finish your order and we'll upgrade you to express delivery for free: {express_days} to your door.")],
                              "Get it faster"),
        ("en", "formal"): T("Complimentary express delivery",
                            [((), "Complete your order and we will upgrade it to express delivery at no charge, delivered within {express_days}.")],
                            "Complete your order"),
        ("tr", "friendly"): T("Hızlı kargo bizden",
                              [((), "Siparişini tamamla, hızlı kargoyu ücretsiz yapalım: {express_days} içinde kapında.")],
                              "Hemen tamamla"),
        ("tr", "formal"): T("Hızlı kargo hediyemiz",
                            [((), "Siparişinizi tamamladığınızda hızlı kargo ücretsizdir; ürününüz {express_days} içinde teslim edilir.")],
                            "Siparişinizi tamamlayın"),
    },
    "free_shipping_threshold": {
        ("en", "friendly"): T([(("missing",), "You're {missing} away from free shipping"),
                               ((), "Your order ships free")],
                              [(("missing",), "Orders over {threshold} ship free. Add a little more and the delivery's on us."),
                               ((), "Orders over {threshold} ship free, and yours already qualifies.")], "Back to my cart"),
        ("en", "formal"): T([(("missing",), "Add {missing} more for free shipping"),
                             ((), "Your order qualifies for free shipping")],
                            [(("missing",), "Shipping is free on orders over {threshold}."),
                             ((), "Shipping is free on orders over {threshold}; your order qualifies.")], "Return to your cart"),
        ("tr", "friendly"): T([(("missing",), "Ücretsiz kargo için {missing} değerinde ürün daha ekle"),
                               ((), "Kargon bizden")],
                              [(("missing",), "{threshold} ve üzeri siparişlerde kargo ücretsiz. Sepetine küçük bir ekleme yeter."),
                               ((), "{threshold} ve üzeri siparişlerde kargo ücretsiz; sepetin bu tutarı geçti bile.")], "Sepete dön"),
        ("tr", "formal"): T([(("missing",), "Ücretsiz kargo için {missing} tutarında ürün ekleyin"),
                             ((), "Siparişinizde kargo ücretsiz")],
                            [(("missing",), "{threshold} ve üzeri siparişlerde kargo ücretsizdir."),
                             ((), "{threshold} ve üzeri siparişlerde kargo ücretsizdir; sepetiniz bu koşulu sağlıyor.")], "Sepetinize dönün"),
    },
    "reviews": {
        ("en", "friendly"): T([(("rating",), "Rated {rating}/5 by {rating_count} shoppers"), ((), "Here's what other shoppers say")],
                              [((), "Real reviews from people who bought it, so you don't have to take our word for it.")], "Finish my order"),
        ("en", "formal"): T([(("rating",), "Rated {rating} out of 5 by {rating_count} customers"), ((), "What our customers say")],
                            [((), "Reviews from verified customers who purchased this item.")], "Complete your order"),
        ("tr", "friendly"): T([(("rating",), "{rating_count} kişi {rating}/5 puan verdi"), ((), "Alanlar ne diyor, bir bak")],
                              [((), "Bizim sözümüze değil, ürünü alanların yorumlarına güven.")], "Siparişi tamamla"),
        ("tr", "formal"): T([(("rating",), "{rating_count} müşterimizden {rating}/5 puan"), ((), "Müşterilerimizin yorumları")],
                            [((), "Ürünü satın alan müşterilerimizin değerlendirmeleri aşağıdadır.")], "Siparişinizi tamamlayın"),
    },
    "return_guarantee": {
        ("en", "friendly"): T([(("return_days", "free_returns"), "Changed your mind? Free returns for {return_days} days"),
                               (("return_days",), "{return_days} days to change your mind"), ((), "Covered by a {warranty_years}-year warranty")],
                              [(('return_days', 'warranty_years'), "If it's not right, send it back within {return_days} days. And it's covered by a {warranty_years}-year warranty."),
                               (("return_days",), "If it's not right, send it back within {return_days} days."),
                               ((), "And it's covered by a {warranty_years}-year warranty.")], "Order with confidence"),
        ("en", "formal"): T([(("return_days", "free_returns"), "Free returns within {return_days} days"),
                             (("return_days",), "Returns accepted within {return_days} days"), ((), "{warranty_years}-year warranty included")],
                            [(('return_days', 'warranty_years'), "You may return your purchase within {return_days} days of delivery. Every purchase includes a {warranty_years}-year warranty."),
                               (("return_days",), "You may return your purchase within {return_days} days of delivery."),
                               ((), "Every purchase includes a {warranty_years}-year warranty.")], "Complete your order"),
        ("tr", "friendly"): T([(("return_days", "free_returns"), "{return_days} gün içinde ücretsiz iade"),
                               (("return_days",), "Fikrin değişirse {return_days} gün içinde iade"), ((), "{warranty_years} yıl garanti"),],
                              [(('return_days', 'warranty_years'), "Beğenmezsen {return_days} gün içinde geri gönderebilirsin. Üstelik ürün {warranty_years} yıl garantili."),
                               (("return_days",), "Beğenmezsen {return_days} gün içinde geri gönderebilirsin."),
                               ((), "Üstelik ürün {warranty_years} yıl garantili.")], "Gönül rahatlığıyla al"),
        ("tr", "formal"): T([(("return_days", "free_returns"), "{return_days} gün içinde ücretsiz iade imkânı"),
                             (("return_days",), "{return_days} gün içinde iade imkânı"), ((), "{warranty_years} yıl garanti")],
                            [(('return_days', 'warranty_years'), "Ürünü teslimattan sonraki {return_days} gün içinde iade edebilirsiniz. Tüm ürünlerimiz {warranty_years} yıl garantilidir."),
                               (("return_days",), "Ürünü teslimattan sonraki {return_days} gün içinde iade edebilirsiniz."),
                               ((), "Tüm ürünlerimiz {warranty_years} yıl garantilidir.")], "Siparişinizi tamamlayın"),
    },
    "warranty": {
        ("en", "friendly"): T("Covered by a {warranty_years}-year warranty",
                              [((), "It's covered against manufacturing defects for {warranty_years} years.")], "Order with confidence"),
        ("en", "formal"): T("{warranty_years}-year warranty included",
                            [((), "Your purchase is covered against manufacturing defects for {warranty_years} years.")], "Complete your order"),
        ("tr", "friendly"): T("{warranty_years} yıl garanti",
                              [((), "Ürün, üretim hatalarına karşı {warranty_years} yıl garantili.")], "Gönül rahatlığıyla al"),
        ("tr", "formal"): T("{warranty_years} yıl garanti güvencesi",
                            [((), "Ürününüz üretim hatalarına karşı {warranty_years} yıl garanti kapsamındadır.")], "Siparişinizi tamamlayın"),
    },
    "low_stock": {
        ("en", "friendly"): T("Only {stock} left in stock",
                              [((), "{product} is nearly sold out. We can't promise it'll be here later.")], "Finish my order"),
        ("en", "formal"): T("Only {stock} remaining in stock",
                            [((), "Stock of {product} is limited; availability cannot be guaranteed later.")], "Complete your order"),
        ("tr", "friendly"): T("Stokta yalnızca {stock} adet kaldı",
                              [((), "{product} tükenmek üzere; sonra bulabileceğin garanti değil.")], "Siparişi tamamla"),
        ("tr", "formal"): T("Stokta yalnızca {stock} adet kaldı",
                            [((), "{product} için stok sınırlıdır; daha sonra temin edilebileceği garanti edilemez.")], "Siparişinizi tamamlayın"),
    },
    "price_lock": {
        ("en", "friendly"): T("We'll hold this price for {lock_hours} hours",
                              [((), "Take your time. {product} stays at {price} for you for the next {lock_hours} hours.")], "Hold my price"),
        ("en", "formal"): T("Your price is held for {lock_hours} hours",
                            [((), "{product} remains at {price} for you for the next {lock_hours} hours.")], "Hold this price"),
        ("tr", "friendly"): T("Bu fiyatı {lock_hours} saat senin için tutuyoruz",
                              [((), "Düşünmek için vaktin var: {product} önümüzdeki {lock_hours} saat boyunca senin için {price}.")], "Fiyatı sabitle"),
        ("tr", "formal"): T("Fiyatınız {lock_hours} saat boyunca sabit",
                            [((), "{product} önümüzdeki {lock_hours} saat boyunca sizin için {price} olarak kalacaktır.")], "Fiyatı sabitleyin"),
    },
    "saved_cart": {
        ("en", "friendly"): T("Your cart is saved", [((), "Come back whenever you're ready; everything will be right where you left it.")], "View my cart"),
        ("en", "formal"): T("Your cart has been saved", [((), "Your selection will be waiting for you when you return.")], "View your cart"),
        ("tr", "friendly"): T("Sepetin seni bekliyor", [((), "Hazır olduğunda dön; her şey bıraktığın gibi duruyor.")], "Sepetime git"),
        ("tr", "formal"): T("Sepetiniz kaydedildi", [((), "Seçtiğiniz ürünler, döndüğünüzde sizi bekliyor olacak.")], "Sepetinize gidin"),
    },
    "installments": {
        ("en", "friendly"): T([(("interest_free",), "Spread it over {months} months, interest-free"), ((), "Pay in up to {months} instalments")],
                              [((), "Split the cost across up to {months} monthly card instalments at checkout.")], "Pay in instalments"),
        ("en", "formal"): T([(("interest_free",), "Up to {months} interest-free instalments"), ((), "Up to {months} monthly instalments")],
                            [((), "You may spread the payment over up to {months} monthly card instalments at checkout.")], "Continue to payment"),
        ("tr", "friendly"): T([(("interest_free",), "Peşin fiyatına {months} taksit"), ((), "{months} aya varan taksit")],
                              [((), "Ödemeyi kartına {months} aya kadar bölebilirsin; seçimi ödeme adımında yaparsın.")], "Taksitle öde"),
        ("tr", "formal"): T([(("interest_free",), "Peşin fiyatına {months} taksit imkânı"), ((), "{months} aya varan taksit imkânı")],
                            [((), "Ödemenizi ödeme adımında kartınıza {months} aya kadar taksitlendirebilirsiniz.")], "Ödemeye geçin"),
    },
    "coupon": {
        ("en", "friendly"): T("Here's {pct}% off your order",
                              [((), "It's applied at checkout and stays valid for {valid_hours} hours.")], "Use my discount"),
        ("en", "formal"): T("{pct}% off your order",
                            [((), "The discount is applied at checkout and is valid for {valid_hours} hours.")], "Apply the discount"),
        ("tr", "friendly"): T("Siparişine %{pct} indirim",
                              [((), "İndirim ödeme adımında uygulanıyor ve {valid_hours} saat geçerli.")], "İndirimi kullan"),
        ("tr", "formal"): T("Siparişinize %{pct} indirim",
                            [((), "İndirim ödeme adımında uygulanır ve {valid_hours} saat geçerlidir.")], "İndirimi uygulayın"),
    },
    "guest_checkout": {
        ("en", "friendly"): T("No account needed", [((), "Check out as a guest in a couple of steps; no sign-up, no password.")], "Check out as a guest"),
        ("en", "formal"): T("Checkout without an account", [((), "You may complete your purchase as a guest, without registering.")], "Continue as a guest"),
        ("tr", "friendly"): T("Üye olmana gerek yok", [((), "Şifreyle, kayıtla uğraşma; misafir olarak birkaç adımda tamamla.")], "Misafir olarak devam et"),
        ("tr", "formal"): T("Üye olmadan alışveriş", [((), "Siparişinizi üyelik oluşturmadan, misafir olarak tamamlayabilirsiniz.")], "Misafir olarak devam edin"),
    },
    "help": {
        ("en", "friendly"): T("Stuck at checkout?", [((), "Tell us what's in the way and we'll help you finish your order.")], "Get help"),
        ("en", "formal"): T("May we help with your order?", [((), "Our team can assist you with any step of the checkout.")], "Contact support"),
        ("tr", "friendly"): T("Ödemede takıldın mı?", [((), "Neye takıldığını söyle, siparişini birlikte tamamlayalım.")], "Yardım al"),
        ("tr", "formal"): T("Siparişinizle ilgili yardımcı olabilir miyiz?", [((), "Ekibimiz ödeme sürecinin her adımında size destek olur.")], "Destek alın"),
    },
    "premium_story": {
        ("en", "friendly"): T([(("highlights",), "Made to last: {highlights}"), ((), "Built to last, with a {warranty_years}-year warranty")],
                              [(("warranty_years",), "Every piece comes with a {warranty_years}-year warranty, because we expect it to last."),
                               ((), "Made with care, and made to be used every day.")], "Finish my order"),
        ("en", "formal"): T([(("highlights",), "Crafted to last: {highlights}"), ((), "Backed by a {warranty_years}-year warranty")],
                            [(("warranty_years",), "Each piece is covered by a {warranty_years}-year warranty."),
                             ((), "Crafted with care for everyday use.")], "Complete your order"),
        ("tr", "friendly"): T([(("highlights",), "Yıllarca kullanman için: {highlights}"), ((), "{warranty_years} yıl garantiyle, uzun ömürlü")],
                              [(("warranty_years",), "Her ürün {warranty_years} yıl garantili; çünkü uzun yıllar dayanacağından eminiz."),
                               ((), "Özenle üretildi, her gün kullanman için.")], "Siparişi tamamla"),
        ("tr", "formal"): T([(("highlights",), "Uzun yıllar için üretildi: {highlights}"), ((), "{warranty_years} yıl garanti güvencesi")],
                            [(("warranty_years",), "Tüm ürünlerimiz {warranty_years} yıl garanti kapsamındadır."),
                             ((), "Özenle, günlük kullanım için üretilmiştir.")], "Siparişinizi tamamlayın"),
    },
    "survey": {
        ("en", "friendly"): T("Quick question before you go", [((), "What's holding you back? One tap helps us get it right.")], None),
        ("en", "formal"): T("Before you go", [((), "May we ask what is holding you back? One answer helps us improve.")], None),
        ("tr", "friendly"): T("Gitmeden önce kısa bir soru", [((), "Seni ne durduruyor? Tek dokunuş yeter.")], None),
        ("tr", "formal"): T("Ayrılmadan önce", [((), "Siparişinizi tamamlamanıza engel olan nedir? Tek bir yanıt yeterli.")], None),
    },
}

DISMISS: Final = {("en", "friendly"): "Not now", ("en", "formal"): "No, thank you",
                  ("tr", "friendly"): "Şimdi değil", ("tr", "formal"): "Hayır, teşekkürler"}

SURVEY_QUESTION: Final = {("en", "friendly"): "What's holding you back?", ("en", "formal"): "What is holding you back?",
                          ("tr", "friendly"): "Seni ne durduruyor?", ("tr", "formal"): "Sizi ne durduruyor?"}
SURVEY_OPTIONS: Final = {
    "en": {"price": "The price", "trust": "Not sure I can trust it", "shipping_speed": "Delivery takes too long",
           "indecision": "Still deciding", "checkout_friction": "Checkout is a hassle", "other": "Something else"},
    "tr": {"price": "Fiyat", "trust": "Güvenemedim", "shipping_speed": "Teslimat çok uzun",
           "indecision": "Henüz karar vermedim", "checkout_friction": "Ödeme adımları zor", "other": "Başka bir şey"},
}
COUNTDOWN_LABEL: Final = {"en": "Price held until", "tr": "Fiyat sabit kalma süresi"}

#: Badges: short facts shown as chips, each from one claim.
BADGES: Final[dict[str, list[tuple[tuple[str, ...], str]]]] = {
    "en": [(("cutoff",), "Ships tomorrow"), (("express_days",), "Express in {express_days}"),
           (("return_days", "free_returns"), "Free returns, {return_days} days"), (("return_days",), "{return_days}-day returns"),
           (("warranty_years",), "{warranty_years}-year warranty"), (("rating",), "{rating}/5 · {rating_count} reviews"),
           (("interest_free",), "{months} interest-free instalments")],
    "tr": [(("cutoff",), "Yarın kargoda"), (("express_days",), "{express_days} içinde hızlı teslimat"),
           (("return_days", "free_returns"), "{return_days} gün ücretsiz iade"), (("return_days",), "{return_days} gün iade"),
           (("warranty_years",), "{warranty_years} yıl garanti"), (("rating",), "{rating}/5 · {rating_count} yorum"),
           (("interest_free",), "Peşin fiyatına {months} taksit")],
}
# fmt: on


def _pick(segments: list[Segment], words: dict[str, str]) -> str | None:
    """The first segment whose claims are all present, filled in."""
    for needed, text in segments:
        try:
            if all(name in words for name in needed):
                return text.format(**words)
        except KeyError:
            continue
    return None


def badges(words: dict[str, str], locale: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` badges from the claims, one per fact (free returns beats plain returns)."""
    out: list[str] = []
    used: set[str] = set()
    for needed, text in BADGES[locale]:
        if all(n in words for n in needed) and not used.intersection(needed):
            out.append(text.format(**words))
            used.update(needed)
    return out[:limit]


def write(offer: Offer, locale: str, voice: str, currency: str, tone: Tone | None = None) -> Copy:
    """The template copy for an offer; every value comes from ``offer.claims``.

    A resolved ``tone`` (:func:`nudges.tones.resolve`) picks the voice and shapes the
    words (shorter body, exclamation, its own button labels); claims stay the template's.

    >>> from nudges.tones import LIBRARY
    >>> offer = Offer(incentive="return_guarantee", reason="trust", claims={"returns.days": 30})
    >>> write(offer, "en", "friendly", "TRY", LIBRARY["playful"])[:3]
    ('30 days to change your mind!', "If it's not right, send it back within 30 days.", "Let's do it")
    """
    if tone is not None:
        voice = tone.voice or voice
    words = values(offer, locale, currency)
    template = TEMPLATES[offer.incentive][(locale, voice)]
    title = _pick(template.title, words) or ""
    body = _pick(template.body, words) or ""
    cta, dismiss = template.cta, DISMISS[(locale, voice)]
    if tone is not None:
        title, body, cta, dismiss = shape(tone, offer.incentive, locale, title, body, cta, dismiss)
    return Copy(title, body, cta, dismiss, badges(words, locale))
