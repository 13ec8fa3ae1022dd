"""Optional copy from a language model behind an OpenAI-compatible HTTP API.

Off unless ``CARTCOACH_LLM_BASE_URL`` and ``CARTCOACH_LLM_MODEL`` are set. Why it is
never on the request path: a model answers in seconds, the overlay must answer in
milliseconds. So :meth:`LlmGenerator.lookup` only reads a cache keyed by (store,
product, reason, tone); on a miss it starts one background generation for that key
(at most one at a time per key, time-limited) and the overlay uses templates this
time. What the model returns is validated against :class:`Answer` (JSON, known
incentive names, bounded strings) here, and every variant made from it still goes
through :func:`nudges.guardrails.violations` at every use, against the store's
current data: nothing from the model reaches a shopper unchecked.

The model writes words only. Offers, numbers, reviews and countdowns come from
store data (:mod:`nudges.incentives`); a number in the model's text that is not
among the offer's claims rejects that variant.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Annotated, Final

import httpx
import msgspec

from nudges.copy_templates import values
from nudges.incentives import Context, candidate_offers
from nudges.scenarios import Written
from nudges.stores import IncentiveType
from scorer.profile import AbandonmentProfile

log = logging.getLogger(__name__)

SEED_PROMPT: Final = (
    "Predict the abandonment reason from these cart behaviours and produce 3 micro-incentive "
    "scenarios. Behaviours: {signals} Product: {product} Brand tone: {tone}"
)
INSTRUCTIONS: Final = (
    "Answer with one JSON object only: {{\"reason\": one of price, trust, shipping_speed, "
    "indecision, checkout_friction; \"scenarios\": [3 objects with \"incentive\" (one of: "
    "{incentives}), \"title\" (at most 90 characters), \"body\" (at most 300), \"cta\" (at most "
    "40) and, for a coupon only, \"coupon_pct\"]}}. Write in {language}, as a native marketer "
    "of this brand would. Plain text only. Use only these facts and no other numbers: {facts}."
)
#: How long a failed generation keeps the key from being retried.
RETRY_AFTER_FAILURE_S: Final = 60.0


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    incentive: IncentiveType
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=90)]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=320)]
    cta: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    coupon_pct: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None


class Answer(msgspec.Struct, frozen=True):
    """The JSON the model must return; anything else is rejected whole."""

    reason: str
    scenarios: Annotated[list[Scenario], msgspec.Meta(min_length=1, max_length=5)]


_answer = msgspec.json.Decoder(Answer)
CacheKey = tuple[str, str, str, str]


def cache_key(ctx: Context, profile: AbandonmentProfile) -> CacheKey:
    """(store, product, reason, tone); tone = brand tier, voice, language and boldness."""
    store = ctx.store
    voice = store.tone_in_force.voice or store.voice
    named = store.tone if isinstance(store.tone, str) else "custom" if store.tone else "-"
    tone = f"{store.brand_tier}/{voice}/{named}/{ctx.locale}/{ctx.boldness:+d}"
    return (store.id, ctx.product.id if ctx.product else "-", profile.top_reason, tone)


def parse_answer(content: str) -> dict[str, Written]:
    """The model's message content as copy per incentive; raises ``ValueError`` if invalid."""
    try:
        answer = _answer.decode(content.strip().removeprefix("```json").removesuffix("```").strip())
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValueError(f"the model's answer does not match the schema: {exc}") from None
    out: dict[str, Written] = {}
    for s in answer.scenarios:
        out.setdefault(s.incentive, Written(s.title, s.body, s.cta, s.coupon_pct))
    return out


class LlmGenerator:
    """Background copy generation with a per-key cache; templates cover every miss."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        *,
        timeout_s: float = 8.0,
        cache_ttl_s: float = 3600.0,
        max_entries: int = 10_000,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)
        self._model = model
        self._timeout_s = timeout_s
        self._ttl_s = cache_ttl_s
        self._max_entries = max_entries
        self._cache: dict[CacheKey, tuple[float, dict[str, Written] | None]] = {}
        self._running: dict[CacheKey, asyncio.Task[None]] = {}
        self.failures = 0

    def lookup(self, ctx: Context, profile: AbandonmentProfile) -> dict[str, Written] | None:
        """Cached copy for this situation, or None (and a generation starts in the background)."""
        key = cache_key(ctx, profile)
        entry = self._cache.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            return entry[1]
        if key not in self._running:
            task = asyncio.create_task(self._fill(key, ctx, profile), name=f"llm:{key}")
            self._running[key] = task
            task.add_done_callback(lambda _t, k=key: self._running.pop(k, None))
        return entry[1] if entry is not None else None

    @property
    def pending(self) -> int:
        """Generations in flight (readable from any thread, e.g. a test's)."""
        return len(self._running)

    def prompt(self, ctx: Context, profile: AbandonmentProfile) -> list[dict[str, str]]:
        """The seed prompt filled in, and the output instructions with the allowed facts."""
        store, product, locale = ctx.store, ctx.product, ctx.locale
        offers = [offer for _, offer in candidate_offers(profile.reasons, ctx)]
        facts = {
            offer.incentive: values(offer, locale, store.currency) | ({"coupon_pct": str(offer.coupon_pct)} if offer.coupon_pct else {})
            for offer in offers
        }
        described = f"{product.name_in(locale)}, {product.price:g} {store.currency}" if product else "the shopper's cart"
        user = SEED_PROMPT.format(
            signals="; ".join(profile.evidence),
            product=described,
            tone=f"{store.brand_tier} brand, {store.tone_in_force.voice or store.voice} voice"
                 + (f"; {store.tone_in_force.description}" if store.tone_in_force.description else ""),
        )
        system = INSTRUCTIONS.format(
            incentives=", ".join(facts) or "survey",
            language="Turkish" if locale == "tr" else "English",
            facts=json.dumps(facts, ensure_ascii=False),
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    async def generate(self, ctx: Context, profile: AbandonmentProfile) -> dict[str, Written]:
        """Ask the model once (time-limited); raises on any failure or invalid answer."""
        payload = {
            "model": self._model,
            "messages": self.prompt(ctx, profile),
            "response_format": {"type": "json_object"},
            "temperature": 0.4,
        }
        async with asyncio.timeout(self._timeout_s):
            response = await self._client.post("/chat/completions", json=payload)
        response.raise_for_status()
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ValueError("not an OpenAI-compatible chat completion") from None
        return parse_answer(str(content))

    async def _fill(self, key: CacheKey, ctx: Context, profile: AbandonmentProfile) -> None:
        try:
            written = await self.generate(ctx, profile)
            expires = time.monotonic() + self._ttl_s
        except (httpx.HTTPError, TimeoutError, ValueError) as exc:
            self.failures += 1
            log.warning("LLM generation for %s failed, templates stay in use: %s", key, exc)
            written, expires = None, time.monotonic() + RETRY_AFTER_FAILURE_S
        if len(self._cache) >= self._max_entries:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (expires, written)

    async def close(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        await self._client.aclose()
