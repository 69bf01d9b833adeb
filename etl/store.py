"""The store: SQLAlchemy over SQLite (default, WAL) or PostgreSQL.

Publishing is one transaction: the new dataset's rows go in under a new
version, the version pointer moves, the old rows go. A reader asks for the
rows of the pointed-to version in one statement, so it sees the old dataset or
the new one, never a mix. `dataset_version()` is one tiny query for pollers.

The same transaction stores a packed copy of the observations (etl.query.pack_observations as
Arrow IPC bytes, table `observations_packed`), so every app host sharing the store loads a
dataset with one SELECT instead of reading and coding every row (`read_packed_copy`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from etl import settings
from etl.catalog import Catalog
from etl.regions import Regions
from etl.schema import OBSERVATION_COLUMNS, normalise_observations

LOG = logging.getLogger(__name__)
READ_CHUNK = 50_000  # rows turned into columns at a time by read_observations
LOCK_KEY = 80_127_0136  # PostgreSQL advisory lock id for "one refresh at a time"

metadata = MetaData()


def figure_columns() -> list[Column]:
    """The columns every stored figure carries: its value and where it comes from (new objects per table)."""
    return [
        Column("value", Float, nullable=True),
        Column("status", String(16), nullable=False),
        Column("source", String(32), nullable=False),
        Column("source_ref", Text, nullable=False),
        Column("retrieved_at", String(32), nullable=True),
    ]


dataset_state = Table(
    "dataset_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("published_at", String(32), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("origin", Text, nullable=False),
)
observations = Table(
    "observations",
    metadata,
    Column("dataset_version", Integer, primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("region_code", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("sex", String(1), primary_key=True),
    *figure_columns(),
)
indicators_table = Table(
    "indicators",
    metadata,
    Column("dataset_version", Integer, primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("theme", String(32), nullable=False),
    Column("label_sv", Text, nullable=False),
    Column("label_en", Text, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("aggregation", String(32), nullable=False),
    Column("sources", Text, nullable=False),
    Column("source_updated", Text, nullable=True),
)
regions_table = Table(
    "regions",
    metadata,
    Column("dataset_version", Integer, primary_key=True),
    Column("code", String(8), primary_key=True),
    Column("name_sv", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("level", String(16), nullable=False),
    Column("groups", Text, nullable=False),
)
# origin-destination commuting and age structure (etl/flows.py, etl/ages.py), versioned with observations
flows_table = Table(
    "flows",
    metadata,
    Column("dataset_version", Integer, primary_key=True),
    Column("from_code", String(8), primary_key=True),
    Column("to_code", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("sex", String(1), primary_key=True),
    *figure_columns(),
)
ages_table = Table(
    "age_structure",
    metadata,
    Column("dataset_version", Integer, primary_key=True),
    Column("region_code", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("sex", String(1), primary_key=True),
    Column("age_band", String(8), primary_key=True),
    *figure_columns(),
)
# the observations of one version packed for loading (etl.query.pack_observations as Arrow IPC bytes):
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
    Column("published_at", String(32), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("origin", Text, nullable=False),
    Column("run_id", Integer, nullable=True),
)
VERSIONED_TABLES = ("observations", "indicators", "regions", "flows", "age_structure", "observations_packed")
SCHEMA_LOCK_KEY = 80_127_0137  # PostgreSQL advisory lock id for "one schema creation at a time"
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


class StoreError(RuntimeError):
    """The store cannot be read or written; the message says which and how to fix it."""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_hash(frame: pd.DataFrame) -> str:
    """sha256 of the observations in key order, independent of the backend."""
    ordered = normalise_observations(frame).sort_values(["indicator_id", "region_code", "year", "sex"], kind="stable")
    h = hashlib.sha256()
    for row in ordered.itertuples(index=False):
        h.update(
            "\x1f".join("" if _blank(v) else (f"{v:.10g}" if isinstance(v, float) else str(v)) for v in row).encode()
        )
        h.update(b"\n")
    return h.hexdigest()


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


@dataclass
class PublishedState:
    version: int
    published_at: str
    content_sha256: str
    row_count: int
    origin: str


class Store:
    """Read and write nyckeltal's store at `url` (an SQLAlchemy URL)."""

    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = sqlite_path(url)
            if path is not None and not make_url(url).query.get("mode"):  # mode=ro: never create anything
                path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        # Fault injection only (tests/etl/test_faults.py): called inside the publish
        # transaction after every write, just before the commit, e.g. to SIGKILL the process there.
        self.before_commit: Callable[[], None] | None = None

    # ------------------------------------------------------------------ schema
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

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # ------------------------------------------------------------------ read
    def state(self) -> PublishedState | None:
        """The published dataset's version and stamps; None when nothing is published."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(dataset_state).where(dataset_state.c.id == 1)).mappings().first()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {_first_line(exc)}") from None
        if row is None:
            return None
        return PublishedState(
            row["version"], row["published_at"], row["content_sha256"], row["row_count"], row["origin"]
        )

    def dataset_version(self) -> int | None:
        """The published version, one tiny query: cheap enough to poll on every request."""
        try:
            with self.engine.connect() as conn:
                return conn.execute(select(dataset_state.c.version).where(dataset_state.c.id == 1)).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {_first_line(exc)}") from None

    def read_observations(self) -> tuple[int | None, pd.DataFrame]:
        """(version, observations) of the published dataset, read in one consistent statement.

        Read through the driver's own cursor in chunks of READ_CHUNK rows, each turned into
        columns at once: no SQLAlchemy row objects, and at most one chunk of Python objects alive
        (a full-Sweden store is several hundred thousand rows)."""
        current = select(dataset_state.c.version).where(dataset_state.c.id == 1).scalar_subquery()
        cols = [observations.c[c] for c in OBSERVATION_COLUMNS]
        query = (
            select(current.label("current_version"), *cols)
            .where(observations.c.dataset_version == current)
            .order_by(observations.c.indicator_id, observations.c.region_code, observations.c.year, observations.c.sex)
        )
        sql = str(query.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        names = ["dataset_version", *OBSERVATION_COLUMNS]
        parts: list[pd.DataFrame] = []
        try:
            with self.engine.connect() as conn:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(sql)
                    while rows := cursor.fetchmany(READ_CHUNK):
                        parts.append(_chunk_frame(names, rows))
                finally:
                    cursor.close()
                if not parts:
                    version = conn.execute(select(dataset_state.c.version).where(dataset_state.c.id == 1)).scalar()
                    empty = pd.DataFrame({c: [] for c in OBSERVATION_COLUMNS})
                    return version, normalise_observations(empty)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {_first_line(exc)}") from None
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        del parts
        version = int(frame["dataset_version"].iloc[0])
        return version, normalise_observations(frame.drop(columns="dataset_version"))

    def read_observations_packed(self) -> tuple[int | None, dict[str, np.ndarray]]:
        """(version, etl.query.pack_observations() of the published observations), read in one
        statement like read_observations, but chunk by chunk straight into integer codes: no frame
        and no string per row outlives its chunk (how the dashboard loads a dataset)."""
        from etl.query import PACKED_KEYS, PACKED_TEXTS, pack_columns

        current = select(dataset_state.c.version).where(dataset_state.c.id == 1).scalar_subquery()
        cols = [observations.c[c] for c in OBSERVATION_COLUMNS]
        query = select(current.label("current_version"), *cols).where(observations.c.dataset_version == current)
        sql = str(query.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        names = ["dataset_version", *OBSERVATION_COLUMNS]
        text_cols = (*PACKED_KEYS, *PACKED_TEXTS)
        lookups: dict[str, dict[str, int]] = {c: {} for c in text_cols}
        codes: dict[str, list[np.ndarray]] = {c: [] for c in text_cols}
        years: list[np.ndarray] = []
        values: list[np.ndarray] = []
        version = None
        try:
            with self.engine.connect() as conn:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(sql)
                    while rows := cursor.fetchmany(READ_CHUNK):
                        columns = dict(zip(names, zip(*rows, strict=True), strict=True))
                        del rows
                        version = int(columns["dataset_version"][0])
                        years.append(np.array(columns["year"], dtype=np.int64))
                        values.append(np.array([math.nan if v is None else v for v in columns["value"]], dtype=float))
                        for c in text_cols:
                            chunk_codes, uniques = pd.factorize(np.array(columns[c], dtype=object))
                            lookup = lookups[c]
                            remap = np.array([lookup.setdefault(str(u), len(lookup)) for u in uniques] + [-1])
                            codes[c].append(remap[chunk_codes])
                        del columns
                finally:
                    cursor.close()
                if version is None:
                    version = conn.execute(select(dataset_state.c.version).where(dataset_state.c.id == 1)).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {_first_line(exc)}") from None

        def joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
            return np.concatenate(parts) if parts else np.array([], dtype=dtype)

        return version, pack_columns(
            {c: (joined(codes[c], np.int64), list(lookups[c])) for c in text_cols},
            joined(years, np.int64),
            joined(values, float),
        )

    def read_packed_copy(self) -> tuple[int, dict[str, np.ndarray]] | None:
        """(version, packed observations) from the packed copy the publish stored with the published
        version, in one statement; None when there is none (a store published before the copy existed,
        or no such table yet) or it does not check out (its sha256, or the rows' content hash it was
        built from, differs): the caller then reads the rows."""
        query = (
            select(
                dataset_state.c.version,
                dataset_state.c.content_sha256,
                packed_table.c.content_sha256,
                packed_table.c.packed_sha256,
                packed_table.c.data,
            )
            .join(packed_table, packed_table.c.dataset_version == dataset_state.c.version)
            .where(dataset_state.c.id == 1)
        )
        try:
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
        except SQLAlchemyError as exc:
            LOG.info("no packed copy of the observations in the store (%s): reading the rows", _first_line(exc))
            return None
        if row is None:
            return None
        version, content, built_from, digest, data = row
        data = bytes(data)
        if built_from != content or hashlib.sha256(data).hexdigest() != digest:
            LOG.warning("the store's packed copy of version %s does not check out: reading the rows", version)
            return None
        try:
            return int(version), packed_from_ipc(data)
        except Exception as exc:  # unreadable: only a slower load
            LOG.warning("cannot read the store's packed copy of version %s (%s): reading the rows", version, exc)
            return None

    def _read_side(self, table: Table, columns: tuple[str, ...]) -> pd.DataFrame:
        current = select(dataset_state.c.version).where(dataset_state.c.id == 1).scalar_subquery()
        query = select(*[table.c[c] for c in columns]).where(table.c.dataset_version == current)
        try:
            with self.engine.connect() as conn:
                return pd.DataFrame(conn.execute(query).fetchall(), columns=list(columns))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {_first_line(exc)}") from None

    def read_flows(self) -> pd.DataFrame:
        """Origin-destination commuting of the published dataset (etl.flows contract)."""
        from etl.flows import FLOW_COLUMNS, validate_flows

        return validate_flows(self._read_side(flows_table, FLOW_COLUMNS))

    def read_ages(self) -> pd.DataFrame:
        """Age structure (5-year bands) of the published dataset (etl.ages contract)."""
        from etl.ages import AGE_COLUMNS, validate_ages

        return validate_ages(self._read_side(ages_table, AGE_COLUMNS))

    def source_updated(self) -> dict[str, dict[str, str]]:
        """indicator id -> {source ref: the source's 'updated' stamp at the last publish}."""
        current = select(dataset_state.c.version).where(dataset_state.c.id == 1).scalar_subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(indicators_table.c.id, indicators_table.c.source_updated).where(
                    indicators_table.c.dataset_version == current
                )
            ).all()
        return {r[0]: json.loads(r[1] or "{}") for r in rows}

    # ------------------------------------------------------------------ publish
    def publish(
        self,
        frame: pd.DataFrame,
        catalog: Catalog,
        regions: Regions,
        origin: str,
        source_updated: dict[str, dict[str, str]] | None = None,
        fail_after_rows: bool = False,
        flows: pd.DataFrame | None = None,
        ages: pd.DataFrame | None = None,
        observations_cache: str | None = None,
        run_id: int | None = None,
    ) -> PublishedState:
        """Atomically replace the published dataset with `frame`; returns the new state.

        `flows` (etl.flows contract) and `ages` (etl.ages contract) are published in the
        same transaction; when None, the rows of the previous version are carried over.

        Older versions are kept (table `dataset_versions` lists them, etl/versions.py rolls back to
        one); `etl.versions.prune` removes all but the newest NYCKELTAL_KEEP_VERSIONS after the commit,
        never in this transaction. `run_id` is the run that publishes, recorded with the version.

        `fail_after_rows` is a fault-injection hook for tests: it raises after the
        rows are written, before the pointer moves, to prove nothing leaks.

        The packed observations (etl.query.pack_observations, Arrow IPC) are stored in the same
        transaction (table `observations_packed`), so any host loads them with one SELECT. After the
        commit the same bytes are written as the local observations cache file into the folder
        `observations_cache` (default NYCKELTAL_OBSERVATIONS_CACHE; empty: none), so the dashboard's
        next start reads it instead of the store; failing to write that file only logs.
        """
        from etl.query import pack_observations

        frame = normalise_observations(frame)
        digest = content_hash(frame)
        try:
            packed_bytes: bytes | None = packed_to_ipc(pack_observations(frame))
        except ValueError as exc:  # rows the packed form cannot hold: readers read the rows
            LOG.warning("publishing without a packed copy: %s", exc)
            packed_bytes = None
        self._ensure_packed_table()
        records = [
            {c: (None if _blank(v) else v) for c, v in zip(OBSERVATION_COLUMNS, row, strict=True)}
            for row in frame.itertuples(index=False)
        ]
        source_updated = source_updated or {}
        with self.engine.begin() as conn:
            old = conn.execute(select(dataset_state.c.version).where(dataset_state.c.id == 1)).scalar()
            highest = conn.execute(select(func.max(observations.c.dataset_version))).scalar()
            new = max(old or 0, highest or 0) + 1
            if records:
                conn.execute(insert(observations), [{"dataset_version": new, **r} for r in records])
            conn.execute(
                insert(indicators_table),
                [_indicator_row(new, ind, source_updated.get(ind.id, {})) for ind in catalog.indicators.values()],
            )
            conn.execute(insert(regions_table), [_region_row(new, code, regions) for code in regions.regions])
            _publish_side(conn, flows_table, _side_records(flows, "flows"), old, new)
            _publish_side(conn, ages_table, _side_records(ages, "ages"), old, new)
            if packed_bytes is not None:
                conn.execute(
                    insert(packed_table).values(
                        dataset_version=new,
                        content_sha256=digest,
                        packed_sha256=hashlib.sha256(packed_bytes).hexdigest(),
                        data=packed_bytes,
                    )
                )
            if fail_after_rows:
                raise StoreError("fault injected after writing rows")
            stamp = now_iso()
            values = {
                "version": new,
                "published_at": stamp,
                "content_sha256": digest,
                "row_count": len(records),
                "origin": origin,
            }
            if old is None:
                conn.execute(insert(dataset_state).values(id=1, **values))
            else:
                conn.execute(update(dataset_state).where(dataset_state.c.id == 1).values(**values))
            conn.execute(insert(versions_table).values(run_id=run_id, **values))
            if self.before_commit is not None:
                self.before_commit()
        state = PublishedState(new, stamp, digest, len(records), origin)
        from etl.versions import prune  # after the commit, never in the publish transaction

        try:
            prune(self)
        except SQLAlchemyError as exc:  # the publish stands; the next one prunes again
            LOG.warning("cannot prune old versions: %s", describe_error(exc))
        folder = settings.get("NYCKELTAL_OBSERVATIONS_CACHE") if observations_cache is None else observations_cache
        if folder and packed_bytes is not None:
            try:
                write_observations_cache_bytes(observations_cache_path(Path(folder), state), packed_bytes)
            except OSError as exc:
                LOG.warning("cannot write the observations cache in %s: %s", folder, exc)
        return state

    def _ensure_packed_table(self) -> None:
        """Create `observations_packed` and `dataset_versions` in a store made before they existed
        (the migration; no-op otherwise)."""
        try:
            metadata.create_all(self.engine, tables=[packed_table, versions_table])
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the store's tables at {self._safe_url()}: {_first_line(exc)}") from None

    # ------------------------------------------------------------------ runs
    def start_run(self, trigger: str) -> int:
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert(runs).values(started_at=now_iso(), trigger=trigger, status="running"))
                return int(result.inserted_primary_key[0])
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot log the run in the store: {describe_error(exc)}") from None

    def finish_run(
        self,
        run_id: int,
        status: str,
        details: dict[str, Any] | None = None,
        validation: str | None = None,
        error: str | None = None,
        version: int | None = None,
    ) -> None:
        try:
            self._finish_run(run_id, status, details, validation, error, version)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot log the run's end in the store: {describe_error(exc)}") from None

    def _finish_run(
        self,
        run_id: int,
        status: str,
        details: dict[str, Any] | None,
        validation: str | None,
        error: str | None,
        version: int | None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=now_iso(),
                    status=status,
                    details=json.dumps(details or {}, ensure_ascii=False),
                    validation=validation,
                    error=error,
                    dataset_version=version,
                )
            )

    def mark_interrupted(self) -> list[int]:
        """Runs still 'running' become 'interrupted'; returns their ids.

        Call only while holding the refresh lock: then no other run can be alive,
        so a 'running' row is one whose process was killed or crashed mid-run.
        Its finished_at stays empty: it never finished, and nothing of it was published.
        """
        try:
            return self._mark_interrupted()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot log in the store: {describe_error(exc)}") from None

    def _mark_interrupted(self) -> list[int]:
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(select(runs.c.id).where(runs.c.status == "running")).all()]
            if ids:
                conn.execute(
                    update(runs)
                    .where(runs.c.id.in_(ids))
                    .values(
                        status="interrupted",
                        error="the process ended before the run finished (killed or crashed); nothing of it was published",
                    )
                )
        return ids

    def last_run(self, *statuses: str) -> dict[str, Any] | None:
        """The newest run ending in one of `statuses` (e.g. 'published', 'unchanged'), or None."""
        try:
            with self.engine.connect() as conn:
                row = (
                    conn.execute(select(runs).where(runs.c.status.in_(statuses)).order_by(runs.c.id.desc()).limit(1))
                    .mappings()
                    .first()
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {_first_line(exc)}") from None
        return dict(row) if row else None

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) | {"details": json.loads(r["details"] or "{}")} for r in rows]

    # ------------------------------------------------------------------ lock
    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[bool]:
        """One refresh at a time across processes and machines: yields True when this
        process holds the lock, False when another does (the caller then exits cleanly)."""
        if self.is_sqlite:
            path = _sqlite_lock_path(self.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a+") as fh:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return
        with self.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                    conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()


# ------------------------------------------------------------------ derived observations cache
CACHE_KEEP = 4  # cache files kept (the newest); older versions are removed when a new one is written


def observations_cache_path(folder: Path, state: PublishedState) -> Path:
    """The cache file of one published dataset: its version and content hash name it, so it can
    never stand for other data."""
    return folder / f"observations-v{state.version}-{state.content_sha256[:16]}.arrow"


def packed_to_ipc(packed: dict[str, np.ndarray]) -> bytes:
    """etl.query.pack_observations() output as Arrow IPC file bytes (zstd-compressed buffers): the
    integer, year and value columns as columns, the text tables in the schema metadata. The float64
    values are stored bit for bit."""
    import pyarrow as pa

    columns = {k: v for k, v in packed.items() if not k.endswith("_texts")}
    texts = {k: [str(t) for t in v.tolist()] for k, v in packed.items() if k.endswith("_texts")}
    table = pa.table({k: pa.array(v) for k, v in columns.items()})
    table = table.replace_schema_metadata({"nyckeltal_texts": json.dumps(texts, ensure_ascii=False)})
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd" if pa.Codec.is_available("zstd") else None)
    with pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def packed_from_ipc(source: Any) -> dict[str, np.ndarray]:
    """The packed observations in Arrow IPC bytes (or a pyarrow buffer/memory map), copied out."""
    import pyarrow as pa

    table = pa.ipc.open_file(source).read_all()
    texts = json.loads(table.schema.metadata[b"nyckeltal_texts"])
    packed = {name: np.array(table.column(name).to_numpy(), copy=True) for name in table.column_names}
    packed.update({k: np.array(v, dtype=object) for k, v in texts.items()})
    return packed


def write_observations_cache(path: Path, packed: dict[str, np.ndarray]) -> None:
    """Write etl.query.pack_observations() output as an Arrow IPC file (packed_to_ipc)."""
    write_observations_cache_bytes(path, packed_to_ipc(packed))


def write_observations_cache_bytes(path: Path, data: bytes) -> None:
    """Write packed_to_ipc() bytes as the cache file `path`. Atomic (temp file + rename); then all but
    the newest CACHE_KEEP files are removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    old = sorted(path.parent.glob("observations-v*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[CACHE_KEEP:]:
        stale.unlink(missing_ok=True)


def read_observations_cache(path: Path) -> dict[str, np.ndarray]:
    """The packed observations written by write_observations_cache (copied out of the file)."""
    import pyarrow as pa

    with pa.memory_map(str(path), "r") as source:
        return packed_from_ipc(source)


def _chunk_frame(names: list[str], rows: list[tuple]) -> pd.DataFrame:
    """A chunk of driver rows as a frame in the observation types (strings, int years, float values)."""
    columns = dict(zip(names, zip(*rows, strict=True), strict=True))
    frame = pd.DataFrame(
        {
            name: (
                np.array(col, dtype=np.int64)
                if name in ("dataset_version", "year")
                else np.array([math.nan if v is None else v for v in col], dtype=float)
                if name == "value"
                else pd.array(col, dtype="string")
            )
            for name, col in columns.items()
        }
    )
    return frame


def _side_records(frame: pd.DataFrame | None, kind: str) -> list[dict[str, Any]] | None:
    """Contract-checked records of a flows/ages frame; None means 'carry the old rows over'."""
    if frame is None:
        return None
    from etl import ages, flows

    columns, check = (
        (flows.FLOW_COLUMNS, flows.validate_flows) if kind == "flows" else (ages.AGE_COLUMNS, ages.validate_ages)
    )
    frame = check(frame)
    return [
        {c: (None if _blank(v) else v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False)
    ]


def _publish_side(conn: Any, table: Table, records: list[dict[str, Any]] | None, old: int | None, new: int) -> None:
    if records is None:
        if old is not None:
            cols = [c.name for c in table.columns if c.name != "dataset_version"]
            conn.execute(
                insert(table).from_select(
                    ["dataset_version", *cols],
                    select(literal(new), *[table.c[c] for c in cols]).where(table.c.dataset_version == old),
                )
            )
        return
    if records:
        conn.execute(insert(table), [{"dataset_version": new, **r} for r in records])


SQLITE_BUSY_SECONDS = 30.0


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL, normal sync and a 30 s busy timeout on every SQLite connection. Switching a new file
    to WAL answers "database is locked" at once (no busy wait) while another connection is in
    the middle of the same switch, so that one statement is retried for up to the busy timeout."""
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _indicator_row(version: int, ind: Any, updated: dict[str, str]) -> dict[str, Any]:
    return {
        "dataset_version": version,
        "id": ind.id,
        "theme": ind.theme,
        "label_sv": ind.label.sv,
        "label_en": ind.label.en,
        "unit": ind.unit.id,
        "aggregation": ind.aggregation.method,
        "sources": json.dumps([s.describe() for s in ind.sources] or [f"computed: {ind.formula}"], ensure_ascii=False),
        "source_updated": json.dumps(updated, ensure_ascii=False),
    }


def _region_row(version: int, code: str, regions: Regions) -> dict[str, Any]:
    r = regions.regions[code]
    groups = [g.id for g in regions.groups.values() if code in g.members]
    return {
        "dataset_version": version,
        "code": code,
        "name_sv": r.name_sv,
        "name_en": r.name_en,
        "level": r.level,
        "groups": ",".join(groups),
    }


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:240]


def error_kind(exc: Exception | str) -> str:
    """What went wrong with the store, in words an operator acts on, from an exception or its text:
    never a URL, password or path (what /healthz shows)."""
    low = str(exc).lower()
    if tables_missing(low):
        return "the store's tables are missing"
    kinds = (
        (("read-only", "readonly", "read only"), "the store refuses writes (read-only)"),
        (("malformed", "not a database", "file is encrypted"), "the store file is damaged"),
        (("does not exist",), "the database does not exist"),
        (
            ("connection refused", "could not connect", "connection failed", "server closed", "timeout expired"),
            "the database server does not answer",
        ),
        (("uniqueviolation", "duplicate key"), "another process wrote the same rows at the same time"),
        (("unable to open database", "disk i/o error"), "the store file cannot be opened"),
    )
    return next((text for needles, text in kinds if any(n in low for n in needles)), "the store cannot be used")


def tables_missing(exc: Exception | str) -> bool:
    """The error says the store's tables are not there (an empty store), not that it cannot be reached."""
    low = str(exc).lower()
    return "no such table" in low or ("relation" in low and "does not exist" in low)


def describe_error(exc: Exception) -> str:
    """error_kind() with the driver's own first line in brackets (it never holds the URL's password)."""
    raw = str(exc).strip()
    return f"{error_kind(exc)} ({raw.splitlines()[0][:200] if raw else type(exc).__name__})"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also a `file:` URI, e.g. `sqlite:///file:/x.sqlite?mode=ro&uri=true`);
    None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database.removeprefix("file:"))


def _sqlite_lock_path(url: str) -> Path:
    """The flock file beside a SQLite database; an in-memory database gets one in the temp dir."""
    path = sqlite_path(url)
    if path is None:
        return Path(tempfile.gettempdir()) / f"nyckeltal-memory-{os.getpid()}.lock"
    return Path(str(path) + ".lock")
