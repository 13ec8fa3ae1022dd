"""Saving and loading models: signed, versioned, refused when incompatible.

River models are plain Python objects persisted by pickle, and unpickling runs
code: so a blob is signed with HMAC-SHA256 under a key we hold, and the signature
is checked *before* anything is unpickled (DESIGN: load only blobs we wrote). A
header in plain JSON carries the format version, the kind of object and the
schema tag (which features and reasons the model was trained on), so a model
trained on another feature set is refused with a message that says why, instead
of predicting nonsense.

Layout: ``MAGIC | signature (32 bytes) | header length (4 bytes, big-endian) | header | pickle``.

>>> blob = dumps({"w": 1.5}, key=b"k" * 32, kind="demo", model_version="demo.1")
>>> obj, header = loads(blob, key=b"k" * 32, kind="demo")
>>> obj, header.model_version
({'w': 1.5}, 'demo.1')
>>> try:
...     loads(blob, key=b"other-key", kind="demo")
... except IncompatibleModel as exc:
...     print(exc)
signature mismatch: not written with this key, or altered
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
from typing import Any, Final

import msgspec

from scorer.events import REASONS
from scorer.features import FEATURES
from scorer.session import STATE_VERSION

MAGIC: Final = b"CCMODEL\x00"
FORMAT_VERSION: Final = 1
#: What a model depends on: the feature names, the reasons and the state layout.
SCHEMA: Final = "features:" + hashlib.sha256(
    "\n".join([*FEATURES, "|", *REASONS, "|", str(STATE_VERSION)]).encode()
).hexdigest()[:16]


class Header(msgspec.Struct, frozen=True):
    """What a blob says about itself, readable without unpickling."""

    format: int
    kind: str
    schema: str
    model_version: str


class IncompatibleModel(ValueError):
    """The blob is not ours, was altered, or was written for another format or schema."""


_SIG = 32


def dumps(obj: Any, *, key: bytes, kind: str, model_version: str) -> bytes:
    """Sign and serialise ``obj`` with a header tagging format, kind and schema."""
    header = msgspec.json.encode(Header(FORMAT_VERSION, kind, SCHEMA, model_version))
    body = len(header).to_bytes(4, "big") + header + pickle.dumps(obj, protocol=5)
    return MAGIC + hmac.digest(key, body, hashlib.sha256) + body


def read_header(blob: bytes) -> Header:
    """The header alone (no signature check, nothing unpickled): for listings and errors."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _SIG + 4:
        raise IncompatibleModel("not a cartcoach model file")
    start = len(MAGIC) + _SIG
    size = int.from_bytes(blob[start : start + 4], "big")
    try:
        return msgspec.json.decode(blob[start + 4 : start + 4 + size], type=Header)
    except msgspec.DecodeError as exc:
        raise IncompatibleModel(f"unreadable model header: {exc}") from None


def loads(blob: bytes, *, key: bytes, kind: str) -> tuple[Any, Header]:
    """Check signature, format, kind and schema, then unpickle; raise :class:`IncompatibleModel`."""
    header = read_header(blob)
    body = blob[len(MAGIC) + _SIG :]
    expected = hmac.digest(key, body, hashlib.sha256)
    if not hmac.compare_digest(blob[len(MAGIC) : len(MAGIC) + _SIG], expected):
        raise IncompatibleModel("signature mismatch: not written with this key, or altered")
    if header.format != FORMAT_VERSION:
        raise IncompatibleModel(
            f"model file format {header.format}, this version reads {FORMAT_VERSION}"
        )
    if header.kind != kind:
        raise IncompatibleModel(f"this blob holds a {header.kind!r}, expected {kind!r}")
    if header.schema != SCHEMA:
        raise IncompatibleModel(
            f"model trained on schema {header.schema}, this scorer computes {SCHEMA}: "
            "retrain it (or load it with the cartcoach version that wrote it)"
        )
    size = int.from_bytes(body[:4], "big")
    return pickle.loads(body[4 + size :]), header
