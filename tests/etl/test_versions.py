"""Kept versions and rollback (etl/versions.py) on SQLite and PostgreSQL: a bad but valid publish
is undone by one command, the dashboard and API follow, a SIGKILL mid-rollback changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.data import DataSource
from etl.catalog import load_catalog
from etl.refresh import refresh
from etl.regions import load_regions
from etl.store import Store
from etl.versions import list_versions, prune, rollback
from tests.etl.fake_sources import tax_source

ROOT = Path(__file__).resolve().parents[2]
CATALOG, REGIONS = load_catalog(), load_regions()
API = "/api/v1/observations.csv?indicator=tax_rate_total&regions=0127&from=2024&to=2024"


def publish(store: Store, rate: float) -> tuple[int, int]:
    """(version, run id) of a refresh that publishes `rate` for two municipalities."""
    outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_source(rate)}, indicators=["tax_rate_total"])
    assert outcome.status == "published", outcome.error
    return outcome.state.version, outcome.run_id


def versions_in(store: Store, table: str = "observations") -> list[int]:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return sorted(conn.execute(text(f"SELECT DISTINCT dataset_version FROM {table}")).scalars())


def cli(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=os.environ | {"NYCKELTAL_DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_newest_versions_are_kept_and_listed(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NYCKELTAL_KEEP_VERSIONS", "3")
    published = [publish(store, 32.0 + n / 100) for n in range(5)]
    found = list_versions(store)
    assert [(v.version, v.run_id, v.row_count, v.published) for v in found] == [
        (5, published[4][1], 2, True),
        (4, published[3][1], 2, False),
        (3, published[2][1], 2, False),
    ]
    assert found[0].content_sha256 == store.state().content_sha256 and found[0].origin == "refresh"
    # versions 1 and 2 are gone from every versioned table, after their publishes committed
    for table in ("observations", "indicators", "regions", "observations_packed"):
        assert versions_in(store, table) == [3, 4, 5], table
    assert prune(store, 1) == [3, 4] and versions_in(store) == [5]


def test_rollback_undoes_a_bad_publish_and_the_dashboard_and_api_follow(store: Store):
    publish(store, 32.28)
    app = create_app(store.url)
    client = app.server.test_client()
    workers = [DataSource(store.url, poll_ms=0), DataSource(store.url, poll_ms=0)]
    assert client.get(API).get_data(as_text=True).splitlines()[1].split(",")[6] == "32.28"
    bad_version, _ = publish(store, 33.9)  # valid (within the bounds), but wrong
    assert [w.dataset().version for w in workers] == [2, 2]
    assert client.get(API).get_data(as_text=True).splitlines()[1].split(",")[6] == "33.9"

    outcome = rollback(store)
    assert (outcome.status, outcome.before, outcome.after, outcome.exit_code) == ("rolled_back", 2, 1, 0)
    state = store.state()
    assert state.version == 1 and state.content_sha256 == list_versions(store)[1].content_sha256
    for worker in workers:  # the next request after the version poll serves version 1 again
        assert worker.dataset().version == 1
        assert set(worker.dataset().rows("tax_rate_total")["value"]) == {32.28}
    body = client.get(API).get_data(as_text=True)
    assert body.splitlines()[1].split(",")[6] == "32.28"
    run = store.recent_runs(1)[0]
    assert (run["status"], run["trigger"], run["dataset_version"], run["error"]) == ("rolled_back", "manual", 1, None)
    assert run["details"] == {"rollback": {"from": 2, "to": 1}}
    # both versions are still kept: rolling forward is a rollback --to as well
    assert [v.version for v in list_versions(store)] == [2, 1]
    assert rollback(store, to=bad_version).after == 2 and store.state().version == 2
    # the next publish gets a new number, above every kept one
    assert publish(store, 32.5)[0] == 3


def test_rollback_refusals_change_nothing(store: Store):
    publish(store, 32.28)
    only = rollback(store)
    assert (only.status, only.exit_code) == ("failed", 1)
    assert only.error == "rollback failed, nothing changed: no version older than 1 is kept (kept: 1)"
    publish(store, 32.5)
    missing = rollback(store, to=7)
    assert missing.error == "rollback failed, nothing changed: version 7 is not kept (kept: 1, 2)"
    same = rollback(store, to=2)
    assert (same.status, same.exit_code, same.error) == (
        "unchanged",
        0,
        "version 2 is already the published one; nothing changed",
    )
    assert store.state().version == 2
    runs = store.recent_runs(3)
    assert [(r["status"], r["error"]) for r in runs] == [
        ("unchanged", "version 2 is already the published one; nothing changed"),
        ("failed", "rollback failed, nothing changed: version 7 is not kept (kept: 1, 2)"),
        ("published", None),
    ]


def test_versions_and_rollback_commands(store: Store):
    publish(store, 32.28)
    publish(store, 32.5)
    listed = cli(store.url, "versions")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["version", "published", "at", "run", "rows", "content", "sha256", "origin"]
    assert lines[1].split()[:2] == ["*", "2"] and lines[2].split()[0] == "1"
    assert lines[1].split()[3:5] == ["2", "2"]  # run 2, 2 rows
    assert lines[-1] == "* = the published version"
    done = cli(store.url, "rollback")
    assert (done.returncode, done.stdout) == (0, "rolled back: version 1 is the published one again (was 2); run 3\n")
    again = cli(store.url, "rollback", "--to", "9")
    assert again.returncode == 1
    assert again.stderr == "rollback failed, nothing changed: version 9 is not kept (kept: 1, 2) (run 4)\n"
    status = cli(store.url, "status", "--runs", "2")
    assert "rolled_back" in status.stdout and "version 9 is not kept" in status.stdout


def test_sigkill_during_rollback_changes_nothing(store: Store, tmp_path: Path):
    publish(store, 32.28)
    publish(store, 33.9)
    before = store.state()
    marker = tmp_path / "rolling-back"
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "etl" / "fault_child.py"), "rollback", store.url, str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        end = time.monotonic() + 90
        while not (marker.exists() or child.poll() is not None):
            assert time.monotonic() < end, "the child never reached the commit"
            time.sleep(0.02)
        assert child.poll() is None, child.communicate()[1]
        assert store.state() == before  # the pointer moved inside the open transaction only
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=90) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    fresh = Store(store.url)
    try:
        assert fresh.state() == before and fresh.read_observations()[0] == 2
        killed = fresh.recent_runs(1)[0]
        assert (killed["status"], killed["finished_at"]) == ("running", None)
        end = time.monotonic() + 90
        while True:  # PostgreSQL drops a dead client's advisory lock once it notices the socket closed
            outcome = rollback(fresh)
            if outcome.status != "locked" or time.monotonic() > end:
                break
            time.sleep(0.05)
        assert (outcome.status, outcome.after) == ("rolled_back", 1)
        runs = {r["id"]: r for r in fresh.recent_runs(5)}
        assert runs[killed["id"]]["status"] == "interrupted"
        assert set(fresh.read_observations()[1]["value"]) == {32.28}
    finally:
        fresh.dispose()
