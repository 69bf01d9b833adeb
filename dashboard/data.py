"""Read-only access to the store, with the Dataset cached in memory per dataset version.

The store's version is asked for at most every NYCKELTAL_VERSION_POLL_MS milliseconds per
process (one tiny query; 0 = on every request); the observations are read again only when a
new dataset has been published, and a publish is served from the first request after the
interval. Each loaded Dataset computes its group series (Södertörn) at once, so no view pays
for them. The observations are loaded packed (etl.store.packed.pack_observations): from a local Arrow
file (NYCKELTAL_OBSERVATIONS_CACHE, default data/cache/; written by the publish itself, else by the
first process that loads the version; named by version and content sha256, so it can never stand
for other data), else from the packed copy the publish stored in the store (what a second host or
a fresh deploy uses: one SELECT), else from the rows. The dashboard never writes to the store: loading
the bundled snapshot into an empty store is the deploy step `python -m etl snapshot load` (the
README's first command, `make run` and app.py run it); until then every page and /healthz say so
(EmptyStoreError, naming that command).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from etl import settings
from etl.catalog import load_catalog
from etl.query import Dataset
from etl.regions import load_regions
from etl.store import (
    PublishedState,
    Store,
    StoreError,
    observations_cache_path,
    read_observations_cache,
    tables_missing,
    write_observations_cache,
)

LOG = logging.getLogger(__name__)
LOAD_COMMAND = "python -m etl snapshot load"
EMPTY_STORE = (
    f"the store holds no published dataset: load the bundled snapshot with `{LOAD_COMMAND}` "
    "(or fetch from the sources with `python -m etl refresh`)"
)


class EmptyStoreError(StoreError):
    """The store has no published dataset yet (the deploy step has not run): said with the command."""

    def __init__(self) -> None:
        super().__init__(EMPTY_STORE)


def published_version(store: Store, had_dataset: bool = False) -> int:
    """The store's published version; EmptyStoreError when nothing is published, or when its tables are
    not there and it `had_dataset` never (tables gone under a running app stay a StoreError: the store
    is unsound, not waiting for its deploy step)."""
    try:
        version = store.dataset_version()
    except StoreError as exc:
        if had_dataset or not tables_missing(exc):
            raise
        version = None
    if version is None:
        raise EmptyStoreError
    return version


class DataSource:
    """The dashboard's only door to the store."""

    def __init__(self, url: str | None = None, poll_ms: int | None = None):
        self.url = url or settings.get("NYCKELTAL_DATABASE_URL")
        self.poll_s = max(0, settings.get_int("NYCKELTAL_VERSION_POLL_MS") if poll_ms is None else poll_ms) / 1000
        self.store = Store(self.url)
        self.had_dataset = self._published()  # seen a published dataset (at start, or loaded since)
        # the SQLite file this process reads: /healthz answers 503 once it is deleted or replaced
        from dashboard.health import file_identity

        self.opened_file = file_identity(self.url)
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._state: PublishedState | None = None
        self._checked = float("-inf")  # monotonic time of the last version query

    def _published(self) -> bool:
        try:
            return self.store.dataset_version() is not None
        except StoreError:  # no tables yet, or the store does not answer
            return False

    def dataset(self) -> Dataset:
        """The published Dataset; reloaded only when the store's version has moved (EmptyStoreError
        while nothing is published)."""
        cached = self._dataset
        if cached is not None and time.monotonic() - self._checked < self.poll_s:
            return cached
        version = published_version(self.store, self.had_dataset)
        self._checked = time.monotonic()
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            if self._dataset is None or self._dataset.version != self.store.dataset_version():
                state, read_version, packed = self._read()
                loaded = Dataset.from_packed(read_version, packed, load_catalog(), load_regions())
                loaded.precompute_groups()
                self._dataset = loaded
                self.had_dataset = True
                # the state read with the observations (a publish in between: that of the version now read)
                self._state = state if state is None or state.version == read_version else self.store.state()
                release_memory()
            self._checked = time.monotonic()
            return self._dataset

    def _read(self) -> tuple[PublishedState | None, int | None, dict[str, np.ndarray]]:
        """(the store's published state, version, packed observations): from the local cache file when it
        holds this version, else from the packed copy the publish stored in the store (one SELECT, checked
        against its sha256), else from the rows; what came from the store is written to the cache file for
        the next start."""
        folder = settings.get("NYCKELTAL_OBSERVATIONS_CACHE")
        state = self.store.state()
        if state is None:
            return (None, *self.store.read_observations_packed())
        path = observations_cache_path(Path(folder), state) if folder else None
        if path is not None and path.exists():
            try:
                return state, state.version, read_observations_cache(path)
            except Exception as exc:  # a damaged cache file is only a slower start
                LOG.warning("ignoring the observations cache %s: %s", path, exc)
        copy = self.store.read_packed_copy()
        version, packed = copy if copy is not None else self.store.read_observations_packed()
        if path is not None and version == state.version:
            try:
                write_observations_cache(path, packed)
            except OSError as exc:
                LOG.warning("cannot write the observations cache %s: %s", path, exc)
        return state, version, packed

    def state(self) -> PublishedState | None:
        """The published state of the Dataset served; None while the store holds none."""
        try:
            self.dataset()
        except EmptyStoreError:
            return None
        return self._state

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        try:
            return self.store.recent_runs(limit)
        except Exception:
            return []


def release_memory() -> None:
    """Collect garbage and give freed heap pages back to the system (glibc malloc_trim), so that
    what loading a dataset allocated and dropped does not stay in the process's RSS."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


_SOURCE: DataSource | None = None


def configure(url: str | None = None) -> DataSource:
    global _SOURCE
    _SOURCE = DataSource(url)
    return _SOURCE


def source() -> DataSource:
    return _SOURCE or configure()


def dataset() -> Dataset:
    return source().dataset()


_FETCHED: dict[tuple[int, int | None], frozenset[str]] = {}


def fetched_indicators() -> frozenset[str]:
    """Indicators some refresh has fetched (their sources carry an update stamp), read once per dataset
    version: a Kolada figure with no value and no stamp is "fetched at the first refresh" (issue 18)."""
    from etl.keyfigures_table import fetched_indicators as from_stamps

    src = source()
    key = (id(src), src.dataset().version)
    hit = _FETCHED.get(key)
    if hit is None:
        try:
            stamps = src.store.source_updated()
        except Exception:  # a store without the stamps: nothing was fetched
            stamps = {}
        _FETCHED.clear()
        hit = _FETCHED[key] = frozenset(from_stamps(stamps))
    return hit
