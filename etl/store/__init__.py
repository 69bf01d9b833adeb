"""The store: SQLAlchemy over SQLite (default, WAL) or PostgreSQL.

Publishing is one transaction: the new dataset's rows go in under a new version, the version
pointer moves, the old rows go. A reader asks for the rows of the pointed-to version in one
statement, so it sees the old dataset or the new one, never a mix. `dataset_version()` is one
tiny query for pollers. The same transaction stores a packed copy of the observations (Arrow IPC
bytes, table `observations_packed`), so every app host sharing the store loads a dataset with one
SELECT instead of reading and coding every row (`read_packed_copy`).

One module a job: `schema` (DDL, built from the declared tables in etl.tables), `read`, `publish`,
`journal` (the runs), `lock`, `packed` (Arrow IPC and the cache files), `errors`, `base` (engine).
The store imports no domain module: it publishes the tables etl.tables declares.
"""

from __future__ import annotations

from etl.store.base import SQLITE_BUSY_SECONDS, PublishedState, now_iso, sqlite_path
from etl.store.errors import StoreError, describe_error, error_kind, tables_missing
from etl.store.journal import RunsMixin
from etl.store.lock import LOCK_KEY, LockMixin
from etl.store.packed import (
    CACHE_KEEP,
    observations_cache_path,
    packed_from_ipc,
    packed_to_ipc,
    read_observations_cache,
    write_observations_cache,
    write_observations_cache_bytes,
)
from etl.store.publish import PublishMixin, content_hash
from etl.store.read import READ_CHUNK, ReadMixin
from etl.store.schema import (
    PUBLISHED_TABLES,
    SCHEMA_LOCK_KEY,
    VERSIONED_TABLES,
    ages_table,
    dataset_state,
    flows_table,
    indicators_table,
    metadata,
    observations,
    packed_table,
    regions_table,
    runs,
    versions_table,
)


class Store(PublishMixin, ReadMixin, RunsMixin, LockMixin):
    """Read and write nyckeltal's store at `url` (an SQLAlchemy URL)."""


__all__ = [
    "CACHE_KEEP",
    "LOCK_KEY",
    "PUBLISHED_TABLES",
    "READ_CHUNK",
    "SCHEMA_LOCK_KEY",
    "SQLITE_BUSY_SECONDS",
    "VERSIONED_TABLES",
    "PublishedState",
    "Store",
    "StoreError",
    "ages_table",
    "content_hash",
    "dataset_state",
    "describe_error",
    "error_kind",
    "flows_table",
    "indicators_table",
    "metadata",
    "now_iso",
    "observations",
    "observations_cache_path",
    "packed_from_ipc",
    "packed_table",
    "packed_to_ipc",
    "read_observations_cache",
    "regions_table",
    "runs",
    "sqlite_path",
    "tables_missing",
    "versions_table",
    "write_observations_cache",
    "write_observations_cache_bytes",
]
