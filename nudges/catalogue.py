"""Product data the nudges cite: price, cost, stock, delivery, reviews, returns, warranty.

Why it is separate from the stores file: stock and prices change all day, keys and
policy do not. Each store names a catalogue file (YAML or JSON) or a feed URL
(JSON); a background task re-reads it every ``refresh_s`` so a new stock level
reaches the guardrails without a restart. A bad refresh is logged and the last good
data stays in use; a bad file at start-up stops the process, naming the field.

A product's facts override the store-wide ones (``Store.facts``).

>>> cat = Catalogue.from_products("demo", [{"id": "mug-1", "name": "Mug", "price": 250, "cost": 90,
...     "stock": 3}])
>>> cat.product("demo", "mug-1").gross_margin_pct
64.0
>>> cat.product("demo", "nope") is None
True
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import httpx
import msgspec
import yaml

from nudges.stores import Delivery, Locale, Money, Review, Store, StoresFileError

log = logging.getLogger(__name__)

ProductId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class Product(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One product as the catalogue describes it. Give ``cost`` or ``margin_pct`` for discounts."""

    id: ProductId
    #: One name, or one per locale (``{en: ..., tr: ...}``).
    name: Name | dict[Locale, Name]
    price: Money
    #: The product's category, for campaign rules (``category == "coats"``).
    category: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    cost: Money | None = None
    margin_pct: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None
    stock: Annotated[int, msgspec.Meta(ge=0)] | None = None
    delivery: Delivery | None = None
    reviews: Annotated[list[Review], msgspec.Meta(max_length=20)] = []
    rating: Annotated[float, msgspec.Meta(ge=1, le=5)] | None = None
    rating_count: Annotated[int, msgspec.Meta(ge=0)] = 0
    return_days: Annotated[int, msgspec.Meta(ge=0, le=365)] | None = None
    warranty_years: Annotated[int, msgspec.Meta(ge=0, le=30)] | None = None
    highlights: Annotated[list[Annotated[str, msgspec.Meta(max_length=80)]], msgspec.Meta(max_length=5)] = []

    def name_in(self, locale: str) -> str:
        """The name in ``locale``, else in any language the catalogue has."""
        if isinstance(self.name, str):
            return self.name
        return self.name.get(locale) or next(iter(self.name.values()))  # type: ignore[call-overload]

    @property
    def gross_margin_pct(self) -> float | None:
        """Margin at full price, from ``margin_pct`` or else from ``cost``; None if unknown."""
        if self.margin_pct is not None:
            return self.margin_pct
        if self.cost is not None and self.price > 0:
            return (self.price - self.cost) / self.price * 100
        return None


class CatalogueFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    products: list[Product]


class CatalogueError(StoresFileError):
    """A catalogue file or feed is wrong; the message names the source and the field."""


def parse_catalogue(data: bytes | str, source: str) -> dict[str, Product]:
    """Validate a catalogue document (YAML or JSON) into products by id."""
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{source}: not valid YAML or JSON: {exc}") from None
    return _validated(raw, source)


def _validated(raw: object, source: str) -> dict[str, Product]:
    try:
        parsed = msgspec.convert(raw, CatalogueFile)
    except msgspec.ValidationError as exc:
        raise CatalogueError(f"{source}: {exc}") from None
    products = {p.id: p for p in parsed.products}
    if len(products) != len(parsed.products):
        raise CatalogueError(f"{source}: $.products: two products share an id")
    return products


class Catalogue:
    """Products per store, refreshed in the background while the app runs."""

    def __init__(self, stores: Iterable[Store] = ()) -> None:
        self._products: dict[str, dict[str, Product]] = {}
        self._sources = {s.id: s.catalogue for s in stores if s.catalogue is not None}
        self._mtimes: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        #: Bumped on every change, so caches keyed by it forget stale products.
        self.version = 0
        for store_id, source in self._sources.items():
            if source.file is not None:
                self._load_file(store_id, source.file)

    @classmethod
    def from_products(cls, store_id: str, products: list[dict]) -> Catalogue:
        """A fixed catalogue (tests, examples)."""
        cat = cls()
        cat._products[store_id] = _validated({"products": products}, store_id)
        return cat

    def product(self, store_id: str, product_id: str | None) -> Product | None:
        if product_id is None:
            return None
        return self._products.get(store_id, {}).get(product_id)

    def products(self, store_id: str) -> list[Product]:
        return list(self._products.get(store_id, {}).values())

    def _load_file(self, store_id: str, file: str) -> None:
        path = Path(file)
        try:
            mtime = os.stat(path).st_mtime
            data = path.read_bytes()
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot read the catalogue of store {store_id!r}: {exc}") from None
        self._products[store_id] = parse_catalogue(data, str(path))
        self._mtimes[store_id] = mtime
        self.version += 1

    async def _fetch(self, store_id: str, url: str, client: httpx.AsyncClient) -> None:
        response = await client.get(url)
        response.raise_for_status()
        self._products[store_id] = parse_catalogue(response.content, url)
        self.version += 1

    async def refresh(self, client: httpx.AsyncClient | None = None) -> None:
        """Re-read changed files and re-fetch feeds; keep the old data on any failure."""
        own = client is None
        client = client or httpx.AsyncClient(timeout=10.0)
        try:
            for store_id, source in self._sources.items():
                try:
                    if source.file is not None:
                        if os.stat(source.file).st_mtime != self._mtimes.get(store_id):
                            self._load_file(store_id, source.file)
                    elif source.url is not None:
                        await self._fetch(store_id, source.url, client)
                except (OSError, httpx.HTTPError, StoresFileError) as exc:
                    log.warning("catalogue of %s not refreshed, keeping the last good one: %s", store_id, exc)
        finally:
            if own:
                await client.aclose()

    async def replace_with(self, other: Catalogue) -> None:
        """Take a reloaded stores file's sources; a store whose source is unchanged keeps its products."""
        kept = {
            store_id: products
            for store_id, products in self._products.items()
            if other._sources.get(store_id) == self._sources.get(store_id) and store_id not in other._products
        }
        self._products = {**kept, **other._products}
        self._mtimes = {**{k: v for k, v in self._mtimes.items() if k in kept}, **other._mtimes}
        self._sources = other._sources
        self.version += 1
        if self._task is not None:  # the loop's interval follows the new sources
            await self.stop()
        await self.start()

    async def start(self) -> None:
        if self._sources and self._task is None:
            await self.refresh()
            self._task = asyncio.create_task(self._loop(), name="catalogue-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _loop(self) -> None:
        every = min(source.refresh_s for source in self._sources.values())
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                await asyncio.sleep(every)
                await self.refresh(client)
