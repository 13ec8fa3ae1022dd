"""The decision log: what each decision saw and could do, and the reward its outcomes earned.

Why the context travels on the decision event: a policy can only be evaluated (or
learnt) offline from what the decision knew at the time, not from what is known later.
So every ``overlay_decision`` carries, in its ``props``: the reason probabilities, risk,
cart value, brand tier, stock level, boldness, device, the actions it could take
(``none`` first: the holdout), the probability its policy gave each, their costs and
the scenario engine's score of each. :func:`join` reads any JSONL of collected events
(decisions, purchases, refunds, in any order) and pairs each decision with the reward
its outcomes earned within its attribution window: the delayed reward.

Attribution follows the experiment ledger (``nudges/ledger.py``): a purchase goes to
the visitor's latest decision whose window covers it; an order counts once; a refund
takes its amount back. Reward = (revenue − refunded) × margin − the incentive's cost
when bought.

>>> from nudges.learning.bandit import PolicyContext
>>> ctx = PolicyContext({"trust": 0.9, "price": 0.1}, 0.9, 0.6, 250.0, "standard", "normal", 0,
...     "mobile", "exit_intent", True)
>>> props = decision_props(ctx, [Action("reviews", "trust", 0.0, 0.9)], [0.1, 0.9])
>>> props["actions"], props["probs"], props["reasons"]
('none,reviews', '0.1,0.9', '0.1,0.9,0,0,0')
>>> read_context(props, {"confidence": 0.9, "trigger": "exit_intent"}).reasons["trust"]
0.9
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from nudges.incentives import REASON_OF
from nudges.learning.bandit import Action, PolicyContext
from nudges.learning.offpolicy import Logged
from scorer.events import REASONS, CollectedEvent

NONE = "none"


def _floats(text: object) -> list[float]:
    return [float(x) for x in str(text).split(",")] if text not in (None, "") else []


def _num(value: float) -> str:
    return f"{round(value, 6):g}"


def decision_props(ctx: PolicyContext, actions: list[Action], probs: list[float]) -> dict[str, str | int | float | bool]:
    """The props a decision adds so it can be evaluated offline: ``probs`` has one entry
    per action with ``none`` (the holdout) first."""
    if len(probs) != len(actions) + 1:
        raise ValueError("probs: one per action, the holdout's first")
    return {
        "reasons": ",".join(_num(ctx.reasons.get(r, 0.0)) for r in REASONS),
        "risk": round(ctx.risk, 4),
        "cart": round(ctx.cart_value, 2),
        "tier": ctx.brand_tier,
        "stock": ctx.stock_level or "unknown",
        "bold": ctx.boldness,
        "device": ctx.device or "unknown",
        "coupon_ok": ctx.coupon_eligible,
        "actions": ",".join([NONE, *(a.incentive for a in actions)]),
        "probs": ",".join(_num(p) for p in probs),
        "costs": ",".join(_num(a.cost) for a in actions),
        "priors": ",".join(_num(a.prior) for a in actions),
    }


def read_context(props: dict, extra: dict) -> PolicyContext:
    """The :class:`PolicyContext` a decision logged (``extra``: its confidence and trigger)."""
    values = _floats(props.get("reasons"))
    reasons = dict(zip(REASONS, values, strict=False))
    stock = props.get("stock")
    device = props.get("device")
    return PolicyContext(
        reasons=reasons,
        confidence=float(extra.get("confidence", max(values, default=0.0))),
        risk=float(props.get("risk", 0.0)),
        cart_value=float(props.get("cart", 0.0)),
        brand_tier=str(props.get("tier", "standard")),
        stock_level=None if stock in (None, "unknown") else str(stock),
        boldness=int(props.get("bold", 0)),
        device=None if device in (None, "unknown") else str(device),
        channel=str(extra["trigger"]) if extra.get("trigger") else None,
        coupon_eligible=bool(props.get("coupon_ok", True)),
    )


class Example(NamedTuple):
    """A learning decision as the bandit learns it: what it saw, could do and did, and how likely."""

    context: PolicyContext
    actions: list[Action]
    chosen: int
    #: The bandit's own probability of the chosen action (the holdout's share taken out).
    probability: float
    #: Its probability of showing a coupon, likewise.
    coupon_probability: float = 0.0


def _actions(props: dict, names: list[str]) -> list[Action]:
    costs, priors = _floats(props.get("costs")), _floats(props.get("priors"))
    return [
        Action(name, REASON_OF.get(name, "indecision"), costs[i] if i < len(costs) else 0.0,
               priors[i] if i < len(priors) else 0.0)
        for i, name in enumerate(names)
    ]


def example_of(props: dict, incentive: str, propensity: float) -> Example | None:
    """The bandit's example from a learning decision's props (None if it chose no action).

    >>> ctx = PolicyContext({"trust": 0.9}, 0.9, 0.6, 250.0, "standard", None, 0, None, "exit_intent", True)
    >>> props = decision_props(ctx, [Action("reviews", "trust", 0.0), Action("help", "checkout_friction", 0.0)],
    ...     [0.1, 0.6, 0.3])
    >>> ex = example_of(props, "help", 0.3)
    >>> ex.chosen, round(ex.probability, 4), [a.incentive for a in ex.actions]
    (1, 0.3333, ['reviews', 'help'])
    """
    names = str(props.get("actions", "")).split(",")
    probs = _floats(props.get("probs"))
    if len(probs) != len(names) or names[0] != NONE or incentive not in names[1:] or probs[0] >= 1.0:
        return None
    probability = min(1.0, propensity / (1.0 - probs[0]))
    if probability <= 0.0:
        return None
    return Example(read_context(props, props), _actions(props, names[1:]), names.index(incentive) - 1, probability,
                   coupon_chance(names, probs))


def coupon_chance(actions: list[str], probs: list[float]) -> float:
    """The logged chance that a decision showed a coupon, the holdout's (first) share taken out.

    >>> coupon_chance(["none", "coupon", "reviews"], [0.1, 0.45, 0.45])
    0.5
    """
    if len(probs) != len(actions) or "coupon" not in actions or probs[0] >= 1.0:
        return 0.0
    return probs[actions.index("coupon")] / (1.0 - probs[0])


class Joined(NamedTuple):
    """A logged decision, what it saw, and the reward joined from its outcomes."""

    decision_id: str
    context: PolicyContext
    #: The actions besides ``none`` (the holdout), as the learning policy sees them.
    actions: list[Action]
    logged: Logged
    #: Who it spoke to and when (the coupon-waiting charge compares visitors' later visits).
    visitor: str = ""
    at: int = 0


def join(events: Iterable[CollectedEvent], margin_pct: float) -> list[Joined]:
    """Decisions (with logged actions) paired with their net-margin reward, in time order."""
    decisions: list[CollectedEvent] = []
    purchases: list[CollectedEvent] = []
    refunded: dict[tuple[str, str], float] = defaultdict(float)
    seen_refunds: set[tuple[str, str]] = set()
    for event in events:
        if event.type == "overlay_decision" and event.props and "actions" in event.props:
            decisions.append(event)
        elif event.type == "purchase" and event.order_id is not None:
            purchases.append(event)
        elif event.type == "refund" and event.order_id is not None:
            key = (event.store_id, event.order_id)
            if key not in seen_refunds:
                seen_refunds.add(key)
                refunded[key] += event.amount or 0.0
    decisions.sort(key=lambda e: e.at)
    by_visitor: dict[tuple[str, str], list[CollectedEvent]] = defaultdict(list)
    for d in decisions:
        by_visitor[(d.store_id, d.visitor_id)].append(d)
    revenue: dict[str, float] = defaultdict(float)
    bought: set[str] = set()
    counted: set[tuple[str, str]] = set()
    for p in sorted(purchases, key=lambda e: e.at):
        key = (p.store_id, p.order_id or "")
        if key in counted:
            continue  # an order reported twice counts once
        counted.add(key)
        covering = [
            d for d in by_visitor.get((p.store_id, p.visitor_id), [])
            if d.at <= p.at <= d.at + int((d.props or {}).get("window_s", 86_400)) * 1000
        ]
        if covering:
            latest = covering[-1]
            revenue[latest.id] += max(0.0, (p.amount or 0.0) - refunded.get(key, 0.0))
            bought.add(latest.id)
    out = []
    margin = margin_pct / 100
    for d in decisions:
        props = d.props or {}
        names = str(props["actions"]).split(",")
        probs = _floats(props.get("probs"))
        if len(probs) != len(names) or names[0] != NONE:
            continue  # not a decision this module wrote
        chosen_name = d.incentive if d.incentive in names else NONE
        chosen = names.index(chosen_name)
        cost = float(props.get("cost", 0.0)) if d.id in bought else 0.0
        reward = revenue.get(d.id, 0.0) * margin - cost
        actions = _actions(props, names[1:])
        context = read_context(props, props)
        top = max(context.reasons, key=context.reasons.__getitem__) if context.reasons else "unknown"
        out.append(Joined(d.id, context, actions, Logged(tuple(names), tuple(probs), chosen, reward, top),
                          d.visitor_id, d.at))
    return out
