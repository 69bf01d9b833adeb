"""Shared fixtures: a store per backend (SQLite file, real PostgreSQL), the bundled dataset.

PostgreSQL tests use a server on 127.0.0.1:5432 (trust auth) or NYCKELTAL_TEST_PG_URL;
each test gets its own database, created and dropped here. When CI=true a missing
server is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from etl.catalog import load_catalog
from etl.query import Dataset
from etl.regions import load_regions
from etl.snapshot import load_bundled, load_snapshot_into
from etl.store import Store

# in-process tests publish and read at once: the dashboard asks the store for its version on every
# request (production polls at most every NYCKELTAL_VERSION_POLL_MS, default 1 s; test_scaleout uses that)
os.environ.setdefault("NYCKELTAL_VERSION_POLL_MS", "0")
PG_ADMIN_URL = os.environ.get("NYCKELTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REFERENCE_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(autouse=True)
def own_run_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs a store could not log go to a journal (etl/runlog.py) that /healthz reads: one per test, never
    the work tree's, so one test's refused run never makes another's health degraded."""
    monkeypatch.setenv("NYCKELTAL_RUN_JOURNAL", str(tmp_path / "runs-unlogged.jsonl"))


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but does not answer at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"no PostgreSQL at {PG_ADMIN_URL} ({problem}); run bash scripts/test.sh to start one")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = f"nyckeltal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    s.create_schema()
    yield s
    s.dispose()


def load_deployed(url: str) -> str:
    """Load the bundled snapshot into the store at `url` as the deploy step does (load_bundled, what
    `python -m etl snapshot load` runs; the dashboard itself never loads); returns `url`."""
    s = Store(url)
    try:
        load_bundled(s)
    finally:
        s.dispose()
    return url


@pytest.fixture(scope="session")
def load_snapshot() -> Callable[[str], str]:
    """`load_snapshot(url)`: the deploy step on the store at `url` (see load_deployed)."""
    return load_deployed


@pytest.fixture(scope="session")
def bundled_dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The bundled snapshot, published into a SQLite store and read back, as the app sees it."""
    path = tmp_path_factory.mktemp("bundled") / "store.sqlite"
    s = Store(f"sqlite:///{path}")
    load_snapshot_into(s)
    version, frame = s.read_observations()
    s.dispose()
    return Dataset(version, frame, load_catalog(), load_regions())


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """../shared/reference; tests that replay it skip outside CI when it is absent, fail in CI."""
    if not (REFERENCE_DIR / "scb").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the recorded reference material at {REFERENCE_DIR}")
        pytest.skip(f"no reference material at {REFERENCE_DIR}")
    return REFERENCE_DIR
