"""Store settings kept in the database, served over the stores file, applied without a restart.

Which wins: a store whose document is in the database (imported with ``cartcoach stores
import``, created at sign-up, or saved once from the dashboard) is served from the
database; the stores file still serves the stores the database does not hold, and its
later edits to a store the database holds are ignored (``cartcoach stores export``
writes the database's version back out as a file). So once a store is imported, the
dashboard is where it changes, and every change is in the audit log.

Every save goes through :func:`nudges.stores.check_store`, the stores file's own rules:
a value the file would refuse is refused here, the error names the field, and nothing
is written. A good save is written with one audit row per changed field and applied to
the running API at once; other API instances see it at their next poll
(``CARTCOACH_STORES_RELOAD_S``).

>>> doc = {"voice": "friendly", "policy": {"max_coupon_pct": 10, "margin_floor_pct": 30}}
>>> merged = merge(doc, {"policy": {"max_coupon_pct": 15}})
>>> merged["policy"], doc["policy"]["max_coupon_pct"]
({'max_coupon_pct': 15, 'margin_floor_pct': 30}, 10)
>>> changed_fields(doc, merged)
[('policy.max_coupon_pct', 10, 15)]
>>> field_error("settings: Expected `float` <= 100.0 - at `$.policy.max_coupon_pct`")
FieldError(field='policy.max_coupon_pct', message='Expected `float` <= 100.0')
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import SettingsChange, StoreRecord
from nudges.stores import Store, StoreRegistry, StoresFileError, check_store

log = logging.getLogger(__name__)

#: The parts of a store the dashboard edits; keys, origins and facts stay with the back end.
EDITABLE = ("locale", "brand_tier", "voice", "tone", "policy", "experiment", "flows", "rules")
#: Replaced whole when sent, never merged key by key: a tone picked from the library drops
#: the overrides of the copy it replaces, and a rule list is one value (as in the file).
REPLACED = ("tone", "rules")


class FieldError(NamedTuple):
    """One refused value: the field as the stores file names it, and why."""

    field: str
    message: str


class SettingsRefused(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


_AT = re.compile(r"^(?:[^:]*: )?(?P<message>.*?) - at `\$\.?(?P<field>[^`]*)`$")
_PREFIXED = re.compile(r"^(?:[^:$]*: )?\$\.?(?P<field>[A-Za-z0-9_.\[\]]*): (?P<message>.*)$")


def field_error(message: str) -> FieldError:
    """A validation message (msgspec's or the file's cross-field rules) as field and reason."""
    if match := _AT.match(message):
        return FieldError(match["field"] or "$", match["message"])
    if match := _PREFIXED.match(message):
        return FieldError(match["field"] or "$", match["message"])
    return FieldError("$", message)


def merge(document: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``changes`` laid over it: objects merge key by key, anything else
    (a list, a number, ``None``) replaces. The original is left as it was."""
    out = copy.deepcopy(document)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every leaf that differs; lists count as one value."""
    old, new = _flatten(before), _flatten(after)
    return [(f, old.get(f), new.get(f)) for f in sorted(old.keys() | new.keys()) if old.get(f) != new.get(f)]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _plain(document: Any) -> Any:
    """The document as JSON has it (dates as ISO text), the shape it is stored in."""
    return json.loads(_json(document))


class StoreSettings:
    """The database's store documents, and the registry they make with the stores file."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        base: Callable[[], StoreRegistry],
        *,
        base_dir: Path | None = None,
        file_rate_limits: dict[str, Any] | None = None,
        own_origins: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        #: The stores file's registry (re-read on every call: the file may have changed).
        self._base = base
        self._base_dir = base_dir
        self._file_rate_limits = file_rate_limits
        self._own_origins = own_origins
        self._clock = clock
        self.documents: dict[str, dict[str, Any]] = {}
        self.agency_of: dict[str, str | None] = {}
        self._stamp: tuple[int, int] | None = None
        #: Applies a new registry to the running API (set by the app: registry, catalogue, feed).
        self.on_change: Callable[[], Awaitable[None]] | None = None
        self._task: asyncio.Task[None] | None = None

    # ---- reading ---------------------------------------------------------------------------
    async def load(self) -> bool:
        """Read every store row; True if anything changed since the last read."""
        async with self.sessions() as db:
            stamp = (await db.execute(select(func.count(), func.coalesce(func.max(StoreRecord.updated_ms), 0)))).one()
            if tuple(stamp) == self._stamp:
                return False
            rows = (await db.execute(select(StoreRecord))).scalars().all()
        self.documents = {row.id: json.loads(row.document) for row in rows}
        self.agency_of = {row.id: row.agency_id for row in rows}
        self._stamp = tuple(stamp)  # type: ignore[assignment]
        return True

    def registry(self) -> StoreRegistry:
        """The stores to serve: the file's, with the database's documents in their place."""
        base = self._base()
        raw_stores = [msgspec.to_builtins(s) for s in base if s.id not in self.documents]
        raw_stores += [self.documents[store_id] for store_id in sorted(self.documents)]
        raw: dict[str, Any] = {"stores": raw_stores, "unauthenticated_rate_limit": base.unauthenticated_rate_limit}
        if self._file_rate_limits is not None:
            raw["rate_limits"] = self._file_rate_limits
        return StoreRegistry.from_yaml_text(
            _json(raw), "stores (file and database)", base=self._base_dir, own_origins=self._own_origins
        )

    def document(self, store_id: str) -> dict[str, Any] | None:
        """The store as a stores-file document: the database's, else the file's."""
        if store_id in self.documents:
            return copy.deepcopy(self.documents[store_id])
        store = self._base().by_id(store_id)
        return None if store is None else _plain(msgspec.to_builtins(store))

    def editable(self, store_id: str) -> dict[str, Any] | None:
        """What the settings page shows: the editable parts, defaults filled in."""
        document = self.document(store_id)
        if document is None:
            return None
        store = check_store(document)
        full = _plain(msgspec.to_builtins(store))
        return {key: full[key] for key in EDITABLE}

    # ---- checking --------------------------------------------------------------------------
    def draft(self, store_id: str, changes: object) -> tuple[dict[str, Any], Store]:
        """The store as it would be with ``changes``, through the file's rules; nothing is saved.

        Raises :class:`SettingsRefused` naming each field at fault.
        """
        document = self.document(store_id)
        if document is None:
            raise SettingsRefused([FieldError("$", f"no store {store_id!r}")])
        if not isinstance(changes, dict):
            raise SettingsRefused([FieldError("$", "send an object of the fields to change")])
        outside = [key for key in changes if key not in EDITABLE]
        if outside:
            raise SettingsRefused([FieldError(str(key), "not editable here") for key in outside])
        proposed = _plain(merge(document, {k: v for k, v in changes.items() if k not in REPLACED}))
        proposed.update({k: _plain(changes[k]) for k in REPLACED if k in changes})
        try:
            store = check_store(proposed)
        except StoresFileError as exc:
            raise SettingsRefused([field_error(str(exc))]) from None
        return proposed, store

    # ---- writing ---------------------------------------------------------------------------
    async def save(self, store_id: str, changes: object, user_id: str | None) -> list[tuple[str, Any, Any]]:
        """Validate, write the document and one audit row per changed field, apply it now.

        Returns the changed fields (empty: nothing to save). Raises :class:`SettingsRefused`.
        """
        before = self.document(store_id)
        proposed, store = self.draft(store_id, changes)
        assert before is not None
        # Compared as served (defaults filled in), so the log says what really changed.
        changed = changed_fields(_plain(msgspec.to_builtins(check_store(before))), _plain(msgspec.to_builtins(store)))
        if not changed:
            return []
        await self._write([(store_id, proposed, self.agency_of.get(store_id))], user_id, {store_id: changed})
        return changed

    def check_new(self, document: dict[str, Any]) -> Store:
        """A new store's document through the file's rules, and its id still free; nothing is saved."""
        try:
            store = check_store(_plain(document))
        except StoresFileError as exc:
            error = field_error(str(exc))
            raise SettingsRefused([FieldError(f"store.{error.field}", error.message)]) from None
        if self._base().by_id(store.id) is not None or store.id in self.documents:
            raise SettingsRefused([FieldError("store.id", f"a store named {store.id!r} exists already")])
        return store

    async def create(self, document: dict[str, Any], agency_id: str | None, user_id: str | None) -> Store:
        """A new store (sign-up, or an agency adding a client), validated like the file."""
        store = self.check_new(document)
        await self._write([(store.id, _plain(document), agency_id)], user_id, {store.id: [("$", None, "created")]})
        return store

    async def import_registry(self, path: Path) -> list[str]:
        """Every store of a stores file into the database (its documents as written there)."""
        registry = StoreRegistry.from_file(path)  # the whole file's rules, or nothing is imported
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw_stores = raw["stores"] if "stores" in raw else [raw]
        rows = []
        changes: dict[str, list[tuple[str, Any, Any]]] = {}
        for document in raw_stores:
            plain = _plain(document)
            before = self.documents.get(plain["id"])
            changes[plain["id"]] = changed_fields(before or {}, plain) if before else [("$", None, "imported")]
            rows.append((plain["id"], plain, self.agency_of.get(plain["id"])))
        assert {r[0] for r in rows} == {s.id for s in registry}
        await self._write(rows, None, changes)
        return [r[0] for r in rows]

    def export_text(self) -> str:
        """The served stores as one stores file (YAML): the database's documents and the file's rest."""
        base = self._base()
        stores = [self.document(s.id) for s in base if s.id not in self.documents]
        stores += [self.documents[i] for i in sorted(self.documents)]
        return yaml.safe_dump({"stores": stores}, sort_keys=False, allow_unicode=True)

    async def _write(
        self,
        rows: Iterable[tuple[str, dict[str, Any], str | None]],
        user_id: str | None,
        changes: dict[str, list[tuple[str, Any, Any]]],
    ) -> None:
        now = int(self._clock() * 1000)
        rows = list(rows)
        # Checked together before anything is written: ids and keys stay unique across stores.
        candidate = {**self.documents, **{store_id: doc for store_id, doc, _ in rows}}
        saved, self.documents = self.documents, candidate
        try:
            self.registry()
        except StoresFileError as exc:
            raise SettingsRefused([field_error(str(exc))]) from None
        finally:
            self.documents = saved
        async with self.sessions.begin() as db:
            for store_id, document, agency_id in rows:
                await db.merge(StoreRecord(id=store_id, agency_id=agency_id, document=_json(document), updated_ms=now))
                for field, before, after in changes.get(store_id, []):
                    db.add(SettingsChange(store_id=store_id, user_id=user_id, at_ms=now, field=field[:200],
                                          before=None if before is None else _json(before),
                                          after=None if after is None else _json(after)))
        await self.load()
        await self.apply()

    async def audit(self, store_id: str, limit: int = 20) -> list[dict[str, Any]]:
        async with self.sessions() as db:
            rows = (await db.execute(
                select(SettingsChange).where(SettingsChange.store_id == store_id)
                .order_by(SettingsChange.id.desc()).limit(limit)
            )).scalars().all()
        return [{"at": r.at_ms, "user_id": r.user_id, "field": r.field,
                 "before": None if r.before is None else json.loads(r.before),
                 "after": None if r.after is None else json.loads(r.after)} for r in rows]

    # ---- running ---------------------------------------------------------------------------
    async def apply(self) -> None:
        if self.on_change is not None:
            await self.on_change()

    async def start(self, poll_s: float) -> None:
        """Load now, then follow other API instances' saves every ``poll_s`` seconds."""
        await self.load()
        await self.apply()
        if poll_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._poll(poll_s), name="store-settings-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _poll(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                if await self.load():
                    await self.apply()
            except Exception:  # a database hiccup: the last good stores keep serving
                log.exception("store settings not reloaded; trying again in %.0f s", every_s)
