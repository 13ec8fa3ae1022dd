"""One learning policy per store that asks for one, kept up to date with its rewards.

Why a registry: ``decide()`` is called per request and must not rebuild a model each time; a store whose experiment says ``policy: learning`` gets its model from
``experiment.policy_model`` (trained offline with ``cartcoach policy train``), or a fresh
one that knows nothing yet (every allowed incentive alike, the engine's order breaking
ties once it knows a little; see :class:`nudges.learning.bandit.LearningPolicy`).

Why the rewards come through the ledger: outcomes arrive as events wherever events are
processed (the embedded pipeline or the stream worker), while decisions are made
wherever a shopper is spoken to (each API instance, the flows worker). The ledger joins
each learning decision with its *verified* outcomes and, once its attribution window has
closed, appends exactly one reward to the experiment's reward log
(:meth:`nudges.ledger.Ledger.close_learning`). Every process that decides replays that
log in its order, so every instance holds the same model; a checkpoint (model and log
position) is saved every ``checkpoint_every`` rewards, so a restarted instance loads it
and replays only the rest. A browser's word on a purchase never reaches the log, and one
decision is one bounded reward (:meth:`LearningPolicy.learn`).

What coupons cost visitors' later sessions (:mod:`nudges.learning.coupon_waiting`) is
learnt from the verdict each reward carries, judged once by the ledger when it closed
it; each visitor's first coupon choice stays in the ledger (one key per visitor that
expires with the horizon), so a checkpoint is the same size at a hundred visitors a
month or a million. A checkpoint of an older version carried that map: opening it
moves the map into the ledger.

>>> import asyncio, msgspec
>>> from nudges.ledger import MemoryLedger
>>> store = msgspec.convert({"id": "shop", "write_key": "wk_shop_0001", "secret_key": "sk_shop_0001",
...     "allowed_origins": [], "experiment": {"policy": "learning"}}, Store)
>>> async def same():
...     learners, ledger = Learners(), MemoryLedger()
...     return await learners.current(store, ledger, 0) is await learners.current(store, ledger, 0)
>>> asyncio.run(same())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nudges.learning.bandit import LearningPolicy
from nudges.learning.coupon_waiting import FirstChoices
from nudges.learning.decision_log import example_of
from nudges.ledger import ExperimentLedger
from nudges.stores import Experiment, Store

#: How often a policy looks for new rewards (seconds between two looks, per store).
SYNC_S = 1.0
#: A window is closed this long after it ended, so that outcomes still in flight through
#: the stream (a purchase inside the window, processed a little later) are counted.
GRACE_S = 60.0
#: A checkpoint every this many rewards learnt.
CHECKPOINT_EVERY = 100


@dataclass
class _Entry:
    policy: LearningPolicy
    #: Rewards learnt from the experiment's log (its next position).
    position: int = 0
    saved_at: int = 0
    synced_ms: int | None = None
    fingerprint: str = ""


def _fingerprint(experiment: Experiment) -> str:
    return f"{experiment.policy_model}|{experiment.exploration}"


class Learners:
    def __init__(self, sync_s: float = SYNC_S, grace_s: float = GRACE_S,
                 checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        self.sync_s, self.grace_s, self.checkpoint_every = sync_s, grace_s, checkpoint_every
        self._by_key: dict[tuple[str, str, str], _Entry] = {}

    async def current(self, store: Store, ledger: ExperimentLedger, now_ms: int) -> LearningPolicy:
        """The store's learning policy, having learnt every reward closed by ``now_ms`` (at
        most one look per ``sync_s``)."""
        experiment = store.experiment
        key = (store.id, experiment.name, _fingerprint(experiment))
        entry = self._by_key.get(key)
        if entry is None:
            entry = await self._open(store.id, experiment, ledger, now_ms)
            self._by_key[key] = entry
        if entry.synced_ms is None or now_ms - entry.synced_ms >= self.sync_s * 1000:
            entry.synced_ms = now_ms
            await self._sync(store, ledger, now_ms, entry)
        return entry.policy

    async def _sync(self, store: Store, ledger: ExperimentLedger, now_ms: int, entry: _Entry) -> None:
        """Close the windows that ended, learn the new rewards, checkpoint."""
        experiment = store.experiment
        await ledger.close_learning(store.id, experiment.name, now_ms - int(self.grace_s * 1000),
                                    experiment.report_margin_pct / 100, store.max_cart_value)
        rewards = await ledger.learning_rewards(store.id, experiment.name, entry.position)
        for reward in rewards:
            d = reward.decision
            example = example_of(d.props, d.incentive, d.propensity)
            if example is not None:
                entry.policy.learn(example.context, example.actions, example.chosen, example.probability,
                                   reward.reward, verdict=reward.waiting)
        entry.position += len(rewards)
        if entry.position - entry.saved_at >= self.checkpoint_every:
            blob = f"{entry.fingerprint}\n{entry.position}\n".encode() + entry.policy.to_bytes()
            await ledger.save_checkpoint(store.id, experiment.name, blob)
            entry.saved_at = entry.position

    async def _open(self, store_id: str, experiment: Experiment, ledger: ExperimentLedger, now_ms: int) -> _Entry:
        fingerprint = _fingerprint(experiment)
        blob = await ledger.checkpoint(store_id, experiment.name)
        entry = None
        if blob is not None:
            saved_for, position, model = blob.split(b"\n", 2)
            if saved_for.decode() == fingerprint:
                entry = _Entry(LearningPolicy.from_bytes(model), int(position), int(position), fingerprint=fingerprint)
        if entry is None:
            # A saved model keeps the exploration it was trained with (cartcoach policy train --exploration).
            model_path = Path(experiment.policy_model) if experiment.policy_model else None
            entry = _Entry(LearningPolicy(epsilon=experiment.exploration, model=model_path), fingerprint=fingerprint)
        if entry.policy.first_choices.first:  # an older checkpoint's (or model file's) per-visitor map
            await ledger.remember_first_choices(store_id, experiment.name, entry.policy.first_choices.first, now_ms)
            entry.policy.first_choices = FirstChoices()
        return entry
