"""Online learning from labels, with periodic checkpoints that serving workers pick up.

Why one learner: the ``labels`` topic has a single partition, so Kafka's group
assignment gives it to exactly one worker at a time. That worker continues the
lineage from the newest checkpoint, learns every label in order, and saves a
checkpoint every ``every`` labels and on shutdown. Checkpoints carry the lineage's
label count as a sequence number and Redis refuses any save that is not newer, so
after a rebalance a learner that lost the partition cannot overwrite its
successor's progress. (During the rebalance itself both may learn the same few
labels; the lineage then continues from whichever saved the higher count.)
"""

from __future__ import annotations

import logging

from scorer.persistence import IncompatibleModel
from scorer.profile import Scorer
from stream.checkpoints import RedisCheckpoints
from stream.label_budget import LabelBudget
from stream.processing import Label, learn

log = logging.getLogger(__name__)


class Learner:
    def __init__(
        self, checkpoints: RedisCheckpoints, *, signing_key: bytes, every: int, budget: LabelBudget | None = None
    ) -> None:
        self._checkpoints = checkpoints
        #: What one visitor and one client may teach (None: no bound, for tests of the lineage).
        self.budget = budget
        self._key = signing_key
        self._every = every
        self.scorer = Scorer()
        #: Labels learned by the lineage, including those before the loaded checkpoint.
        self.seq = 0
        self._saved_seq = 0

    async def start(self) -> None:
        """Continue from the newest checkpoint, if any.

        A checkpoint this version cannot read (another feature schema, another signing
        key) is not fatal: the learner starts a fresh model and keeps the sequence
        number, so its first checkpoint replaces the unreadable one.
        """
        latest = await self._checkpoints.load()
        if latest is not None:
            self.seq, blob = latest
            self._saved_seq = self.seq
            try:
                self.scorer = Scorer.load(blob, key=self._key)
            except IncompatibleModel as exc:
                log.error("model checkpoint %d not loaded, starting a fresh model: %s", self.seq, exc)

    async def learn(self, label: Label) -> None:
        if self.budget is not None and not self.budget.admit(label):
            return
        learn(self.scorer, label)
        self.seq += 1
        if self.seq - self._saved_seq >= self._every:
            await self.checkpoint()

    async def checkpoint(self) -> bool:
        """Save now if anything was learned since the last save."""
        if self.seq == self._saved_seq:
            return False
        stored = await self._checkpoints.save(self.seq, self.scorer.save(key=self._key))
        self._saved_seq = self.seq
        if not stored:
            log.warning("checkpoint %d refused: a newer one exists (another learner)", self.seq)
        return stored
