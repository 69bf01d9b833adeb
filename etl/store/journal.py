"""The runs journal in the store: every refresh, load and rollback starts and finishes a row."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from etl.store.base import StoreBase, now_iso
from etl.store.errors import StoreError, describe_error, first_line
from etl.store.schema import runs

T = TypeVar("T")
INTERRUPTED = "the process ended before the run finished (killed or crashed); nothing of it was published"


class RunsMixin(StoreBase):
    """Logging runs."""

    def _log(self, failure: str, write: Callable[[Connection], T]) -> T:
        """`write` in one transaction; a database error becomes StoreError("<failure>: <what went wrong>")."""
        try:
            with self.engine.begin() as conn:
                return write(conn)
        except SQLAlchemyError as exc:
            raise StoreError(f"{failure}: {describe_error(exc)}") from None

    def start_run(self, trigger: str) -> int:
        def write(conn: Connection) -> int:
            result = conn.execute(insert(runs).values(started_at=now_iso(), trigger=trigger, status="running"))
            return int(result.inserted_primary_key[0])

        return self._log("cannot log the run in the store", write)

    def finish_run(
        self,
        run_id: int,
        status: str,
        details: dict[str, Any] | None = None,
        validation: str | None = None,
        error: str | None = None,
        version: int | None = None,
    ) -> None:
        values = {
            "finished_at": now_iso(),
            "status": status,
            "details": json.dumps(details or {}, ensure_ascii=False),
            "validation": validation,
            "error": error,
            "dataset_version": version,
        }
        self._log(
            "cannot log the run's end in the store",
            lambda conn: conn.execute(update(runs).where(runs.c.id == run_id).values(**values)),
        )

    def mark_interrupted(self) -> list[int]:
        """Runs still 'running' become 'interrupted'; returns their ids.

        Call only while holding the refresh lock: then no other run can be alive,
        so a 'running' row is one whose process was killed or crashed mid-run.
        Its finished_at stays empty: it never finished, and nothing of it was published.
        """

        def write(conn: Connection) -> list[int]:
            ids = [r[0] for r in conn.execute(select(runs.c.id).where(runs.c.status == "running")).all()]
            if ids:
                conn.execute(update(runs).where(runs.c.id.in_(ids)).values(status="interrupted", error=INTERRUPTED))
            return ids

        return self._log("cannot log in the store", write)

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
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None
        return dict(row) if row else None

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) | {"details": json.loads(r["details"] or "{}")} for r in rows]
