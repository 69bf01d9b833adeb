"""Published versions kept in the store, and rolling back to one of them.

Every publish adds a version (its rows stay under their `dataset_version`, a row in
`dataset_versions` records when, which run, how many rows and their content sha256); after the
commit all but the newest NYCKELTAL_KEEP_VERSIONS are pruned (`prune`), never the published one.
`rollback` moves the published-version pointer back to a kept version in one transaction, under
the refresh lock, logged as a run with status `rolled_back`: the dashboard and API follow at their
next version poll, as after a publish (a version's rows never change, so nothing cached goes stale).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from etl import settings
from etl.outcome import RunOutcome
from etl.store import (
    VERSIONED_TABLES,
    Store,
    StoreError,
    dataset_state,
    describe_error,
    metadata,
    observations,
    versions_table,
)

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class VersionInfo:
    """One kept published version."""

    version: int
    published_at: str
    run_id: int | None
    row_count: int
    content_sha256: str
    origin: str
    published: bool  # the one served now


@dataclass
class RollbackOutcome(RunOutcome):
    """rolled_back | unchanged | failed | locked: the published version before and after."""

    OK: ClassVar[tuple[str, ...]] = ("rolled_back", "unchanged")

    before: int | None = None
    after: int | None = None


def keep_count() -> int:
    """NYCKELTAL_KEEP_VERSIONS, at least 1 (the published version is always kept)."""
    return max(1, settings.get_int("NYCKELTAL_KEEP_VERSIONS"))


def list_versions(store: Store) -> list[VersionInfo]:
    """The kept versions, newest first. A store published before versions were recorded lists its
    published version from the pointer (run unknown)."""
    try:
        with store.engine.connect() as conn:
            current = conn.execute(select(dataset_state).where(dataset_state.c.id == 1)).mappings().first()
            rows = conn.execute(select(versions_table).order_by(versions_table.c.version.desc())).mappings().all()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store's versions: {describe_error(exc)}") from None
    now = current["version"] if current else None
    found = [
        VersionInfo(
            r["version"],
            r["published_at"],
            r["run_id"],
            r["row_count"],
            r["content_sha256"],
            r["origin"],
            r["version"] == now,
        )
        for r in rows
    ]
    if current is not None and not any(v.published for v in found):
        found.append(
            VersionInfo(
                now,
                current["published_at"],
                None,
                current["row_count"],
                current["content_sha256"],
                current["origin"],
                True,
            )
        )
        found.sort(key=lambda v: -v.version)
    return found


def prune(store: Store, keep: int | None = None) -> list[int]:
    """Remove every version but the newest `keep` (default NYCKELTAL_KEEP_VERSIONS) and the published
    one, in one transaction; returns the versions removed. Called after a publish has committed."""
    keep = keep_count() if keep is None else max(1, keep)
    tables = [metadata.tables[name] for name in VERSIONED_TABLES]
    with store.engine.begin() as conn:
        current = conn.execute(select(dataset_state.c.version).where(dataset_state.c.id == 1)).scalar()
        newest = conn.execute(select(versions_table.c.version).order_by(versions_table.c.version.desc()).limit(keep))
        kept = {v for (v,) in newest} | ({current} if current is not None else set())
        present = {v for (v,) in conn.execute(select(observations.c.dataset_version).distinct())}
        present |= {v for (v,) in conn.execute(select(versions_table.c.version))}
        gone = sorted(present - kept)
        if gone:
            for table in tables:
                conn.execute(delete(table).where(table.c.dataset_version.in_(gone)))
            conn.execute(delete(versions_table).where(versions_table.c.version.in_(gone)))
    return gone


def rollback(store: Store, to: int | None = None, trigger: str = "manual") -> RollbackOutcome:
    """Make kept version `to` (default: the newest kept version older than the published one) the
    published version, in one transaction under the refresh lock; logged as a run."""
    store.create_schema()
    with store.refresh_lock() as held:
        if not held:
            run_id = store.start_run(trigger)
            store.finish_run(run_id, "locked", error="another refresh or rollback held the lock; nothing was done")
            return RollbackOutcome("locked", run_id, error="another refresh or rollback holds the lock")
        store.mark_interrupted()
        run_id = store.start_run(trigger)
        outcome = RollbackOutcome("failed", run_id)
        try:
            outcome = _move_pointer(store, to, outcome)
        except (StoreError, SQLAlchemyError) as exc:
            outcome.status, outcome.error = "failed", f"rollback failed, nothing changed: {describe_error(exc)}"
        details = {"rollback": {"from": outcome.before, "to": outcome.after}}
        if outcome.status == "failed":
            store.finish_run(run_id, "failed", details, error=outcome.error)
        else:
            store.finish_run(run_id, outcome.status, details, error=outcome.error, version=outcome.after)
        return outcome


def _move_pointer(store: Store, to: int | None, outcome: RollbackOutcome) -> RollbackOutcome:
    with store.engine.begin() as conn:
        current = conn.execute(select(dataset_state.c.version).where(dataset_state.c.id == 1)).scalar()
        outcome.before = current
        kept = conn.execute(select(versions_table).order_by(versions_table.c.version.desc())).mappings().all()
        by_version = {r["version"]: r for r in kept}
        listing = ", ".join(str(v) for v in sorted(by_version)) or "none"
        if current is None:
            outcome.error = "rollback failed, nothing changed: the store holds no published dataset"
            return outcome
        if to is None:
            older = [v for v in by_version if v < current]
            if not older:
                outcome.error = (
                    f"rollback failed, nothing changed: no version older than {current} is kept (kept: {listing})"
                )
                return outcome
            to = max(older)
        if to == current:
            outcome.status, outcome.after = "unchanged", current
            outcome.error = f"version {to} is already the published one; nothing changed"
            return outcome
        target = by_version.get(to)
        if target is None:
            outcome.error = f"rollback failed, nothing changed: version {to} is not kept (kept: {listing})"
            return outcome
        rows = conn.execute(select(func.count()).where(observations.c.dataset_version == to)).scalar()
        if rows != target["row_count"]:
            outcome.error = (
                f"rollback failed, nothing changed: version {to} has {rows} rows in the store, "
                f"{target['row_count']} were published"
            )
            return outcome
        conn.execute(
            update(dataset_state)
            .where(dataset_state.c.id == 1)
            .values(
                version=to,
                published_at=target["published_at"],
                content_sha256=target["content_sha256"],
                row_count=target["row_count"],
                origin=target["origin"],
            )
        )
        if store.before_commit is not None:
            store.before_commit()
    outcome.status, outcome.after = "rolled_back", to
    return outcome


def format_versions(found: list[VersionInfo]) -> str:
    """The table `python -m etl versions` prints."""
    lines = [f"  {'version':>7}  {'published at':<20}  {'run':>5}  {'rows':>7}  {'content sha256':<16}  origin"]
    for v in found:
        mark = "*" if v.published else " "
        run = "-" if v.run_id is None else str(v.run_id)
        lines.append(
            f"{mark} {v.version:>7}  {v.published_at:<20}  {run:>5}  {v.row_count:>7}  {v.content_sha256[:16]:<16}  {v.origin}"
        )
    lines.append("* = the published version")
    return "\n".join(lines)


def versions_json(found: list[VersionInfo]) -> str:
    return json.dumps([v.__dict__ for v in found], ensure_ascii=False, indent=1)
