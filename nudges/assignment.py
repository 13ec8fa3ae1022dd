"""Deterministic experiment assignment: hash (store, experiment, session) to an arm.

Why a hash and not a coin: any API instance, on any retry, puts a session in the
same arm without shared state, and an analyst can recompute every assignment from
the logs. The propensity (the arm's probability) is logged with every decision so a
later policy can be evaluated offline (inverse propensity weighting).

Arms: ``holdout`` sees nothing (the baseline); ``v1``, ``v2``, ``v3`` show the
scenario engine's variant of that rank.

>>> from nudges.stores import Experiment
>>> arm = assign("demo", Experiment(), "s-0001")
>>> arm == assign("demo", Experiment(), "s-0001"), arm.name in ARMS
(True, True)
>>> [round(p, 2) for p in arm_probabilities(Experiment())]
[0.1, 0.3, 0.3, 0.3]
"""

from __future__ import annotations

import hashlib
from typing import Final, NamedTuple

from nudges.stores import Experiment

HOLDOUT: Final = "holdout"
#: Arm names in order; ``v<n>`` shows the variant of rank n.
ARMS: Final = (HOLDOUT, "v1", "v2", "v3")


class Arm(NamedTuple):
    name: str
    #: The probability of this arm for any session: what the decision logs.
    propensity: float

    @property
    def rank(self) -> int | None:
        """The variant rank this arm shows, None for the holdout."""
        return None if self.name == HOLDOUT else int(self.name[1:])


def arm_probabilities(experiment: Experiment) -> list[float]:
    """Holdout first, then the three ranks' shares of the rest, normalised."""
    total = sum(experiment.weights)
    rest = 1.0 - experiment.holdout
    return [experiment.holdout, *(rest * w / total for w in experiment.weights)]


def unit_interval(store_id: str, experiment: str, session_id: str) -> float:
    """A uniform number in [0, 1) fixed by the three ids (BLAKE2b, 64 bits)."""
    key = f"{store_id}\x1f{experiment}\x1f{session_id}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64


def assign(store_id: str, experiment: Experiment, session_id: str) -> Arm:
    """The session's arm in this store's experiment, and its propensity."""
    u = unit_interval(store_id, experiment.name, session_id)
    edge = 0.0
    probabilities = arm_probabilities(experiment)
    for name, p in zip(ARMS, probabilities, strict=True):
        edge += p
        if u < edge and p > 0:
            return Arm(name, p)
    last = max(i for i, p in enumerate(probabilities) if p > 0)  # float rounding at the top edge
    return Arm(ARMS[last], probabilities[last])
