"""The stores file, kept current while the API runs: edits apply without a restart.

A store owner adds an origin, changes the tone or tightens the policy, saves, and
within ``CARTCOACH_STORES_RELOAD_S`` (2 s) every request uses the new file. A file
that does not validate changes nothing: the last good stores keep serving and the
log says which field is wrong, the same message a start-up would have stopped on.

Why a ``stat`` poll and not inotify (``watchfiles``, which uvicorn already brings):
the file usually arrives through a Docker bind mount, a Kubernetes ConfigMap (a
symlink swapped under it) or a network file system, where change events are not
delivered, so watchfiles would have to poll there too. One ``os.stat`` every two
seconds costs nothing, follows symlinks, and sees a file replaced on save (a new
inode) as well as one written in place.

The stores it swaps in come from ``load`` (the dashboard's settings in the database
laid over the file, :mod:`accounts.store_settings`); the settings page calls
:meth:`StoresFileWatcher.reload` after a save, so both paths apply a change the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from nudges.catalogue import Catalogue
from overlay_api.live_feed import LiveFeed
from nudges.stores import StoreRegistry, StoresFileError

log = logging.getLogger(__name__)


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file does (mtime in ns, size, inode); None while it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class StoresFileWatcher:
    """Re-reads the stores file when it changes and swaps it in, or keeps the old one."""

    def __init__(
        self,
        path: Path,
        registry: StoreRegistry,
        catalogue: Catalogue,
        live_feed: LiveFeed,
        *,
        own_origins: tuple[str, ...] = (),
        interval_s: float = 2.0,
        load: Callable[[], StoreRegistry] | None = None,
    ) -> None:
        self._path = path
        self._registry = registry
        self._catalogue = catalogue
        self._live_feed = live_feed
        self._own_origins = own_origins
        self._interval_s = interval_s
        self._seen = _signature(path)
        self._task: asyncio.Task[None] | None = None
        self._load = load or (lambda: StoreRegistry.from_file(self._path, self._own_origins))

    async def check(self) -> bool:
        """Reload if the file changed since the last look; True if new stores now serve."""
        signature = _signature(self._path)
        if signature == self._seen:
            return False
        self._seen = signature
        return await self.reload()

    async def reload(self) -> bool:
        """Build the stores again and swap them in; True if they now serve."""
        try:
            registry = self._load()
            catalogue = Catalogue(registry)  # a bad catalogue rejects the whole change
        except StoresFileError as exc:
            log.error("stores file not reloaded, the last good one keeps serving: %s", exc)
            return False
        self._registry.replace_with(registry)
        await self._catalogue.replace_with(catalogue)
        self._live_feed.track_new_stores()
        log.info("stores reloaded: %s (%d stores)", self._path, sum(1 for _ in self._registry))
        return True

    async def start(self) -> None:
        if self._task is None and self._interval_s > 0:
            self._task = asyncio.create_task(self._loop(), name="stores-file-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.check()
            except Exception:  # never let the watcher die: the next change must still apply
                log.exception("stores file check failed; trying again in %.0f s", self._interval_s)
