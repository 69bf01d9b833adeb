"""GET /healthz: is the store the app reads sound, which dataset is served, is it kept fresh.

For load balancers and monitors, three answers (JSON, `Cache-Control: no-store`):
- 200 `ok`: the store answers, it is the one the app opened, it passes its integrity check;
- `degraded` (200, or 503 with NYCKELTAL_HEALTH_DEGRADED_STATUS=503): data is served, but the
  last scheduled refresh failed, or the last successful refresh is older than the refresh
  schedule allows (NYCKELTAL_HEALTH_MAX_AGE_HOURS; default twice the schedule's interval + 1 h);
- 503 `error`: the store cannot be read, fails its integrity check (SQLite `PRAGMA quick_check`;
  the published version's row count), or is no longer the configured one (the SQLite file was
  deleted or replaced under the running app).
The body names the problem in words, never a URL, password or path. Store errors elsewhere (API,
pages, layout) answer 503 "the data store is unavailable", never a 500 with the driver's text. A store
that holds no dataset yet (the deploy step `python -m etl snapshot load` has not run) answers 503
naming that command, on /healthz, the API and every page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard.data import EMPTY_STORE, EmptyStoreError
from etl import settings
from etl.freshness import age_seconds
from etl.runlog import read_unlogged
from etl.store import StoreError, error_kind, observations, runs, sqlite_path, tables_missing

SUCCESSFUL = ("published", "unchanged")
INTEGRITY_EVERY_S = 60.0  # SQLite quick_check at most this often per process (it reads the whole file)
UNAVAILABLE = "the data store is unavailable; try again in a moment"
# requests that are not a page: the empty-store page is answered for the others
NOT_PAGES = ("/_dash-", "/assets/", "/api/", "/healthz", "/_favicon", "/_reload-hash")

_checked: dict[tuple[str, Any], float] = {}  # (url, key) -> monotonic time the check last passed
_checked_lock = threading.Lock()


class UnsoundStoreError(RuntimeError):
    """The store is not sound; the message is safe to show (no URL, password or path)."""


def file_identity(url: str) -> tuple[int, int] | None:
    """(device, inode) of a SQLite store's file; None for PostgreSQL, in-memory, or no file."""
    path = sqlite_path(url) if url.startswith("sqlite") else None
    try:
        st = path.stat() if path is not None else None
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st is not None else None


def check_identity(url: str, opened: tuple[int, int] | None) -> None:
    """Fail when the SQLite file the app opened has been deleted or replaced since."""
    if opened is None:
        return
    now = file_identity(url)
    if now is None:
        raise UnsoundStoreError("the store file the app opened has been deleted; restore it, then restart the app")
    if now != opened:
        raise UnsoundStoreError("the store file has been replaced since the app opened it; restart the app to read it")


def check_integrity(store: Any, version: int, row_count: int) -> None:
    """The published version has the rows it was published with; a SQLite file passes quick_check
    (at most every INTEGRITY_EVERY_S seconds per process, and once per version for the row count)."""
    key = (store.url, ("rows", version))
    with _checked_lock:
        rows_known = key in _checked
        quick_due = store.is_sqlite and time.monotonic() - _checked.get((store.url, "quick"), -1e9) > INTEGRITY_EVERY_S
    if not rows_known:
        with store.engine.connect() as conn:
            found = conn.execute(select(func.count()).where(observations.c.dataset_version == version)).scalar()
        if found != row_count:
            raise UnsoundStoreError(
                f"the store fails its integrity check: version {version} has {found} rows, {row_count} were published"
            )
    if quick_due and _quick_check(store.url) != ["ok"]:
        raise UnsoundStoreError("the store file fails its integrity check (SQLite quick_check): it is damaged")
    with _checked_lock:
        _checked[key] = time.monotonic()
        if quick_due:
            _checked[(store.url, "quick")] = time.monotonic()


def _quick_check(url: str) -> list[str]:
    """SQLite's quick_check over a fresh read-only connection: the file as it is on disk, not pages
    a pooled connection still holds in its cache. A file SQLite cannot read at all is damaged too."""
    import sqlite3

    path = sqlite_path(url)
    if path is None:
        return ["ok"]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]


def max_age(now: datetime) -> timedelta | None:
    """How old the last successful refresh may be: NYCKELTAL_HEALTH_MAX_AGE_HOURS, else twice the
    refresh schedule's interval plus an hour (None when the schedule cannot be read)."""
    hours = settings.get("NYCKELTAL_HEALTH_MAX_AGE_HOURS")
    if hours:
        return timedelta(hours=float(hours))
    try:
        from etl.schedule import next_runs

        fires = next_runs(settings.get("NYCKELTAL_REFRESH_CRON"), 2, now)
    except Exception:
        return None
    return 2 * (fires[1] - fires[0]) + timedelta(hours=1) if len(fires) == 2 else None


def degraded_reasons(store: Any, finished: str | None, now: datetime) -> list[str]:
    """Why the served data may not be kept fresh: the last scheduled refresh failed, a run newer than
    every logged one could not be logged in the store (etl.runlog's journal), or the last successful
    refresh is older than the schedule allows."""
    reasons = []
    with store.engine.connect() as conn:
        last = (
            conn.execute(
                select(runs.c.id, runs.c.status, runs.c.started_at)
                .where(runs.c.trigger == "schedule", runs.c.status.notin_(("running", "locked")))
                .order_by(runs.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    if last is not None and last["status"] not in SUCCESSFUL:
        reasons.append(
            f"the last scheduled refresh (run {last['id']}, started {last['started_at']}) ended '{last['status']}': "
            "see python -m etl status"
        )
    unlogged = read_unlogged(1)
    if unlogged:
        with store.engine.connect() as conn:
            newest_logged = conn.execute(select(func.max(runs.c.started_at))).scalar()
        # ">=": in the same second the failure may be the later one
        if newest_logged is None or str(unlogged[0].get("at", "")) >= newest_logged:
            reasons.append(
                f"a {unlogged[0].get('trigger', 'refresh')} run at {unlogged[0].get('at')} failed and could not be "
                "logged in the store (is it read-only?): see python -m etl status"
            )
    limit = max_age(now)
    age = age_seconds(finished, now)
    if limit is not None and age is not None and age > limit.total_seconds():
        reasons.append(
            f"the last successful refresh is {age // 3600} h old; the refresh schedule allows "
            f"{int(limit.total_seconds() // 3600)} h"
        )
    return reasons


def health_report(source: Any, now: datetime) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for the store behind `source` (a dashboard DataSource)."""
    store = source.store
    try:
        check_identity(store.url, getattr(source, "opened_file", None))
        state = store.state()
        if state is None:
            return 503, {"status": "error", "error": EMPTY_STORE}
        check_integrity(store, state.version, state.row_count)
        last = store.last_run(*SUCCESSFUL)
        finished = last["finished_at"] if last else None
        reasons = degraded_reasons(store, finished, now)
    except UnsoundStoreError as exc:
        return 503, {"status": "error", "error": str(exc)}
    except (StoreError, SQLAlchemyError, OSError) as exc:
        if isinstance(exc, StoreError) and tables_missing(exc) and not getattr(source, "had_dataset", True):
            return 503, {"status": "error", "error": EMPTY_STORE}  # never loaded: the deploy step has not run
        return 503, {"status": "error", "error": f"cannot read the store: {error_kind(exc)}"}
    body: dict[str, Any] = {
        "status": "ok",
        "dataset_version": state.version,
        "published_at": state.published_at,
        "last_successful_refresh": finished,
        "age_seconds": age_seconds(finished, now),
    }
    if not reasons:
        return 200, body
    body["status"], body["problems"] = "degraded", reasons
    return (503 if settings.get("NYCKELTAL_HEALTH_DEGRADED_STATUS") == "503" else 200), body


def register_health(server: Flask, source_getter: Callable[[], Any]) -> None:
    """Add GET /healthz to the Flask `server` (`source_getter` returns the DataSource), and answer
    a store failure in any other request with 503 (not a 500 with the driver's text)."""

    @server.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            status, body = health_report(source_getter(), datetime.now(UTC))
        except Exception as exc:  # any other failure to read the store is "unhealthy", said without detail
            status, body = 503, {"status": "error", "error": f"cannot read the store: {error_kind(exc)}"}
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response, status

    def unavailable(_err: Exception) -> Response:
        from dashboard.api import api_error_for

        response = api_error_for(_request_path(), 503, UNAVAILABLE) or Response(
            UNAVAILABLE + "\n", 503, mimetype="text/plain"
        )
        response.headers["Retry-After"] = "30"
        response.headers["Cache-Control"] = "no-store"
        return response

    def empty(_err: Exception) -> Response:
        from dashboard.api import api_error_for

        response = api_error_for(_request_path(), 503, EMPTY_STORE) or Response(
            EMPTY_STORE + "\n", 503, mimetype="text/plain"
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @server.before_request
    def empty_store_page() -> Response | None:
        """A page asked while the store holds no dataset: the empty-store answer instead of a page shell
        whose layout could not load. Any other store fault is left to the page's own requests."""
        if request.method != "GET" or request.path.startswith(NOT_PAGES):
            return None
        try:
            source_getter().dataset()
        except EmptyStoreError as exc:
            return empty(exc)
        except Exception:
            return None
        return None

    server.register_error_handler(EmptyStoreError, empty)
    server.register_error_handler(StoreError, unavailable)
    server.register_error_handler(SQLAlchemyError, unavailable)


def _request_path() -> str:
    from flask import request

    return request.path
