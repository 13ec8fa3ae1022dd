"""A shopper simulator: personas per reason, mixed motives, browsers and buyers.

Why: a store has no labelled data on day one, and developers need a stream with
known answers to compare models. Every session is generated from a persona and
emitted in the real wire format: :class:`~scorer.events.Batch` objects that can be
POSTed to ``/v1/collect``, or the :class:`~scorer.events.CollectedEvent` JSONL the
collector would have produced, so a simulation replays through the collector, the
stream and the evaluation harness alike. Events follow the snippet's grammar (page
visits opened by ``page_view``, a step leave for every checkout step, a ``cart_dwell``
per visible stretch of the cart...: see :class:`_Journey`), held by
``tests/unit/test_event_grammar.py`` to sessions recorded from the real snippet.

What makes it hard on purpose (it should not flatter the models): every shopper
emits every kind of signal at a base rate (``noise`` scales it), a persona's own
signals vary in intensity from session to session (some show almost none), price
and shipping personas also go back from the checkout step that shows costs or delivery
dates (the rules read that as friction), a share of sessions has a second motive,
and some survey answers name the second motive or another reason.

Default reason shares come from Baymard Institute's checkout-abandonment survey
("reasons for abandonments during checkout", US adults, multiple answers,
"just browsing" excluded): extra costs too high 48 % and couldn't see the total
up-front 21 % -> price; didn't trust the site with card details 25 % and
unsatisfactory returns policy 15 % -> trust; delivery too slow 23 % ->
shipping_speed; account required 26 %, too long/complicated checkout 22 %, site
errors 17 %, too few payment methods 13 %, card declined 9 % -> checkout_friction.
Baymard has no "undecided" answer: indecision gets 25 points, an assumption. The
points are normalised (price 69, trust 40, shipping 23, indecision 25, friction 87).

>>> sessions = simulate(SimulatorConfig(sessions=3, seed=7))
>>> [s.persona for s in sessions] == [s.persona for s in simulate(SimulatorConfig(sessions=3, seed=7))]
True
>>> batches = to_batches(sessions[0], write_key="wk_demo_public_0001")
>>> batches[0].write_key, batches[0].v
('wk_demo_public_0001', 1)
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import msgspec

from scorer.events import REASONS, Batch, CollectedEvent, Event, PageContext, Reason
from scorer.events import collect, encode_event

Persona = Literal["price", "trust", "shipping_speed", "indecision", "checkout_friction"]
Kind = Literal["reason", "browsing", "buyer"]

_BAYMARD_POINTS: Final[dict[Reason, float]] = {
    "price": 48 + 21,
    "trust": 25 + 15,
    "shipping_speed": 23,
    "indecision": 25,
    "checkout_friction": 26 + 22 + 17 + 13 + 9,
}
#: Default share of each reason among hesitating shoppers (Baymard, normalised).
BAYMARD_SHARES: Final[dict[Reason, float]] = {
    r: v / sum(_BAYMARD_POINTS.values()) for r, v in _BAYMARD_POINTS.items()
}

#: Poisson mean of each signal for any shopper (scaled by ``noise``), then what each
#: persona adds (scaled by the session's intensity).
BASE_RATES: Final[dict[str, float]] = {
    "price_filter": 0.15, "price_sort": 0.15, "coupon_focus": 0.1, "installment_view": 0.05,
    "tab_hidden": 0.8, "review_view": 0.6, "return_policy_view": 0.05, "warranty_view": 0.05,
    "shipping_info_open": 0.25, "cart_to_product": 0.2, "idle": 0.2, "form_error": 0.1,
    "checkout_step_leave": 0.1, "payment_failed": 0.02,
}  # fmt: skip
PERSONA_RATES: Final[dict[Reason, dict[str, float]]] = {
    "price": {"price_filter": 1.0, "price_sort": 0.8, "coupon_focus": 1.0,
              "installment_view": 0.6, "tab_hidden": 1.5, "checkout_step_leave": 0.5},
    "trust": {"review_view": 2.0, "return_policy_view": 0.9, "warranty_view": 0.5,
              "tab_hidden": 0.5},
    "shipping_speed": {"shipping_info_open": 2.0, "checkout_step_leave": 0.6},
    "indecision": {"cart_to_product": 1.5, "idle": 0.8, "tab_hidden": 0.8, "review_view": 0.6,
                   "price_filter": 0.2},
    "checkout_friction": {"form_error": 1.8, "checkout_step_leave": 1.0, "payment_failed": 0.4},
}  # fmt: skip
#: A session's intensity of its persona's signals: Gamma(shape, scale), mean 1 (some show
#: almost none); a second motive shows at SECOND_STRENGTH times it.
INTENSITY: Final = (2.0, 0.5)
SECOND_STRENGTH: Final = 0.5
#: Rate multipliers off the desktop: fewer tabs on phones, more typos on small keyboards.
MOBILE_FACTORS: Final[dict[str, float]] = {"tab_hidden": 0.5, "form_error": 1.5}
#: Signals emitted on a product page (trust shoppers emit them all on their first product).
PRODUCT_SIGNALS: Final = ("review_view", "return_policy_view", "warranty_view",
                          "shipping_info_open", "installment_view")  # fmt: skip
#: Review scroll depth, Beta(a, b): deep when trust is a motive, shallow otherwise.
REVIEW_DEPTH: Final = {"trust": (5.0, 2.0), "other": (1.5, 4.0)}
#: Product price index, log-normal(mu, sigma): dearer products when price is a motive.
PRICE_INDEX_MU: Final = {"price": 0.25, "other": 0.0}
PRICE_INDEX_SIGMA: Final = 0.3
#: Probability that a hesitating shopper who did not buy starts checkout, per persona.
CHECKOUT_ENTRY: Final[dict[str, float]] = {"checkout_friction": 0.8}
CHECKOUT_ENTRY_OTHERS: Final = 0.4
#: Steps of the simulated checkout (the last one takes the payment).
CHECKOUT_STEPS: Final = 4
#: Probability that a persona removes the dearest item from the cart.
REMOVE_DEAREST: Final[dict[str, float]] = {"price": 0.35, "indecision": 0.1}
#: ... for the other personas.
REMOVE_DEAREST_OTHERS: Final = 0.03
#: Mean visible seconds per stretch on the cart page, per persona (others: CART_DWELL_OTHERS_S).
#: The snippet sends one ``cart_dwell`` per visible stretch; each is exponential at this mean.
CART_DWELL_S: Final[dict[str, float]] = {"indecision": 100.0, "price": 35.0}
CART_DWELL_OTHERS_S: Final = 25.0
#: The snippet's idle threshold (``idleMs`` in tracker/src/config.js): each ``idle`` says this.
IDLE_MS: Final = 30_000
#: Product prices: ``PRODUCT_PRICE`` × price index × log-normal(0, PRICE_SPREAD) (currency units).
PRODUCT_PRICE: Final = 40.0
PRICE_SPREAD: Final = 0.6
#: Probability of buying in the end, by kind (reason personas: hesitant).
PURCHASE: Final[dict[str, float]] = {"reason": 0.15, "browsing": 0.03, "buyer": 0.92}


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything a simulation depends on; the same config gives the same sessions."""

    sessions: int = 1000
    seed: int = 0
    reason_shares: dict[str, float] = field(default_factory=lambda: dict(BAYMARD_SHARES))
    #: Shares of sessions that are just browsing, or buy without hesitation.
    browsing_share: float = 0.25
    buyer_share: float = 0.15
    #: Share of hesitating sessions with a second motive (half-strength signals).
    mixed_share: float = 0.2
    #: Multiplier of every shopper's base rate of stray signals.
    noise: float = 1.0
    #: Share of survey answers that name the second motive or another reason.
    answer_noise: float = 0.1
    #: Multiplier of pages viewed and time between events.
    length: float = 1.0
    device_mix: dict[str, float] = field(
        default_factory=lambda: {"mobile": 0.6, "desktop": 0.35, "tablet": 0.05}
    )
    #: Probability that a session that leaves without buying answers the survey.
    label_rate: float = 0.1
    store_id: str = "demo"
    start_ms: int = 1_735_689_600_000  # 2025-01-01T00:00:00Z
    #: Mean gap between session starts (sessions overlap in the stream).
    arrival_ms: int = 15_000


class SimEvent(msgspec.Struct, frozen=True):
    """One generated event: server time, the page it happened on, and the wire event."""

    at: int
    path: str
    page_type: str
    event: Event


class SimSession(msgspec.Struct, frozen=True):
    """A generated session and its ground truth."""

    session_id: str
    visitor_id: str
    device: str
    kind: str
    persona: str | None  # the primary reason, None for browsing and buyers
    second: str | None
    purchased: bool
    answer: str | None  # the survey answer, if the shopper gave one
    clock_skew_ms: int
    events: list[SimEvent]


def _pick(rnd: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rnd.choices(names, weights=[weights[n] for n in names])[0]


def _poisson(rnd: random.Random, mean: float) -> int:
    # Knuth's method: means here are small (< 10).
    limit, k, p = math.exp(-mean), 0, rnd.random()
    while p > limit:
        k += 1
        p *= rnd.random()
    return k


class _Journey:
    """Builds one session's events in time order, page visit by page visit, as the snippet would.

    The snippet's grammar (``tests/unit/test_event_grammar.py`` checks it against
    sessions recorded from the real snippet): a visit opens with ``page_view``, then
    ``cart_view`` on a cart page, ``cart_to_product`` on a product page reached from
    the cart, ``checkout_step_enter`` on a checkout step; leaving a page (pagehide)
    closes the visit with one ``cart_dwell`` for the cart's last visible stretch and one
    ``checkout_step_leave`` for the step, progress or not; a tab switch is ``tab_hidden``
    (closing the cart's visible stretch with a ``cart_dwell``) then ``tab_visible``.
    """

    def __init__(self, rnd: random.Random, config: SimulatorConfig, sid: str, start: int,
                 cart_dwell_s: float) -> None:  # fmt: skip
        self.rnd, self.config, self.sid = rnd, config, sid
        self.now = start
        self.events: list[SimEvent] = []
        self.cart: list[tuple[str, float]] = []
        self.cart_dwell_s = cart_dwell_s
        self.path, self.page_type = "/", "home"
        self.step: int | None = None
        self.entered = start
        self.visits = 0

    def gap(self, mean_s: float = 6.0) -> None:
        self.now += int(self.rnd.expovariate(1.0 / (mean_s * 1000 * self.config.length))) + 200

    def emit(self, kind: str, **fields) -> None:
        index = len(self.events)
        event = Event(id=f"e-{self.sid[2:]}-{index:04d}", type=kind, ts=self.now, **fields)
        self.events.append(SimEvent(self.now, self.path, self.page_type, event))
        self.gap(2.0)

    def cart_fields(self) -> dict:
        return {"cart_value": round(sum(p for _, p in self.cart), 2), "cart_items": len(self.cart)}

    def cart_stretch(self) -> None:
        """The end of a visible stretch on the cart page: its ``cart_dwell``."""
        dwell_ms = int(self.rnd.expovariate(1 / (self.cart_dwell_s * 1000)))
        self.now += dwell_ms
        self.emit("cart_dwell", dwell_ms=dwell_ms, **self.cart_fields())

    def leave(self) -> None:
        """Pagehide: what the snippet sends as the current page is left."""
        if self.visits and self.page_type == "cart":
            self.cart_stretch()
        if self.step is not None:
            self.emit("checkout_step_leave", step=self.step, dwell_ms=self.now - self.entered)

    def visit(self, path: str, page_type: str, step: int | None = None, **fields) -> None:
        """Leave the current page and open another one."""
        self.leave()
        self.path, self.page_type, self.step = path, page_type, step
        self.entered = self.now
        self.visits += 1
        if page_type == "cart":
            fields |= self.cart_fields()
        self.emit("page_view", page_type=page_type, step=step, **fields)
        if page_type == "cart":
            self.emit("cart_view", **self.cart_fields())
        if step is not None:
            self.emit("checkout_step_enter", step=step)

    def tab_switch(self) -> None:
        self.emit("tab_hidden")
        if self.page_type == "cart":
            self.cart_stretch()
        hidden = self.now
        self.gap(20.0)
        self.emit("tab_visible", dwell_ms=self.now - hidden)


def _session(config: SimulatorConfig, index: int) -> SimSession:
    rnd = random.Random(f"cartcoach-sim:{config.seed}:{index}")
    sid = f"s-{config.seed}-{index:07d}"
    start = config.start_ms + int(index * config.arrival_ms + rnd.uniform(0, config.arrival_ms))
    device = _pick(rnd, config.device_mix)
    roll = rnd.random()
    kind: Kind = (
        "browsing" if roll < config.browsing_share
        else "buyer" if roll < config.browsing_share + config.buyer_share
        else "reason"
    )  # fmt: skip
    persona = second = None
    if kind == "reason":
        persona = _pick(rnd, config.reason_shares)
        others = {r: w for r, w in config.reason_shares.items() if r != persona and w > 0}
        if others and rnd.random() < config.mixed_share:
            second = _pick(rnd, others)

    # Signal counts: the base rate for everyone, plus the persona's, varying in intensity.
    intensity = rnd.gammavariate(*INTENSITY)
    rates = {s: r * config.noise for s, r in BASE_RATES.items()}
    for motive, strength in ((persona, intensity), (second, SECOND_STRENGTH * intensity)):
        for signal, rate in PERSONA_RATES.get(motive, {}).items() if motive else ():
            rates[signal] = rates.get(signal, 0.0) + rate * strength
    if device != "desktop":
        for signal, factor in MOBILE_FACTORS.items():
            rates[signal] *= factor
    counts = {s: _poisson(rnd, r) for s, r in rates.items()}

    cart_dwell_s = max(CART_DWELL_S.get(persona or "", CART_DWELL_OTHERS_S), CART_DWELL_S.get(second or "", 0))
    j = _Journey(rnd, config, sid, start, cart_dwell_s)
    j.visit("/", "home")
    j.visit("/c/all", "listing")
    for _ in range(counts.pop("price_filter")):
        j.emit("price_filter")
    for _ in range(counts.pop("price_sort")):
        j.emit("price_sort")

    products = []
    for p in range(max(1, round(rnd.uniform(1, 4) * config.length))):
        pid = f"p{rnd.randrange(500):03d}"
        mu = PRICE_INDEX_MU["price" if "price" in (persona, second) else "other"]
        price_index = rnd.lognormvariate(mu, PRICE_INDEX_SIGMA)
        price = round(PRODUCT_PRICE * price_index * rnd.lognormvariate(0, PRICE_SPREAD), 2)
        products.append((pid, price))
    # Product-page signals land on the products viewed (trust rereads the same one).
    on_product: list[list[tuple[str, dict]]] = [[] for _ in products]
    for signal in PRODUCT_SIGNALS:
        for _ in range(counts.pop(signal)):
            at = 0 if persona == "trust" else rnd.randrange(len(products))
            extra = {}
            if signal == "review_view":
                depth = rnd.betavariate(*REVIEW_DEPTH["trust" if "trust" in (persona, second) else "other"])
                extra = {"depth": round(depth, 3), "dwell_ms": 1000 + int(depth * rnd.uniform(5e3, 6e4))}
            on_product[at].append((signal, extra))
    wanted = products if kind != "browsing" else products[:1]
    if kind == "browsing" and rnd.random() < 0.6:
        wanted = []
    wanted = wanted[: max(1, len(wanted) - rnd.randrange(2))]
    for (pid, price), signals in zip(products, on_product):
        j.visit(f"/p/{pid}", "product", product_id=pid, price=price)
        for signal, extra in signals:
            j.emit(signal, product_id=pid, price=price, **extra)
        if (pid, price) in wanted:
            j.cart.append((pid, price))
            j.emit("cart_add", product_id=pid, price=price, quantity=1, **j.cart_fields())

    purchased = rnd.random() < PURCHASE[kind] and bool(j.cart)
    if j.cart:
        j.visit("/cart", "cart")
        for _ in range(counts.pop("coupon_focus")):
            j.emit("coupon_focus", **j.cart_fields())
        for _ in range(counts.pop("cart_to_product")):
            pid, price = rnd.choice(products)
            j.visit(f"/p/{pid}", "product", product_id=pid, price=price)
            j.emit("cart_to_product", product_id=pid)
            j.visit("/cart", "cart")
        remove_p = (REMOVE_DEAREST.get(persona or "", REMOVE_DEAREST_OTHERS)
                    + 0.5 * REMOVE_DEAREST.get(second or "", 0))  # fmt: skip
        if len(j.cart) > 1 and rnd.random() < remove_p:
            dearest = max(j.cart, key=lambda item: item[1])
            j.cart.remove(dearest)
            j.emit("cart_remove", product_id=dearest[0], price=dearest[1], quantity=1, **j.cart_fields())
    for _ in range(counts.pop("idle")):
        j.emit("idle", dwell_ms=IDLE_MS)
    for _ in range(counts.pop("tab_hidden")):
        j.tab_switch()

    # Checkout: buyers go through; price and shipping shoppers go back from the step
    # where costs and dates appear; friction shoppers stumble on forms and payment.
    # A step left backwards (to the step before, or to the cart from the first) and
    # entered again is the snippet's "step exit": every step left sends a step leave.
    in_checkout = bool(j.cart) and (
        purchased or kind == "buyer" or rnd.random() < CHECKOUT_ENTRY.get(persona or "", CHECKOUT_ENTRY_OTHERS)
    )
    back_steps, errors, failures = (counts.pop(s) for s in ("checkout_step_leave", "form_error", "payment_failed"))
    if in_checkout:
        last_step = CHECKOUT_STEPS if purchased else rnd.randint(1, CHECKOUT_STEPS)
        for step in range(1, last_step + 1):
            j.visit(f"/checkout/{step}", "checkout", step=step)
            for _ in range(errors if step == min(last_step, 2) else 0):
                j.emit("form_error", field=rnd.choice(["email", "phone", "postcode", "card"]), error="invalid")
        for _ in range(back_steps if not purchased else 0):
            if last_step > 1:
                j.visit(f"/checkout/{last_step - 1}", "checkout", step=last_step - 1)
            else:
                j.visit("/cart", "cart")
            j.visit(f"/checkout/{last_step}", "checkout", step=last_step)
        if failures and last_step >= 3:
            for _ in range(failures):
                j.emit("payment_failed", step=last_step)
    answer = None
    if purchased:
        amount = sum(p for _, p in j.cart)
        j.visit("/thank-you", "thank_you")
        j.emit("purchase", order_id=f"o-{sid[2:]}", amount=round(amount, 2))
    else:
        j.emit("exit_intent")
        # The snippet asks for an overlay (the survey here) only with something in the cart.
        if j.cart and rnd.random() < config.label_rate:
            j.emit("overlay_impression", experiment="survey", arm="survey")
            answer = persona or "other"
            if persona and rnd.random() < config.answer_noise:
                answer = second or rnd.choice(REASONS)
            j.emit("survey_answer", experiment="survey", answer=answer)
    j.leave()  # the tab closes, or the shopper goes elsewhere
    return SimSession(
        session_id=sid,
        visitor_id=f"v-{config.seed}-{index:07d}",
        device=device,
        kind=kind,
        persona=persona,
        second=second,
        purchased=purchased,
        answer=answer,
        clock_skew_ms=int(rnd.gauss(0, 60_000)),
        events=j.events,
    )


def simulate(config: SimulatorConfig) -> list[SimSession]:
    """Generate ``config.sessions`` sessions, deterministically from ``config.seed``."""
    return [_session(config, i) for i in range(config.sessions)]


def to_batches(session: SimSession, write_key: str, max_events: int = 20) -> list[Batch]:
    """The batches the snippet would send: one per page visit (split at ``max_events``).

    ``ts`` and ``sent_at`` are on the shopper's clock (``clock_skew_ms`` off the server's).
    """
    batches: list[Batch] = []
    run: list[SimEvent] = []
    for sim in [*session.events, None]:
        if run and (sim is None or sim.path != run[0].path or len(run) == max_events):
            skew = session.clock_skew_ms
            batches.append(
                Batch(
                    v=1,
                    write_key=write_key,
                    visitor_id=session.visitor_id,
                    session_id=session.session_id,
                    sent_at=run[-1].at + skew + 300,
                    page=PageContext(path=run[0].path, type=run[0].page_type, device=session.device),
                    events=[msgspec.structs.replace(e.event, ts=e.event.ts + skew) for e in run],
                )
            )
            run = []
        if sim is not None:
            run.append(sim)
    return batches


def collected(sessions: Iterable[SimSession], store_id: str = "demo") -> Iterator[CollectedEvent]:
    """What the collector would emit, in order of arrival (batches reach it 80 ms after sending)."""
    arrivals = []
    for session in sessions:
        for batch in to_batches(session, write_key="wk_simulator_0001"):
            received = batch.sent_at - session.clock_skew_ms + 80
            arrivals.append((received, batch.session_id, batch))
    arrivals.sort(key=lambda item: (item[0], item[1]))
    for received, _, batch in arrivals:
        yield from collect(batch, store_id, received)


def write_jsonl(sessions: Iterable[SimSession], path: str | Path, store_id: str = "demo") -> int:
    """Write collected events as JSONL (one ``CollectedEvent`` a line); return the count."""
    n = 0
    with open(path, "wb") as out:
        for event in collected(sessions, store_id):
            out.write(encode_event(event) + b"\n")
            n += 1
    return n
