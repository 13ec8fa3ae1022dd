"""The stores file: keys, origins, brand tone, campaign policy, experiment and product data.

Validated at start-up; a mistake stops the process with a message naming the field
(``$.stores[0].policy.max_coupon_pct``), because a store that silently fell back to
defaults could hand out discounts its owner never allowed. Every field is described
for store owners in ``docs/stores.md``.

Why the policy sits next to the keys: the scenario engine's guardrails read nothing
else. Whatever a template or a language model proposes, the policy here decides what
reaches a shopper.

>>> registry = StoreRegistry.from_yaml_text('''
... stores:
...   - id: shop
...     write_key: wk_shop_0001
...     secret_key: sk_shop_0001
...     allowed_origins: [https://shop.example]
... ''')
>>> registry.by_write_key("wk_shop_0001").id
'shop'
>>> registry.by_write_key("nope") is None
True
>>> registry.by_id("shop").policy.max_coupon_pct
0.0
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import yaml
from limits import parse_many

from nudges import tones
from nudges.campaign_rules import CampaignRule, RuleError, check_rules
from nudges.flow_definitions import FlowsConfig, check_flows
from nudges.tones import Tone

Origin = Annotated[str, msgspec.Meta(pattern=r"^https?://[^/\s]+$")]
Key = Annotated[str, msgspec.Meta(min_length=8, max_length=64)]
StoreId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
ExperimentName = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]
Money = Annotated[float, msgspec.Meta(ge=0, le=10**9)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
SameOriginPath = Annotated[str, msgspec.Meta(pattern=r"^/(?!/)[^\s<>\"']{0,200}$")]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]

Locale = Literal["tr", "en"]
BrandTier = Literal["premium", "standard", "value"]
Voice = Literal["formal", "friendly"]
#: Every incentive the scenario engine knows (see ``nudges.incentives``).
IncentiveType = Literal[
    "delivery_promise",
    "delivery_date",
    "free_express_shipping",
    "free_shipping_threshold",
    "reviews",
    "return_guarantee",
    "warranty",
    "low_stock",
    "price_lock",
    "installments",
    "coupon",
    "guest_checkout",
    "saved_cart",
    "help",
    "premium_story",
    "survey",
]
INCENTIVE_TYPES: tuple[str, ...] = IncentiveType.__args__  # type: ignore[attr-defined]


class Installments(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Card installments the store offers, e.g. 6 months without interest over 1,000 TRY."""

    max_months: Annotated[int, msgspec.Meta(ge=2, le=36)]
    interest_free: bool = True
    min_amount: Money = 0.0
    #: What the store pays the bank per order for interest-free installments (% of the order).
    cost_pct: Percent = 0.0


class Policy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the store allows the coach to offer. Everything off unless the owner turns it on."""

    allowed_incentives: list[IncentiveType] = msgspec.field(
        default_factory=lambda: [
            "delivery_promise",
            "delivery_date",
            "reviews",
            "return_guarantee",
            "warranty",
            "low_stock",
            "guest_checkout",
            "saved_cart",
            "help",
            "premium_story",
            "survey",
        ]
    )
    max_coupon_pct: Percent = 0.0
    #: Show overlays to shoppers with an empty cart (off: nothing to recover yet).
    overlay_empty_cart: bool = False
    #: Show overlays to profiles no hesitation signal has moved (off: we would only guess).
    overlay_without_evidence: bool = False
    #: Order value from which shipping is free (None: no such offer).
    free_shipping_threshold: Money | None = None
    #: What one express delivery costs the store, charged as the incentive's cost.
    express_shipping_cost: Money = 0.0
    installments: Installments | None = None
    #: Lowest gross margin (% of the selling price) any discount may leave.
    margin_floor_pct: Percent = 0.0
    #: How long a coupon stays valid once offered.
    coupon_valid_hours: Annotated[int, msgspec.Meta(ge=1, le=720)] = 48
    price_lock_allowed: bool = False
    price_lock_hours: Annotated[int, msgspec.Meta(ge=1, le=72)] = 24
    #: At or below this many units a product is "low stock" (scarcity may be said, truthfully).
    low_stock_units: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    #: At or above this many units a product is overstocked (bolder offers allowed).
    overstock_units: Annotated[int, msgspec.Meta(ge=1, le=10**7)] = 200


ReviewText = Annotated[str, msgspec.Meta(min_length=1, max_length=280)]


class Review(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A review as the store has it; ``text`` may be one string or one per locale."""

    author: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    text: ReviewText | dict[Locale, ReviewText]

    def in_locale(self, locale: str) -> Review | None:
        """The review as shown in ``locale``; None if it has no text in that language."""
        if isinstance(self.text, str):
            return self
        text = self.text.get(locale)  # type: ignore[call-overload]
        return None if text is None else Review(self.author, self.rating, text)


class Delivery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The delivery promise: ordered before ``cutoff`` on a working day, it ships the next day."""

    ships_next_day: bool = False
    cutoff: HourMinute = "15:00"
    #: Working days from order to the door (standard shipping).
    delivery_days: Annotated[int, msgspec.Meta(ge=0, le=60)] | None = None
    express_days: Annotated[int, msgspec.Meta(ge=0, le=30)] | None = None


class Facts(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Store-wide facts the nudges may cite; a product's own facts override them."""

    delivery: Delivery | None = None
    return_days: Annotated[int, msgspec.Meta(ge=0, le=365)] | None = None
    free_returns: bool = False
    warranty_years: Annotated[int, msgspec.Meta(ge=0, le=30)] | None = None
    reviews: Annotated[list[Review], msgspec.Meta(max_length=20)] = []
    #: Store rating and how many ratings it rests on (e.g. from a review platform).
    rating: Annotated[float, msgspec.Meta(ge=1, le=5)] | None = None
    rating_count: Annotated[int, msgspec.Meta(ge=0)] = 0
    #: Short quality points for premium content ("hand-finished Italian leather").
    highlights: Annotated[list[Annotated[str, msgspec.Meta(max_length=80)]], msgspec.Meta(max_length=5)] = []
    checkout_path: SameOriginPath = "/checkout"
    cart_path: SameOriginPath = "/cart"
    help_path: SameOriginPath | None = None
    guest_checkout: bool = False


class SpecialDay(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename={"start": "from", "end": "to"}):
    """A dated period (a sale, a holiday) that makes offers bolder or calmer."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    start: date
    end: date
    #: +1 bolder (a sale week), -1 calmer (a day of mourning, a quiet season).
    tone: Literal[-1, 1] = 1

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Experiment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The running experiment: a holdout that sees nothing and three arms (variant ranks)."""

    name: ExperimentName = "nudges-v1"
    #: Share of sessions that see nothing (the baseline every uplift is measured against).
    holdout: Annotated[float, msgspec.Meta(ge=0.0, lt=1.0)] = 0.10
    #: Relative weights of the arms showing variant 1, 2 and 3 (normalised).
    weights: Annotated[list[Annotated[float, msgspec.Meta(ge=0)]], msgspec.Meta(min_length=3, max_length=3)] = msgspec.field(
        default_factory=lambda: [1.0, 1.0, 1.0]
    )
    #: A purchase this long after the overlay decision still counts as recovered.
    attribution_window_h: Annotated[float, msgspec.Meta(gt=0, le=24 * 30)] = 24.0
    #: After an overlay, the same session sees no other for this long.
    cooldown_min: Annotated[float, msgspec.Meta(ge=0, le=24 * 60)] = 30.0
    #: Profiles below this top-reason confidence get nothing (nothing worth saying yet).
    min_confidence: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.35
    #: Gross margin used to turn revenue into margin in the report (% of revenue).
    report_margin_pct: Percent = 30.0
    #: ``fixed``: the arms show the engine's variants 1-3 (the default). ``learning``: the
    #: non-holdout share is one arm whose incentive a contextual bandit picks among those
    #: the policy allows (see docs/evaluation.md, "Learning which nudge works").
    policy: Literal["fixed", "learning"] = "fixed"
    #: Learning only: the share of decisions that explore (at most 20 %; a policy_model keeps its own).
    exploration: Annotated[float, msgspec.Meta(ge=0.0, le=0.2)] = 0.05
    #: Learning only: a model trained offline (``cartcoach policy train``); None starts fresh.
    policy_model: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None


#: A rate in the ``limits`` library's notation: "120/minute", "10 per second; 600 per hour".
RateSpec = Annotated[str, msgspec.Meta(min_length=3, max_length=100)]


class RateLimits(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Requests one client may make before it gets 429 with Retry-After.

    A client is one address as the server sees it (behind a proxy, run uvicorn with
    ``--proxy-headers``). ``collect`` and ``overlay`` count per write key and client,
    ``secret`` per store and client on every secret-key route (outcomes, reports, the
    dashboard's JSON and stream, the flows' contacts and outbox); ``overlay`` also counts
    ``/v1/identify`` and the flows' links (open, click, unsubscribe). Defaults leave room for a busy shopper and a store's
    back end reporting orders from one server.
    """

    collect: RateSpec = "600/minute"
    overlay: RateSpec = "120/minute"
    secret: RateSpec = "1200/minute"


class CatalogueSource(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where product data comes from: a file (relative to the stores file) or a feed URL."""

    file: str | None = None
    url: Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$")] | None = None
    refresh_s: Annotated[float, msgspec.Meta(ge=1, le=86400)] = 300.0


class Store(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One store as configured."""

    id: StoreId
    write_key: Key
    secret_key: Key
    allowed_origins: list[Origin]
    locale: Locale = "en"
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "TRY"
    brand_tier: BrandTier = "standard"
    voice: Voice = "friendly"
    #: A tone from the library by name (``warm``, ``concise``, ``premium``, ``playful``,
    #: ``expert``) or a copy with overrides (``{like: premium, cta: {en: ...}}``); None:
    #: the templates in ``voice`` unchanged. See ``docs/tones-and-rules.md``.
    tone: str | Tone | None = None
    policy: Policy = msgspec.field(default_factory=Policy)
    facts: Facts = msgspec.field(default_factory=Facts)
    calendar: list[SpecialDay] = []
    experiment: Experiment = msgspec.field(default_factory=Experiment)
    catalogue: CatalogueSource | None = None
    #: Also allow the origins this cartcoach server is reached at, whatever host and
    #: port it binds (the demo store it serves itself: ``cartcoach serve --port 8101``).
    allow_own_origin: bool = False
    #: The largest cart value (and the price of a product the catalogue lacks) a browser
    #: may report, in the store's currency; above it a batch is refused (422).
    max_cart_value: Money = 100_000.0
    #: This store's rate limits (None: the file's ``rate_limits``).
    rate_limits: RateLimits | None = None
    #: Follow-up messages after the shopper left (``docs/flows.md``).
    flows: FlowsConfig = msgspec.field(default_factory=FlowsConfig)
    #: Campaign rules, checked in order at every decision (``docs/tones-and-rules.md``).
    rules: Annotated[list[CampaignRule], msgspec.Meta(max_length=100)] = []

    def allows_origin(self, origin: str) -> bool:
        return origin in self.allowed_origins

    @property
    def rates(self) -> RateLimits:
        """The rate limits in force (the store's own, else the file's, else the defaults)."""
        return self.rate_limits or RateLimits()

    @property
    def tone_in_force(self) -> Tone:
        """The resolved tone the copy is written in (the library's, overridden, or plain ``voice``)."""
        return tones.resolve(self.tone, self.voice)


class StoresFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stores: Annotated[list[Store], msgspec.Meta(min_length=1)]
    #: Rate limits of every store that sets none of its own.
    rate_limits: RateLimits = msgspec.field(default_factory=RateLimits)
    #: Requests per client with a missing or wrong key (write or secret), all routes
    #: together: what makes guessing a secret key hopeless.
    unauthenticated_rate_limit: RateSpec = "60/minute"


class StoresFileError(ValueError):
    """The stores file is wrong; the message names the file and the field."""


def _check(store: Store, where: str) -> None:
    """What a schema cannot say: cross-field rules, each naming its field."""
    policy = store.policy
    if store.brand_tier == "premium" and "coupon" in policy.allowed_incentives:
        raise StoresFileError(
            f"{where}.policy.allowed_incentives: a premium brand never offers coupons; "
            "remove 'coupon' or change brand_tier"
        )
    if "coupon" in policy.allowed_incentives and policy.max_coupon_pct <= 0:
        raise StoresFileError(f"{where}.policy.max_coupon_pct: 'coupon' is allowed but the maximum is 0")
    if "installments" in policy.allowed_incentives and policy.installments is None:
        raise StoresFileError(f"{where}.policy.installments: 'installments' is allowed but no terms are given")
    if "price_lock" in policy.allowed_incentives and not policy.price_lock_allowed:
        raise StoresFileError(f"{where}.policy.price_lock_allowed: 'price_lock' is allowed but price_lock_allowed is false")
    if "free_shipping_threshold" in policy.allowed_incentives and policy.free_shipping_threshold is None:
        raise StoresFileError(f"{where}.policy.free_shipping_threshold: the incentive is allowed but no threshold is set")
    if policy.overstock_units <= policy.low_stock_units:
        raise StoresFileError(f"{where}.policy.overstock_units: must be above low_stock_units")
    if sum(store.experiment.weights) <= 0:
        raise StoresFileError(f"{where}.experiment.weights: at least one arm needs a positive weight")
    for j, day in enumerate(store.calendar):
        if day.end < day.start:
            raise StoresFileError(f"{where}.calendar[{j}].to: ends before it starts")
    if store.catalogue is not None and (store.catalogue.file is None) == (store.catalogue.url is None):
        raise StoresFileError(f"{where}.catalogue: give exactly one of file or url")
    try:
        check_flows(store.flows, f"{where}.flows")
    except ValueError as exc:
        raise StoresFileError(str(exc)) from None
    if store.rate_limits is not None:
        _check_rates(store.rate_limits, f"{where}.rate_limits")
    try:
        tones.check(store.tone, f"{where}.tone")
        check_rules(store.rules, list(policy.allowed_incentives), INCENTIVE_TYPES, f"{where}.rules", tones.check)
    except (ValueError, RuleError) as exc:
        raise StoresFileError(str(exc)) from None


def check_store(raw: object, source: str = "settings") -> Store:
    """One store's document through exactly the stores file's rules: the schema, then the
    cross-field checks. The dashboard's settings page saves through this, so a value the
    file would refuse is refused there too, with the same message naming the field.

    >>> try:
    ...     check_store({"id": "shop", "write_key": "wk_shop_0001", "secret_key": "sk_shop_0001",
    ...                  "allowed_origins": [], "brand_tier": "premium",
    ...                  "policy": {"allowed_incentives": ["coupon"], "max_coupon_pct": 10}})
    ... except StoresFileError as exc:
    ...     print(exc)
    settings: $.policy.allowed_incentives: a premium brand never offers coupons; remove 'coupon' or change brand_tier
    """
    try:
        store = msgspec.convert(raw, Store)
    except msgspec.ValidationError as exc:
        raise StoresFileError(f"{source}: {exc}") from None
    _check(store, f"{source}: $")
    if store.rate_limits is not None:
        _check_rates(store.rate_limits, f"{source}: $.rate_limits")
    return store


def _check_rate(spec: str, where: str) -> None:
    try:
        parse_many(spec)
    except ValueError:
        raise StoresFileError(f"{where}: {spec!r} is not a rate like '120/minute' or '10 per second'") from None


def _check_rates(limits: RateLimits, where: str) -> None:
    for name in limits.__struct_fields__:
        _check_rate(getattr(limits, name), f"{where}.{name}")


def _parse_text(text: str, source: str) -> object:
    if source.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoresFileError(f"{source}: not valid JSON: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StoresFileError(f"{source}: not valid YAML: {exc}") from None


class StoreRegistry:
    """Look-ups by id, write key and secret key over the validated stores file."""

    def __init__(self, stores: list[Store], unauthenticated_rate_limit: str = "60/minute") -> None:
        self.unauthenticated_rate_limit = unauthenticated_rate_limit
        self._by_id = {s.id: s for s in stores}
        self._by_write_key = {s.write_key: s for s in stores}
        self._by_secret_key = {s.secret_key: s for s in stores}
        if len(self._by_id) != len(stores):
            raise StoresFileError("stores: two stores share an id")
        if len(self._by_write_key) != len(stores):
            raise StoresFileError("stores: two stores share a write_key")
        if len(self._by_secret_key) != len(stores):
            raise StoresFileError("stores: two stores share a secret_key")
        if self._by_write_key.keys() & self._by_secret_key.keys():
            raise StoresFileError("stores: a write_key is also used as a secret_key")

    @classmethod
    def from_yaml_text(
        cls,
        text: str,
        source: str = "<stores>",
        base: Path | None = None,
        own_origins: tuple[str, ...] = (),
    ) -> StoreRegistry:
        """Parse YAML (or JSON, which is YAML too; a ``.json`` source is read as JSON).

        ``own_origins`` (where this server is reached) are added to the stores that
        set ``allow_own_origin``.
        """
        raw = _parse_text(text, source)
        if isinstance(raw, dict) and "stores" not in raw and "id" in raw:
            raw = {"stores": [raw]}  # one store on its own
        try:
            parsed = msgspec.convert(raw, StoresFile)
        except msgspec.ValidationError as exc:
            raise StoresFileError(f"{source}: {exc}") from None
        _check_rates(parsed.rate_limits, f"{source}: $.rate_limits")
        _check_rate(parsed.unauthenticated_rate_limit, f"{source}: $.unauthenticated_rate_limit")
        stores = []
        for i, store in enumerate(parsed.stores):
            _check(store, f"{source}: $.stores[{i}]")
            if store.catalogue is not None and store.catalogue.file is not None:
                path = Path(store.catalogue.file)
                if not path.is_absolute():  # relative to the stores file, not to the cwd
                    path = (base or Path.cwd()) / path
                source_ = msgspec.structs.replace(store.catalogue, file=str(path))
                store = msgspec.structs.replace(store, catalogue=source_)
            if store.allow_own_origin:
                extra = [o for o in own_origins if o not in store.allowed_origins]
                store = msgspec.structs.replace(store, allowed_origins=[*store.allowed_origins, *extra])
            if store.rate_limits is None:
                store = msgspec.structs.replace(store, rate_limits=parsed.rate_limits)
            stores.append(store)
        return cls(stores, parsed.unauthenticated_rate_limit)

    @classmethod
    def from_file(cls, path: Path, own_origins: tuple[str, ...] = ()) -> StoreRegistry:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StoresFileError(f"{path}: cannot read the stores file: {exc}") from None
        return cls.from_yaml_text(text, str(path), base=path.resolve().parent, own_origins=own_origins)

    def replace_with(self, other: StoreRegistry) -> None:
        """Serve ``other``'s stores from now on (a reloaded file); holders keep this object.

        Stores are frozen and each look-up reads one dict, so a request sees a store as
        it was before or after the change, never half of each.
        """
        vars(self).update(vars(other))  # every look-up table at once, whatever they are

    def by_write_key(self, key: str) -> Store | None:
        return self._by_write_key.get(key)

    def by_secret_key(self, key: str) -> Store | None:
        return self._by_secret_key.get(key)

    def by_id(self, store_id: str) -> Store | None:
        return self._by_id.get(store_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def origin_allowed_anywhere(self, origin: str) -> bool:
        """Used before the body (and so the store) is known, e.g. for preflights."""
        return any(store.allows_origin(origin) for store in self._by_id.values())
