"""The abandonment profile, and the :class:`Scorer` that makes it from a session's state.

Why one object holds both models: the stream processor, the embedded runner and
the overlay API all need "state in, profile out" and "label in, learn"; keeping
both models, their names and their label counts together gives one thing to
checkpoint and one ``model_version`` to stamp on every profile.

A profile is a msgspec struct (JSON via ``msgspec.json.encode`` or orjson after
``msgspec.to_builtins``), versioned by :data:`PROFILE_VERSION`. Probabilities are
rounded to 4 decimals so that the same model and state give byte-identical profiles.

>>> from scorer.events import CollectedEvent
>>> from scorer.session import apply
>>> s = apply(None, CollectedEvent(id="e-000001", type="coupon_focus", ts=9, at=9,
...     received_at=9, store_id="demo", visitor_id="v-000001", session_id="s-000001"))
>>> p = Scorer().profile(s)
>>> p.top_reason, p.evidence
('price', ['Clicked into the coupon field once'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import msgspec

from scorer import persistence
from scorer.events import REASONS, Reason
from scorer.features import extract_features
from scorer.models import DEFAULT_REASON, DEFAULT_RISK, ReasonModel, RiskModel
from scorer.models import reason_model, risk_model
from scorer.rules import evidence
from scorer.session import SessionState

PROFILE_VERSION: Final = 1
_KIND: Final = "scorer"
#: Evidence lines kept per profile.
MAX_EVIDENCE: Final = 5
#: The evidence of a profile no signal has moved yet.
NO_EVIDENCE: Final = "No specific hesitation signal yet"


class AbandonmentProfile(msgspec.Struct, kw_only=True, frozen=True):
    """Why this shopper may leave, how sure we are, and the signals behind it."""

    version: int = PROFILE_VERSION
    store_id: str
    session_id: str
    visitor_id: str
    #: Server-clock time (ms) of the newest event the profile reflects.
    at: int
    #: Probability per reason, in :data:`scorer.events.REASONS` order.
    reasons: dict[str, float]
    top_reason: str
    #: The top reason's probability.
    confidence: float
    #: Probability that the session ends without a purchase.
    risk: float
    #: The signals that drove the top reason (then context such as exit intent), in words.
    evidence: list[str]
    cart_value: float
    device: str | None
    events_seen: int
    model_version: str
    #: ``purchased`` or ``abandoned`` once the session has an outcome (set by the stream).
    outcome: str | None = None
    #: False until the risk model has shown on progressive validation that it orders
    #: sessions (``RiskModel.ranks``): until then ``risk`` is the prior, the same for all.
    risk_trained: bool = False


class Scorer:
    """Both online models, turning session states into profiles and labels into learning."""

    def __init__(
        self,
        reason: ReasonModel | None = None,
        risk: RiskModel | None = None,
        name: str = f"{DEFAULT_REASON}+{DEFAULT_RISK}",
    ) -> None:
        self.reason = reason if reason is not None else reason_model()
        self.risk = risk if risk is not None else risk_model()
        self.name = name

    @property
    def model_version(self) -> str:
        """Names the configuration and how many labels each model has learned."""
        return f"{self.name}@r{self.reason.n_learned}.o{self.risk.n_learned}"

    def profile(self, state: SessionState) -> AbandonmentProfile:
        """Score a session now (pure: the models do not change)."""
        x = extract_features(state)
        proba = self.reason.predict_proba_one(x)
        reasons = {reason: round(proba.get(reason, 0.0), 4) for reason in REASONS}
        top: Reason = max(REASONS, key=lambda r: (proba.get(r, 0.0), -REASONS.index(r)))
        lines = evidence(x, top) or [NO_EVIDENCE]
        return AbandonmentProfile(
            store_id=state.store_id,
            session_id=state.session_id,
            visitor_id=state.visitor_id,
            at=state.last_at,
            reasons=reasons,
            top_reason=top,
            confidence=reasons[top],
            risk=round(self.risk.risk(x), 4),
            evidence=lines[:MAX_EVIDENCE],
            cart_value=x["cart_value"],
            device=(state.latest.get("device") or (0, 0, None))[2],
            events_seen=state.events,
            model_version=self.model_version,
            risk_trained=self.risk.ranks,
        )

    def learn(self, state: SessionState, label: str) -> None:
        """Learn from a survey answer; ``"other"`` (no reason of ours) teaches nothing."""
        if label in REASONS:
            self.reason.learn_one(extract_features(state), label)

    def learn_outcome(self, state: SessionState, purchased: bool) -> None:
        """Learn whether a session like this one ended in a purchase."""
        self.risk.learn_one(extract_features(state), not purchased)

    def save(self, path: str | Path | None = None, *, key: bytes) -> bytes:
        """Signed, versioned bytes of both models; also written to ``path`` if given."""
        blob = persistence.dumps(
            (self.reason, self.risk, self.name),
            key=key,
            kind=_KIND,
            model_version=self.model_version,
        )
        if path is not None:
            Path(path).write_bytes(blob)
        return blob

    @classmethod
    def load(cls, source: bytes | str | Path, *, key: bytes) -> Scorer:
        """Read what :meth:`save` wrote; raises ``persistence.IncompatibleModel`` otherwise."""
        blob = source if isinstance(source, bytes) else Path(source).read_bytes()
        (reason, risk, name), _ = persistence.loads(blob, key=key, kind=_KIND)
        return cls(reason, risk, name)
