"""First start on an empty store: two processes started together both succeed (the second waits for
the first's snapshot load), a waiter gives up with a clear message after NYCKELTAL_SNAPSHOT_WAIT, the
dashboard never loads (it names the deploy step; app.py runs that step), and the schema is created
safely by several processes at once on an empty store (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from etl.snapshot import load_snapshot_into
from etl.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[2]


def start(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=os.environ | {"NYCKELTAL_DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"} | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_first_starts_at_once_both_succeed(store_url: str):
    procs = [start(store_url, "snapshot", "load") for _ in range(2)]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    outs = sorted(out for out, _ in results)
    assert outs[0].startswith("loaded the bundled snapshot as dataset version 1 (")
    assert outs[1] == "the store already holds dataset version 1 (snapshot); nothing loaded\n"
    store = Store(store_url)
    try:
        assert store.state().version == 1
        assert [(r["trigger"], r["status"]) for r in store.recent_runs(5)] == [("snapshot", "loaded")]  # loaded once
    finally:
        store.dispose()


def test_a_process_that_finds_another_loading_waits_for_it(store_url: str):
    store = Store(store_url)
    store.create_schema()
    try:
        with store.refresh_lock() as held:  # this test is "the other process", in the middle of its load
            assert held
            waiter = start(store_url, "status")  # a read command: says empty, never waits or loads
            assert waiter.communicate(timeout=120)[1].startswith("error: the store is empty (no published dataset)")
            waiter = start(store_url, "snapshot", "load", NYCKELTAL_SNAPSHOT_WAIT="120")
            first_line = waiter.stderr.readline()  # it says it waits, then waits
            assert first_line == "another process is loading the snapshot or refreshing; waiting for it (up to 120 s)\n"
            assert waiter.poll() is None
            load_snapshot_into(store)
        out, err = waiter.communicate(timeout=120)
        assert waiter.returncode == 0, err
        assert out == "the store already holds dataset version 1 (snapshot); nothing loaded\n"
        assert store.state().version == 1
    finally:
        store.dispose()


def test_a_waiter_gives_up_with_a_clear_message(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = Store(url)
    store.create_schema()
    try:
        with store.refresh_lock() as held:
            assert held
            waiter = start(url, "snapshot", "load", NYCKELTAL_SNAPSHOT_WAIT="1")
            out, err = waiter.communicate(timeout=120)
        assert (waiter.returncode, out) == (1, "")
        assert err.splitlines()[-1] == (
            "error: the store is still empty after waiting 1 s for another process that holds the refresh lock "
            "(loading the snapshot or refreshing); nothing was loaded. If that process is gone, run "
            "`python -m etl snapshot load` again (NYCKELTAL_SNAPSHOT_WAIT sets how long to wait)"
        )
        assert store.state() is None
    finally:
        store.dispose()


def test_the_dashboard_on_an_empty_store_loads_nothing_and_names_the_step(tmp_path: Path):
    from dashboard.app import create_app
    from etl.snapshot import load_bundled

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    client = create_app(url).server.test_client()
    command = "`python -m etl snapshot load`"
    health = client.get("/healthz")
    assert health.status_code == 503 and command in health.get_json()["error"]
    for path in ("/", "/jamfor", "/_dash-layout"):
        page = client.get(path)
        assert (page.status_code, page.mimetype) == (503, "text/plain"), path
        assert command in page.get_data(as_text=True), path
    api = client.get("/api/v1/observations.csv?indicator=population")
    assert api.status_code == 503 and command in api.get_json()["message"]
    store = Store(url)
    try:
        with pytest.raises(StoreError, match="no such table"):  # the dashboard wrote nothing, not even its tables
            store.state()
        load_bundled(store)  # the deploy step, while the app runs: the next request serves the dataset
        assert client.get("/healthz").get_json()["dataset_version"] == 1
        assert client.get("/jamfor").status_code == 200
    finally:
        store.dispose()


def test_app_py_first_start_runs_the_deploy_step(tmp_path: Path):
    """`app.py` (what `gunicorn app:server` imports) loads an empty store through `python -m etl snapshot
    load` in a child process, then serves it."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    probe = "import app; print(app.server.test_client().get('/healthz').get_json()['dataset_version'])"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=os.environ | {"NYCKELTAL_DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded, served = done.stdout.splitlines()
    assert loaded.startswith("loaded the bundled snapshot as dataset version 1 (") and served == "1"
    store = Store(url)
    try:
        runs = store.recent_runs(5)
        assert [(r["trigger"], r["status"], r["dataset_version"]) for r in runs] == [("snapshot", "loaded", 1)]
    finally:
        store.dispose()


@pytest.mark.parametrize("attempt", range(3))
def test_schema_creation_is_safe_when_processes_start_at_once(store_url: str, attempt: int):
    stores = [Store(store_url) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def create(store: Store) -> None:
        barrier.wait(timeout=30)
        try:
            store.create_schema()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert stores[0].state() is None and stores[0].recent_runs() == []  # every table is there, empty
    finally:
        for s in stores:
            s.dispose()
