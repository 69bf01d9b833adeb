"""The store's tables (DDL): the published tables built from their declarations (etl.tables), the
catalog's indicators and regions, the version pointer and list, the packed copy and the runs.

Every published table is versioned: its rows carry `dataset_version` before the declared key.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, LargeBinary, MetaData, String, Table, Text, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeEngine

from etl.store.base import StoreBase
from etl.store.errors import StoreError, describe_error, first_line
from etl.tables import AGES, CATALOG_TABLES, FLOWS, INDICATORS, OBSERVATIONS, PUBLISHED, REGIONS, TableSpec
from etl.tables.declare import Column as Declared

SCHEMA_LOCK_KEY = 80_127_0137  # PostgreSQL advisory lock id for "one schema creation at a time"

metadata = MetaData()


def _sql_type(col: Declared) -> TypeEngine:
    if col.kind == "int":
        return Integer()
    if col.kind == "float":
        return Float()
    return String(col.length) if col.length else Text()


def versioned_table(spec: TableSpec) -> Table:
    """The SQL table of a declared published table: dataset_version, then the key, then the values."""
    return Table(
        spec.name,
        metadata,
        Column("dataset_version", Integer, primary_key=True),
        *[Column(c.name, _sql_type(c), primary_key=True) for c in spec.key],
        *[Column(c.name, _sql_type(c), nullable=c.nullable) for c in spec.values],
    )


def _stamp_columns() -> list[Column]:
    """What a published version is stamped with (new objects per table)."""
    return [
        Column("published_at", String(32), nullable=False),
        Column("content_sha256", String(64), nullable=False),
        Column("row_count", Integer, nullable=False),
        Column("origin", Text, nullable=False),
    ]


dataset_state = Table(
    "dataset_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    *_stamp_columns(),
)
# the published version (one row, id 1): every read asks for the rows of this version
CURRENT_VERSION = select(dataset_state.c.version).where(dataset_state.c.id == 1)
PUBLISHED_TABLES: dict[str, Table] = {spec.name: versioned_table(spec) for spec in (*PUBLISHED, *CATALOG_TABLES)}
observations = PUBLISHED_TABLES[OBSERVATIONS.name]
indicators_table = PUBLISHED_TABLES[INDICATORS.name]
regions_table = PUBLISHED_TABLES[REGIONS.name]
flows_table = PUBLISHED_TABLES[FLOWS.name]
ages_table = PUBLISHED_TABLES[AGES.name]
# the observations of one version packed for loading (etl.store.packed, Arrow IPC bytes):
# derived data, written in the publish transaction; `content_sha256` names the rows it was built from
# and `packed_sha256` is the sha256 of `data`, both checked before use
packed_table = Table(
    "observations_packed",
    metadata,
    Column("dataset_version", Integer, primary_key=True),
    Column("content_sha256", String(64), nullable=False),
    Column("packed_sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
# every kept published version (etl/versions.py): what `python -m etl versions` lists and
# `python -m etl rollback` moves the pointer back to; pruned to NYCKELTAL_KEEP_VERSIONS after a publish
versions_table = Table(
    "dataset_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    *_stamp_columns(),
    Column("run_id", Integer, nullable=True),
)
VERSIONED_TABLES = (*PUBLISHED_TABLES, packed_table.name)  # every table whose rows carry a dataset_version
runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32), nullable=True),
    Column("trigger", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("dataset_version", Integer, nullable=True),
    Column("validation", Text, nullable=True),
    Column("details", Text, nullable=True),
    Column("error", Text, nullable=True),
)


class SchemaMixin(StoreBase):
    """Creating the store's tables."""

    def create_schema(self) -> None:
        """Create the missing tables. Safe when several processes start on an empty store at once:
        on PostgreSQL the creation runs under a transaction-scoped advisory lock, on SQLite under
        the write lock (BEGIN IMMEDIATE), so the second process waits for the first's tables and
        then finds them (no duplicate-table race)."""
        try:
            if self.is_sqlite:
                # BEGIN IMMEDIATE takes SQLite's write lock before the existence checks, so a
                # second process waits (busy timeout) and then finds the first one's tables.
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    metadata.create_all(conn)
                    conn.commit()
                return
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
                metadata.create_all(conn)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the store's tables: {describe_error(exc)}") from None

    def _ensure_packed_table(self) -> None:
        """Create `observations_packed` and `dataset_versions` in a store made before they existed
        (the migration; no-op otherwise)."""
        try:
            metadata.create_all(self.engine, tables=[packed_table, versions_table])
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the store's tables at {self._safe_url()}: {first_line(exc)}") from None
