"""One refresh at a time across processes and machines: a file lock (filelock) beside a SQLite
store, a session-level advisory lock on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text

from etl.store.base import StoreBase, sqlite_path

LOCK_KEY = 80_127_0136  # PostgreSQL advisory lock id for "one refresh at a time"


class LockMixin(StoreBase):
    """The refresh lock."""

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[bool]:
        """One refresh at a time across processes and machines: yields True when this
        process holds the lock, False when another does (the caller then exits cleanly)."""
        if self.is_sqlite:
            path = _sqlite_lock_path(self.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(path, thread_local=False)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                yield False
                return
            try:
                yield True
            finally:
                lock.release()
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


def _sqlite_lock_path(url: str) -> Path:
    """The lock file beside a SQLite database; an in-memory database gets one in the temp dir."""
    path = sqlite_path(url)
    if path is None:
        return Path(tempfile.gettempdir()) / f"nyckeltal-memory-{os.getpid()}.lock"
    return Path(str(path) + ".lock")
