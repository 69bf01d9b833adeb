"""Publishing: one transaction writes the new version's rows of every declared table, the catalog's
indicators and regions and the packed copy, then moves the version pointer; the old version stays
listed (etl/versions.py prunes after the commit).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Table, func, insert, literal, select, update
from sqlalchemy.exc import SQLAlchemyError

from etl import settings
from etl.store.base import PublishedState, now_iso
from etl.store.errors import StoreError, describe_error
from etl.store.packed import observations_cache_path, pack_observations, packed_to_ipc, write_observations_cache_bytes
from etl.store.schema import (
    CURRENT_VERSION,
    PUBLISHED_TABLES,
    SchemaMixin,
    dataset_state,
    indicators_table,
    observations,
    packed_table,
    regions_table,
    versions_table,
)
from etl.tables import AGES, FLOWS, OBSERVATIONS, PUBLISHED
from etl.tables.declare import is_blank
from etl.tables.observations import OBSERVATION_KEY, normalise_observations

LOG = logging.getLogger(__name__)


def content_hash(frame: pd.DataFrame) -> str:
    """sha256 of the observations in key order, independent of the backend."""
    ordered = normalise_observations(frame).sort_values(list(OBSERVATION_KEY), kind="stable")
    h = hashlib.sha256()
    for row in ordered.itertuples(index=False):
        h.update(
            "\x1f".join("" if is_blank(v) else (f"{v:.10g}" if isinstance(v, float) else str(v)) for v in row).encode()
        )
        h.update(b"\n")
    return h.hexdigest()


class PublishMixin(SchemaMixin):
    """Replacing the published dataset."""

    def publish(
        self,
        frame: pd.DataFrame,
        catalog: Any,
        regions: Any,
        origin: str,
        source_updated: dict[str, dict[str, str]] | None = None,
        fail_after_rows: bool = False,
        flows: pd.DataFrame | None = None,
        ages: pd.DataFrame | None = None,
        observations_cache: str | None = None,
        run_id: int | None = None,
    ) -> PublishedState:
        """Atomically replace the published dataset with `frame`; returns the new state.

        `catalog` and `regions` (etl.catalog.Catalog, etl.regions.Regions) give the indicators' and
        regions' rows. `flows` and `ages` (the declared tables etl.tables.FLOWS and AGES, checked by
        their contracts) are published in the same transaction; when None, the rows of the previous
        version are carried over.

        Older versions are kept (table `dataset_versions` lists them, etl/versions.py rolls back to
        one); `etl.versions.prune` removes all but the newest NYCKELTAL_KEEP_VERSIONS after the commit,
        never in this transaction. `run_id` is the run that publishes, recorded with the version.

        `fail_after_rows` is a fault-injection hook for tests: it raises after the
        rows are written, before the pointer moves, to prove nothing leaks.

        The packed observations (pack_observations, Arrow IPC) are stored in the same
        transaction (table `observations_packed`), so any host loads them with one SELECT. After the
        commit the same bytes are written as the local observations cache file into the folder
        `observations_cache` (default NYCKELTAL_OBSERVATIONS_CACHE; empty: none), so the dashboard's
        next start reads it instead of the store; failing to write that file only logs.
        """
        frame = normalise_observations(frame)
        digest = content_hash(frame)
        try:
            packed_bytes: bytes | None = packed_to_ipc(pack_observations(frame))
        except ValueError as exc:  # rows the packed form cannot hold: readers read the rows
            LOG.warning("publishing without a packed copy: %s", exc)
            packed_bytes = None
        self._ensure_packed_table()
        records = OBSERVATIONS.records(frame)
        side = _side_records({FLOWS.name: flows, AGES.name: ages})
        source_updated = source_updated or {}
        with self.engine.begin() as conn:
            old = conn.execute(CURRENT_VERSION).scalar()
            highest = conn.execute(select(func.max(observations.c.dataset_version))).scalar()
            new = max(old or 0, highest or 0) + 1
            if records:
                conn.execute(insert(observations), [{"dataset_version": new, **r} for r in records])
            conn.execute(
                insert(indicators_table),
                [_indicator_row(new, ind, source_updated.get(ind.id, {})) for ind in catalog.indicators.values()],
            )
            conn.execute(insert(regions_table), [_region_row(new, code, regions) for code in regions.regions])
            for name, rows in side.items():
                _publish_side(conn, PUBLISHED_TABLES[name], rows, old, new)
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


def _side_records(given: dict[str, pd.DataFrame | None]) -> dict[str, list[dict[str, Any]] | None]:
    """Contract-checked records of each declared table beside the observations; None means
    'carry the old rows over'."""
    return {
        spec.name: None if given.get(spec.name) is None else spec.records(spec.checked(given[spec.name]))
        for spec in PUBLISHED
        if spec is not OBSERVATIONS
    }


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


def _region_row(version: int, code: str, regions: Any) -> dict[str, Any]:
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
