"""Read-only access to the store, with the Dataset cached in memory per dataset version.

Every request asks the store for its version (one tiny query); the observations
are read again only when a new dataset has been published. On start the bundled
snapshot is published into an empty store (etl.snapshot.ensure_published).
"""

from __future__ import annotations

import threading
from typing import Any

from etl import settings
from etl.catalog import load_catalog
from etl.query import Dataset
from etl.regions import load_regions
from etl.snapshot import ensure_published
from etl.store import PublishedState, Store


class DataSource:
    """The dashboard's only door to the store."""

    def __init__(self, url: str | None = None):
        self.url = url or settings.get("NYCKELTAL_DATABASE_URL")
        self.store = Store(self.url)
        ensure_published(self.store)
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._state: PublishedState | None = None

    def dataset(self) -> Dataset:
        """The published Dataset; reloaded only when the store's version has moved."""
        version = self.store.dataset_version()
        cached = self._dataset
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            if self._dataset is None or self._dataset.version != self.store.dataset_version():
                read_version, frame = self.store.read_observations()
                self._dataset = Dataset(read_version, frame, load_catalog(), load_regions())
                self._state = self.store.state()
            return self._dataset

    def state(self) -> PublishedState | None:
        self.dataset()
        return self._state

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        try:
            return self.store.recent_runs(limit)
        except Exception:
            return []


_SOURCE: DataSource | None = None


def configure(url: str | None = None) -> DataSource:
    global _SOURCE
    _SOURCE = DataSource(url)
    return _SOURCE


def source() -> DataSource:
    return _SOURCE or configure()


def dataset() -> Dataset:
    return source().dataset()
