"""The runs journal in the store: every refresh, load and rollback starts and finishes a row."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from etl.store.base import StoreBase, now_iso
from etl.store.errors import StoreError, describe_error, first_line
from etl.store.schema import runs


class RunsMixin(StoreBase):
    """Logging runs."""

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
            raise StoreError(f"cannot read the store at {self._safe_url()}: {first_line(exc)}") from None
        return dict(row) if row else None

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) | {"details": json.loads(r["details"] or "{}")} for r in rows]
