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
``HORIZON_MS`` then count for that group: the net margin they earned and their cart
values. Each visitor is weighted by the inverse of the logged probability of what it
was shown at that first decision, so the comparison is as fair as the randomisation
behind it (the fixed arms' ⅓, the learning policy's exploration). The charge for one
coupon is the gap in later net margin per unit of later cart, times the later cart
value one such decision is followed by:

    charge = (rate_other − rate_coupon) × later cart per first decision

It is never negative (a coupon never earns a bonus for the future) and stays 0 until
each group has ``min_later`` later decisions.

Two parts, because they grow differently. :class:`CouponWaiting` holds only the two
groups' sums: a few numbers, saved in every learning checkpoint, whatever the traffic.
What each visitor's first coupon choice was (:class:`FirstChoice`) is needed for a
horizon and grows with the visitors, so it is kept apart: in memory by
:class:`FirstChoices` (the simulation, ``cartcoach policy train``), and on the live path
in the ledger's Redis, one key per visitor that expires with the horizon, judged once
when the decision's reward is closed (``nudges/ledger.py``). Both apply the same rule,
:func:`judge`, which turns one decision into a :class:`Verdict` (a first choice, a later
decision of one group, or nothing); the groups learn verdicts (``learn_one``) and are
read with ``predict_one``.

>>> waiting, choices = CouponWaiting(min_later=1), FirstChoices()
>>> day = 86_400_000
>>> def learn(visitor, at, p, shown, reward):
...     waiting.learn_one(choices.judge(visitor, at, True, p, shown), reward, cart=100.0)
>>> learn("a", 0, 0.5, True, 10.0)    # each visitor's first coupon choice, p = ½
>>> learn("b", 0, 0.5, False, 10.0)
>>> learn("a", day, 0.0, False, 0.0)   # after the coupon: nothing
>>> learn("b", day, 0.5, False, 20.0)  # without: 20 % of the cart
>>> waiting.predict_one()    # 0.2 of the later cart lost × 100 of later cart per first decision
20.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final, NamedTuple

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


class FirstChoice(NamedTuple):
    """A visitor's first decision at which a coupon was allowed, and what came of it since."""

    at_ms: int
    #: Its group: shown the coupon, or something else.
    shown: bool
    #: The inverse of the logged chance of what it was shown (capped at ``MAX_WEIGHT``).
    weight: float
    #: Later decisions counted for its group so far (at most ``MAX_LATER_PER_VISITOR``).
    counted: int = 0


class Verdict(NamedTuple):
    """What one decision is to the charge: its visitor's first coupon choice (``later``
    False), or a later decision counted for the group of that first choice."""

    later: bool
    shown: bool
    weight: float


def judge(first: FirstChoice | None, at_ms: int, coupon_allowed: bool, coupon_probability: float,
          shown_coupon: bool) -> tuple[Verdict | None, FirstChoice | None]:
    """One decision, given its visitor's first coupon choice if one is still remembered:
    its verdict (None: it counts for nothing) and the visitor's new record (None: unchanged).
    ``coupon_probability`` is the logged chance that it showed the coupon (0 when no coupon
    was allowed). A remembered first choice past the horizon counts nothing more; a visitor
    starts again once it is forgotten (:class:`FirstChoices` prunes it, Redis expires it).

    >>> verdict, first = judge(None, 0, True, 0.25, True)
    >>> verdict, first
    (Verdict(later=False, shown=True, weight=4.0), FirstChoice(at_ms=0, shown=True, weight=4.0, counted=0))
    >>> judge(first, 1, False, 0.0, False)   # a later decision, even one where no coupon was allowed
    (Verdict(later=True, shown=True, weight=4.0), FirstChoice(at_ms=0, shown=True, weight=4.0, counted=1))
    >>> judge(first._replace(counted=MAX_LATER_PER_VISITOR), 1, True, 0.5, False)   # a bot's 21st visit
    (None, None)
    >>> judge(first, HORIZON_MS + 1, True, 0.5, False)   # past the horizon, not yet forgotten
    (None, None)
    """
    if first is not None:
        if first.at_ms < at_ms <= first.at_ms + HORIZON_MS and first.counted < MAX_LATER_PER_VISITOR:
            return Verdict(True, first.shown, first.weight), first._replace(counted=first.counted + 1)
        return None, None
    if not coupon_allowed:
        return None, None
    p = coupon_probability if shown_coupon else 1.0 - coupon_probability
    if p <= 0.0:
        return None, None
    weight = min(MAX_WEIGHT, 1.0 / p)
    return Verdict(False, shown_coupon, weight), FirstChoice(at_ms, shown_coupon, weight)


@dataclass
class FirstChoices:
    """Each visitor's first coupon choice within the horizon, in memory (one process that
    learns a whole log in order: the simulation, ``cartcoach policy train``)."""

    first: dict[str, FirstChoice] = field(default_factory=dict)
    #: When visitors past the horizon were last forgotten.
    pruned_at: int = 0

    def judge(self, visitor: str, at_ms: int, coupon_allowed: bool, coupon_probability: float,
              shown_coupon: bool) -> Verdict | None:
        """The decision's verdict (:func:`judge`), remembering what it changes."""
        if at_ms > self.pruned_at + PRUNE_EVERY_MS:
            self._forget_before(at_ms - HORIZON_MS)
        verdict, record = judge(self.first.get(visitor), at_ms, coupon_allowed, coupon_probability, shown_coupon)
        if record is not None:
            self.first[visitor] = record
        return verdict

    def _forget_before(self, oldest_ms: int) -> None:
        """Visitors whose first coupon choice is past the horizon can add nothing: forget them
        (one who comes back later starts again)."""
        self.first = {v: f for v, f in self.first.items() if f.at_ms >= oldest_ms}
        self.pruned_at = oldest_ms + HORIZON_MS

    @classmethod
    def from_checkpoint(cls, state: dict[str, Any]) -> FirstChoices:
        """The per-visitor map that checkpoints of older versions carried in their
        ``waiting`` state (empty for newer ones), to be moved out of the checkpoint."""
        counted = state.get("counted", {})
        return cls({v: FirstChoice(int(at), bool(shown), float(w), int(counted.get(v, 0)))
                    for v, (at, shown, w) in state.get("first", {}).items()}, int(state.get("pruned_at", 0)))


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
    same visitor's later sessions (see the module's docstring). Its state does not grow
    with the visitors."""

    min_later: int = MIN_LATER
    coupon: _Group = field(default_factory=_Group)
    other: _Group = field(default_factory=_Group)

    def learn_one(self, verdict: Verdict | None, reward: float, cart: float) -> None:
        """One decision whose reward (net margin) and cart value are known, as :func:`judge` saw it."""
        if verdict is None:
            return
        group = self.coupon if verdict.shown else self.other
        if not verdict.later:
            group.firsts += verdict.weight
            return
        group.later += 1
        group.later_reward += verdict.weight * reward
        group.later_cart += verdict.weight * cart

    def predict_one(self) -> float:
        """The charge for showing one coupon now (0 until both groups have enough later sessions)."""
        c, o = self.coupon, self.other
        if min(c.later, o.later) < self.min_later or c.firsts + o.firsts <= 0:
            return 0.0
        later_cart_per_first = (c.later_cart + o.later_cart) / (c.firsts + o.firsts)
        return max(0.0, (o.rate() - c.rate()) * later_cart_per_first)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able state (checkpoints hold no pickle); :meth:`from_dict` reads it back."""
        return {"min_later": self.min_later, "coupon": asdict(self.coupon), "other": asdict(self.other)}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> CouponWaiting:
        """Reads older states too (their per-visitor map is read by :meth:`FirstChoices.from_checkpoint`)."""
        return cls(int(state["min_later"]), _Group(**state["coupon"]), _Group(**state["other"]))
