"""What a coupon shown today costs the same visitor's later visits, measured on the store's log.

Why: a coupon's own reward looks good (the shopper buys a little more often), but some
shoppers who get one learn to wait for the next and buy less often without one later
(about a third of shoppers say they abandon carts to be sent a coupon). No single
decision's reward shows that cost: it falls on the visitor's *later* sessions. A
learning policy that only sees each decision's margin shows too many coupons.

How it is measured, from nothing a real store could not see (visitor ids, times, what
was shown with its logged probability, the net margin each decision earned): every
visitor's first decision at which a coupon was allowed splits visitors into two
groups, shown the coupon or shown something else. The visitor's later decisions within
``horizon_ms`` then count for that group: the net margin they earned and their cart
values. Each visitor is weighted by the inverse of the logged probability of what it
was shown at that first decision, so the comparison is as fair as the randomisation
behind it (the fixed arms' ⅓, the learning policy's exploration). The charge for one
coupon is the gap in later net margin per unit of later cart, times the later cart
value one such decision is followed by:

    charge = (rate_other − rate_coupon) × later cart per first decision

It is never negative (a coupon never earns a bonus for the future) and stays 0 until
each group has ``min_later`` later decisions. Learnt one reward at a time, in the order
rewards close (``learn_one``), read with ``predict_one``.

>>> waiting = CouponWaiting(min_later=1)
>>> day = 86_400_000
>>> for v, shown in (("a", True), ("b", False)):    # each visitor's first coupon choice, p = ½
...     waiting.learn_one(v, 0, coupon_allowed=True, coupon_probability=0.5, shown_coupon=shown,
...                       reward=10.0, cart=100.0)
>>> waiting.learn_one("a", day, True, 0.0, False, reward=0.0, cart=100.0)   # after the coupon: nothing
>>> waiting.learn_one("b", day, True, 0.5, False, reward=20.0, cart=100.0)  # without: 20 % of the cart
>>> waiting.predict_one()    # 0.2 of the later cart lost × 100 of later cart per first decision
20.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

#: How far after a coupon its cost is counted (a month of the visitor's later sessions).
HORIZON_MS: Final = 30 * 86_400_000
#: Later decisions each group needs before the charge moves from 0.
MIN_LATER: Final = 500
#: Visitors past the horizon are forgotten at most this often (simulated or real time).
PRUNE_EVERY_MS: Final = 86_400_000
#: A visitor's later decisions count up to this many: one visitor (a bot's thousand
#: sessions) moves the charge no more than a very loyal shopper can.
MAX_LATER_PER_VISITOR: Final = 20
#: Weights are capped so that one decision logged at a tiny probability cannot swing the charge.
MAX_WEIGHT: Final = 50.0


@dataclass
class _Group:
    """One side of the comparison: weighted first decisions and their later decisions."""

    firsts: float = 0.0
    later: int = 0
    later_reward: float = 0.0
    later_cart: float = 0.0

    def rate(self) -> float:
        return self.later_reward / self.later_cart if self.later_cart > 0 else 0.0


@dataclass
class CouponWaiting:
    """The expected cost, in the store's currency, that one coupon shown puts on the
    same visitor's later sessions (see the module's docstring)."""

    horizon_ms: int = HORIZON_MS
    min_later: int = MIN_LATER
    coupon: _Group = field(default_factory=_Group)
    other: _Group = field(default_factory=_Group)
    #: visitor → (time of its first coupon choice, shown the coupon, weight).
    first: dict[str, tuple[int, bool, float]] = field(default_factory=dict)
    #: visitor → later decisions counted (at most ``MAX_LATER_PER_VISITOR``).
    counted: dict[str, int] = field(default_factory=dict)
    #: When visitors past the horizon were last forgotten.
    pruned_at: int = 0

    def learn_one(self, visitor: str, at_ms: int, coupon_allowed: bool, coupon_probability: float,
                  shown_coupon: bool, reward: float, cart: float) -> None:
        """One decision whose reward is known: ``coupon_probability`` is the logged chance
        that it showed the coupon (0 when no coupon was allowed)."""
        if at_ms > self.pruned_at + PRUNE_EVERY_MS:
            self._forget_before(at_ms - self.horizon_ms)
        origin = self.first.get(visitor)
        if origin is not None:
            at0, shown0, weight = origin
            if at0 < at_ms <= at0 + self.horizon_ms and self.counted.get(visitor, 0) < MAX_LATER_PER_VISITOR:
                self.counted[visitor] = self.counted.get(visitor, 0) + 1
                group = self.coupon if shown0 else self.other
                group.later += 1
                group.later_reward += weight * reward
                group.later_cart += weight * cart
            return
        if not coupon_allowed:
            return
        p = coupon_probability if shown_coupon else 1.0 - coupon_probability
        if p <= 0.0:
            return
        weight = min(MAX_WEIGHT, 1.0 / p)
        self.first[visitor] = (at_ms, shown_coupon, weight)
        (self.coupon if shown_coupon else self.other).firsts += weight

    def _forget_before(self, oldest_ms: int) -> None:
        """Visitors whose first coupon choice is past the horizon can add nothing: forget them
        (the state, saved in every checkpoint, holds about a horizon's visitors; one who comes
        back later starts again)."""
        self.first = {v: f for v, f in self.first.items() if f[0] >= oldest_ms}
        self.counted = {v: n for v, n in self.counted.items() if v in self.first}
        self.pruned_at = oldest_ms + self.horizon_ms

    def predict_one(self) -> float:
        """The charge for showing one coupon now (0 until both groups have enough later sessions)."""
        c, o = self.coupon, self.other
        if min(c.later, o.later) < self.min_later or c.firsts + o.firsts <= 0:
            return 0.0
        later_cart_per_first = (c.later_cart + o.later_cart) / (c.firsts + o.firsts)
        return max(0.0, (o.rate() - c.rate()) * later_cart_per_first)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able state (checkpoints hold no pickle); :meth:`from_dict` reads it back."""
        return {"horizon_ms": self.horizon_ms, "min_later": self.min_later, "coupon": asdict(self.coupon),
                "other": asdict(self.other), "first": {v: list(f) for v, f in self.first.items()},
                "counted": self.counted, "pruned_at": self.pruned_at}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> CouponWaiting:
        return cls(int(state["horizon_ms"]), int(state["min_later"]), _Group(**state["coupon"]),
                   _Group(**state["other"]),
                   {v: (int(at), bool(shown), float(w)) for v, (at, shown, w) in state["first"].items()},
                   {v: int(n) for v, n in state.get("counted", {}).items()}, int(state.get("pruned_at", 0)))
