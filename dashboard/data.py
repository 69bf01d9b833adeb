"""Read-only access to the store, with the Dataset cached in memory per dataset version.

The store's version is asked for at most every NYCKELTAL_VERSION_POLL_MS milliseconds per
process (one tiny query; 0 = on every request); the observations are read again only when a
new dataset has been published, and a publish is served from the first request after the
interval. Each loaded Dataset computes its group series (Södertörn) at once, so no view pays
for them. A derived Arrow copy of each version's observations (NYCKELTAL_OBSERVATIONS_CACHE,
default data/cache/) makes a restart fast; it is named by version and content sha256, so it
can never stand for other data. On start the bundled snapshot is published into an empty
store (etl.snapshot.ensure_published).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

from etl import settings
from etl.catalog import load_catalog
from etl.query import Dataset
from etl.regions import load_regions
from etl.schema import normalise_observations
from etl.snapshot import ensure_published
from etl.store import PublishedState, Store

LOG = logging.getLogger(__name__)


class DataSource:
    """The dashboard's only door to the store."""

    def __init__(self, url: str | None = None, poll_ms: int | None = None):
        self.url = url or settings.get("NYCKELTAL_DATABASE_URL")
        self.poll_s = max(0, settings.get_int("NYCKELTAL_VERSION_POLL_MS") if poll_ms is None else poll_ms) / 1000
        self.store = Store(self.url)
        ensure_published(self.store)
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._state: PublishedState | None = None
        self._checked = float("-inf")  # monotonic time of the last version query

    def dataset(self) -> Dataset:
        """The published Dataset; reloaded only when the store's version has moved."""
        cached = self._dataset
        if cached is not None and time.monotonic() - self._checked < self.poll_s:
            return cached
        version = self.store.dataset_version()
        self._checked = time.monotonic()
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            if self._dataset is None or self._dataset.version != self.store.dataset_version():
                read_version, frame = self._read()
                loaded = Dataset(read_version, frame, load_catalog(), load_regions())
                loaded.precompute_groups()
                self._dataset = loaded
                self._state = self.store.state()
            self._checked = time.monotonic()
            return self._dataset

    def _read(self) -> tuple[int | None, pd.DataFrame]:
        """(version, observations): from the Arrow cache when it holds this version, else from the store
        (then written to the cache for the next start)."""
        folder = settings.get("NYCKELTAL_OBSERVATIONS_CACHE")
        state = self.store.state() if folder else None
        if state is None:
            return self.store.read_observations()
        path = cache_path(Path(folder), state)
        if path.exists():
            try:
                return state.version, read_cached(path)
            except Exception as exc:  # a damaged cache file is only a slower start
                LOG.warning("ignoring the observations cache %s: %s", path, exc)
        version, frame = self.store.read_observations()
        if version == state.version:
            try:
                write_cached(path, frame)
            except OSError as exc:
                LOG.warning("cannot write the observations cache %s: %s", path, exc)
        return version, frame

    def state(self) -> PublishedState | None:
        self.dataset()
        return self._state

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        try:
            return self.store.recent_runs(limit)
        except Exception:
            return []


CACHE_KEEP = 4  # cache files kept (the newest); older versions are removed when a new one is written


def cache_path(folder: Path, state: PublishedState) -> Path:
    """The cache file of one published dataset: its version and content hash name it."""
    return folder / f"observations-v{state.version}-{state.content_sha256[:16]}.arrow"


def read_cached(path: Path) -> pd.DataFrame:
    """Observations from an Arrow IPC file written by `write_cached`, in the contract's types."""
    return normalise_observations(pd.read_feather(path))


def write_cached(path: Path, frame: pd.DataFrame) -> None:
    """Write atomically (temp file + rename), then drop all but the newest CACHE_KEEP files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.reset_index(drop=True).to_feather(tmp, compression="uncompressed")
    os.replace(tmp, path)
    old = sorted(path.parent.glob("observations-v*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[CACHE_KEEP:]:
        stale.unlink(missing_ok=True)


_SOURCE: DataSource | None = None


def configure(url: str | None = None) -> DataSource:
    global _SOURCE
    _SOURCE = DataSource(url)
    return _SOURCE


def source() -> DataSource:
    return _SOURCE or configure()


def dataset() -> Dataset:
    return source().dataset()
