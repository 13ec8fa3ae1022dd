"""One learning policy per store that asks for one, made on first use.

Why a registry: ``decide()`` is called per request and must not build a Vowpal Wabbit
model each time; a store whose experiment says ``policy: learning`` gets its model
from ``experiment.policy_model`` (trained offline from its decision log with
``cartcoach policy train``), or a fresh one that starts from the scenario engine's
ranking (see :class:`nudges.learning.bandit.Action.prior`).

>>> from nudges.stores import Experiment
>>> learners = Learners()
>>> learners.for_experiment("shop", Experiment(policy="learning")) is learners.for_experiment(
...     "shop", Experiment(policy="learning"))
True
"""

from __future__ import annotations

from pathlib import Path

from nudges.learning.bandit import LearningPolicy
from nudges.stores import Experiment


class Learners:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str | None, float], LearningPolicy] = {}

    def for_experiment(self, store_id: str, experiment: Experiment) -> LearningPolicy:
        """The store's learning policy for this experiment (same settings: same object)."""
        key = (store_id, experiment.name, experiment.policy_model, experiment.exploration)
        # A saved model keeps the exploration it was trained with (cartcoach policy train --exploration).
        found = self._by_key.get(key)
        if found is None:
            model = Path(experiment.policy_model) if experiment.policy_model else None
            found = LearningPolicy(epsilon=experiment.exploration, model=model)
            self._by_key[key] = found
        return found
