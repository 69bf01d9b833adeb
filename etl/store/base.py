"""The store's connection: an SQLAlchemy engine over SQLite (WAL, busy timeout) or PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

SQLITE_BUSY_SECONDS = 30.0


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PublishedState:
    version: int
    published_at: str
    content_sha256: str
    row_count: int
    origin: str


class StoreBase:
    """The engine of the store at `url` (an SQLAlchemy URL); the other parts of Store build on it."""

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

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also a `file:` URI, e.g. `sqlite:///file:/x.sqlite?mode=ro&uri=true`);
    None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database.removeprefix("file:"))


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
