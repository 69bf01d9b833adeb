"""Reading the store: the published state, the observations (as rows or packed), the packed copy,
the other declared tables and the indicators' source stamps. Each read is one statement against
the version the pointer names, so a reader sees one dataset, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from etl.store.base import PublishedState, StoreBase
from etl.store.errors import StoreError, first_line
from etl.store.packed import PACKED_KEYS, PACKED_TEXTS, pack_columns, packed_from_ipc
from etl.store.schema import (
    CURRENT_VERSION,
    PUBLISHED_TABLES,
    dataset_state,
    indicators_table,
    observations,
    packed_table,
)
from etl.tables import AGES, FLOWS, TableSpec
from etl.tables.observations import OBSERVATION_COLUMNS, OBSERVATION_KEY, normalise_observations

LOG = logging.getLogger(__name__)
READ_CHUNK = 50_000  # rows turned into columns at a time by read_observations


class ReadMixin(StoreBase):
    """The store's read paths."""

    def state(self) -> PublishedState | None:
        """The published dataset's version and stamps; None when nothing is published."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(dataset_state).where(dataset_state.c.id == 1)).mappings().first()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None
        if row is None:
            return None
        return PublishedState(
            row["version"], row["published_at"], row["content_sha256"], row["row_count"], row["origin"]
        )

    def dataset_version(self) -> int | None:
        """The published version, one tiny query: cheap enough to poll on every request."""
        try:
            with self.engine.connect() as conn:
                return conn.execute(CURRENT_VERSION).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None

    def read_observations(self) -> tuple[int | None, pd.DataFrame]:
        """(version, observations) of the published dataset, read in one consistent statement.

        Read through the driver's own cursor in chunks of READ_CHUNK rows, each turned into
        columns at once: no SQLAlchemy row objects, and at most one chunk of Python objects alive
        (a full-Sweden store is several hundred thousand rows)."""
        current = CURRENT_VERSION.scalar_subquery()
        cols = [observations.c[c] for c in OBSERVATION_COLUMNS]
        query = (
            select(current.label("current_version"), *cols)
            .where(observations.c.dataset_version == current)
            .order_by(*[observations.c[c] for c in OBSERVATION_KEY])
        )
        sql = str(query.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        names = ["dataset_version", *OBSERVATION_COLUMNS]
        parts: list[pd.DataFrame] = []
        try:
            with self.engine.connect() as conn:
                for columns in _column_chunks(conn, sql, names):
                    parts.append(_chunk_frame(columns))
                    del columns
                if not parts:
                    version = conn.execute(CURRENT_VERSION).scalar()
                    empty = pd.DataFrame({c: [] for c in OBSERVATION_COLUMNS})
                    return version, normalise_observations(empty)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        del parts
        version = int(frame["dataset_version"].iloc[0])
        return version, normalise_observations(frame.drop(columns="dataset_version"))

    def read_observations_packed(self) -> tuple[int | None, dict[str, np.ndarray]]:
        """(version, pack_observations() of the published observations), read in one
        statement like read_observations, but chunk by chunk straight into integer codes: no frame
        and no string per row outlives its chunk (how the dashboard loads a dataset)."""
        current = CURRENT_VERSION.scalar_subquery()
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
                for columns in _column_chunks(conn, sql, names):
                    version = int(columns["dataset_version"][0])
                    years.append(np.array(columns["year"], dtype=np.int64))
                    values.append(_floats(columns["value"]))
                    for c in text_cols:
                        chunk_codes, uniques = pd.factorize(np.array(columns[c], dtype=object))
                        lookup = lookups[c]
                        remap = np.array([lookup.setdefault(str(u), len(lookup)) for u in uniques] + [-1])
                        codes[c].append(remap[chunk_codes])
                    del columns
                if version is None:
                    version = conn.execute(CURRENT_VERSION).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None

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
            LOG.info("no packed copy of the observations in the store (%s): reading the rows", first_line(exc))
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

    def read_table(self, spec: TableSpec) -> pd.DataFrame:
        """The rows of a declared published table in the published version, checked by its contract."""
        table = PUBLISHED_TABLES[spec.name]
        current = CURRENT_VERSION.scalar_subquery()
        query = select(*[table.c[c] for c in spec.column_names]).where(table.c.dataset_version == current)
        try:
            with self.engine.connect() as conn:
                frame = pd.DataFrame(conn.execute(query).fetchall(), columns=list(spec.column_names))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None
        return spec.checked(frame)

    def read_flows(self) -> pd.DataFrame:
        """Origin-destination commuting of the published dataset (etl/tables/flows.py contract)."""
        return self.read_table(FLOWS)

    def read_ages(self) -> pd.DataFrame:
        """Age structure (5-year bands) of the published dataset (etl/tables/ages.py contract)."""
        return self.read_table(AGES)

    def source_updated(self) -> dict[str, dict[str, str]]:
        """indicator id -> {source ref: the source's 'updated' stamp at the last publish}."""
        current = CURRENT_VERSION.scalar_subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(indicators_table.c.id, indicators_table.c.source_updated).where(
                    indicators_table.c.dataset_version == current
                )
            ).all()
        return {r[0]: json.loads(r[1] or "{}") for r in rows}


def _column_chunks(conn: Connection, sql: str, names: list[str]) -> Iterator[dict[str, tuple]]:
    """The answer to `sql` through the driver's own cursor, READ_CHUNK rows at a time, each chunk as
    columns (name -> values); the chunk's rows are dropped before it is handed out."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(READ_CHUNK):
            columns = dict(zip(names, zip(*rows, strict=True), strict=True))
            del rows
            yield columns
            del columns
    finally:
        cursor.close()


def _floats(values: tuple) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _chunk_frame(columns: dict[str, tuple]) -> pd.DataFrame:
    """A chunk of columns as a frame in the observation types (strings, int years, float values)."""
    return pd.DataFrame(
        {
            name: (
                np.array(col, dtype=np.int64)
                if name in ("dataset_version", "year")
                else _floats(col)
                if name == "value"
                else pd.array(col, dtype="string")
            )
            for name, col in columns.items()
        }
    )
