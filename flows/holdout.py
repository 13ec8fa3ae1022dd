"""The flow holdout: which eligible abandoners get their follow-ups, and which are the baseline.

Assigned like the overlay's arms (:func:`nudges.assignment.unit_interval`, a hash, no
shared state) but per *contact*, not per session: a shopper in the flow holdout stays
there across sessions and devices, or a message sent after their second visit would
leak into the baseline. The unit is the store's own customer id, so an analyst can
recompute every assignment from the ``flow_runs`` table (which logs arm and propensity).
Independent of the overlay experiment: a different name in the hash.

>>> arm = flow_arm("demo", 0.10, "cust-1001")
>>> arm == flow_arm("demo", 0.10, "cust-1001"), arm.name in (HOLDOUT, TREATED)
(True, True)
>>> flow_arm("demo", 0.0, "cust-1001")
Arm(name='treated', propensity=1.0)
>>> shares = [flow_arm("demo", 0.25, f"cust-{i}").name for i in range(4000)]
>>> round(shares.count(HOLDOUT) / len(shares), 2)
0.25
"""

from __future__ import annotations

from typing import Final

from nudges.assignment import HOLDOUT, Arm, unit_interval

#: The arm whose flow sends its messages.
TREATED: Final = "treated"
#: The name hashed with each contact (changing it would reshuffle every shopper).
EXPERIMENT: Final = "flows-holdout"


def flow_arm(store_id: str, share: float, customer_id: str) -> Arm:
    """``holdout`` with probability ``share``, else ``treated``; the same answer every time."""
    if share > 0 and unit_interval(store_id, EXPERIMENT, customer_id) < share:
        return Arm(HOLDOUT, share)
    return Arm(TREATED, 1.0 - share)
