"""The stores file: which write keys exist and which origins may use them.

Validated at start-up; a mistake stops the process with a message naming the field.

>>> registry = StoreRegistry.from_yaml_text('''
... stores:
...   - id: shop
...     write_key: wk_shop_0001
...     secret_key: sk_shop_0001
...     allowed_origins: [https://shop.example]
... ''')
>>> registry.by_write_key("wk_shop_0001").id
'shop'
>>> registry.by_write_key("nope") is None
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
import yaml

Origin = Annotated[str, msgspec.Meta(pattern=r"^https?://[^/\s]+$")]
Key = Annotated[str, msgspec.Meta(min_length=8, max_length=64)]


class Store(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One store as configured. The scenario and experiment settings extend this."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    write_key: Key
    secret_key: Key
    allowed_origins: list[Origin]
    locale: str = "en"
    currency: str = "TRY"

    def allows_origin(self, origin: str) -> bool:
        return origin in self.allowed_origins


class StoresFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stores: Annotated[list[Store], msgspec.Meta(min_length=1)]


class StoresFileError(ValueError):
    """The stores file is wrong; the message names the file and the field."""


class StoreRegistry:
    """Look-ups by write key and secret key over the validated stores file."""

    def __init__(self, stores: list[Store]) -> None:
        self._by_id = {s.id: s for s in stores}
        self._by_write_key = {s.write_key: s for s in stores}
        self._by_secret_key = {s.secret_key: s for s in stores}
        if len(self._by_id) != len(stores):
            raise StoresFileError("stores: two stores share an id")
        if len(self._by_write_key) != len(stores):
            raise StoresFileError("stores: two stores share a write_key")

    @classmethod
    def from_yaml_text(cls, text: str, source: str = "<stores>") -> StoreRegistry:
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise StoresFileError(f"{source}: not valid YAML: {exc}") from None
        try:
            parsed = msgspec.convert(raw, StoresFile)
        except msgspec.ValidationError as exc:
            raise StoresFileError(f"{source}: {exc}") from None
        return cls(parsed.stores)

    @classmethod
    def from_file(cls, path: Path) -> StoreRegistry:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StoresFileError(f"{path}: cannot read the stores file: {exc}") from None
        return cls.from_yaml_text(text, str(path))

    def by_write_key(self, key: str) -> Store | None:
        return self._by_write_key.get(key)

    def by_secret_key(self, key: str) -> Store | None:
        return self._by_secret_key.get(key)

    def by_id(self, store_id: str) -> Store | None:
        return self._by_id.get(store_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def origin_allowed_anywhere(self, origin: str) -> bool:
        """Used before the body (and so the store) is known, e.g. for preflights."""
        return any(store.allows_origin(origin) for store in self._by_id.values())
