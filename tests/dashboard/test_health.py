"""GET /healthz, and app workers following a publish without a restart (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import create_engine, text

from dashboard.app import create_app
from dashboard.data import DataSource
from dashboard.health import health_report, register_health
from etl.catalog import load_catalog
from etl.refresh import refresh
from etl.regions import load_regions
from etl.store import Store
from tests.etl.fake_sources import tax_source

CATALOG, REGIONS = load_catalog(), load_regions()


def publish(store: Store, rate: float) -> int:
    outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_source(rate)}, indicators=["tax_rate_total"])
    assert outcome.status == "published", outcome.error
    return outcome.state.version


def test_healthz_ok(store: Store):
    publish(store, 32.28)
    app = create_app(store.url)
    response = app.server.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    state, run = store.state(), store.recent_runs(1)[0]
    assert set(body) == {"status", "dataset_version", "published_at", "last_successful_refresh", "age_seconds"}
    assert body["status"] == "ok" and body["dataset_version"] == 1
    assert body["published_at"] == state.published_at
    assert body["last_successful_refresh"] == run["finished_at"]
    assert 0 <= body["age_seconds"] < 120
    later = datetime.fromisoformat(run["finished_at"].replace("Z", "+00:00")) + timedelta(hours=25)
    assert health_report(DataSource(store.url), later)[1]["age_seconds"] == 25 * 3600


def test_healthz_before_any_refresh_says_so(store: Store):
    """A dataset is served but no refresh has succeeded: the age is null, for a monitor to alert on."""
    from flask import Flask

    publish(store, 32.28)
    store.finish_run(store.recent_runs(1)[0]["id"], "failed", error="pretend")
    server = Flask("t")
    register_health(server, lambda: DataSource(store.url))
    body = server.test_client().get("/healthz").get_json()
    assert (body["dataset_version"], body["last_successful_refresh"], body["age_seconds"]) == (1, None, None)


def test_healthz_503_when_the_store_cannot_be_read(store: Store, request):
    publish(store, 32.28)
    app = create_app(store.url)
    client = app.server.test_client()
    assert client.get("/healthz").status_code == 200
    if store.is_sqlite:  # the file is there but its tables are gone
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE dataset_state"))
    else:  # the database itself is gone
        admin_url = request.getfixturevalue("pg_admin_url")
        name = store.engine.url.database
        store.dispose()
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    expected = "the store's tables are missing" if store.is_sqlite else "the database does not exist"
    assert body == {"status": "error", "error": f"cannot read the store: {expected}"}  # no URL, path or password
    # the API and the page layout say the store is unavailable: 503, never a 500 with the driver's text
    api = client.get("/api/v1/observations.csv?indicator=population&regions=0127")
    assert (api.status_code, api.get_json()["error"], api.headers["Retry-After"]) == (503, "unavailable", "30")
    assert api.get_json()["message"] == "the data store is unavailable; try again in a moment"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 503, layout.get_data(as_text=True)[:300]
    assert "nyckeltal_test" not in layout.get_data(as_text=True) and "sqlite" not in layout.get_data(as_text=True)


def test_healthz_503_when_the_server_does_not_answer():
    from flask import Flask

    server = Flask("t")
    register_health(server, lambda: DataSource("postgresql+psycopg://postgres@127.0.0.1:1/nyckeltal"))
    response = server.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "error": "cannot read the store: the database server does not answer",
    }


def test_workers_follow_a_publish_without_restart(store: Store):
    publish(store, 32.28)
    workers = [DataSource(store.url), DataSource(store.url)]  # two app processes' caches
    in_flight = [w.dataset() for w in workers]
    assert [d.version for d in in_flight] == [1, 1]
    publish(store, 32.53)
    for worker in workers:
        now = worker.dataset()
        assert now.version == 2
        assert set(now.rows("tax_rate_total")["value"]) == {32.53}
        assert worker.state().version == 2
    # a request that took its Dataset before the publish keeps one consistent version to the end
    assert [d.version for d in in_flight] == [1, 1]
    assert all(set(d.rows("tax_rate_total")["value"]) == {32.28} for d in in_flight)


def test_om_shows_runs_and_freshness(store: Store):
    from dashboard.pages import om

    publish(store, 32.28)
    outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_source(99.0)}, indicators=["tax_rate_total"])
    assert outcome.status == "failed"
    create_app(store.url)
    page_sv, page_en = str(om.layout(lang="sv")), str(om.layout(lang="en"))
    assert "misslyckad, inget publicerat" in page_sv and "publicerad" in page_sv
    assert "failed, nothing published" in page_en and "0 fetched, 0 unchanged, 0 failed" not in page_en
    assert "1 fetched, 0 unchanged, 0 failed" in page_en and "+2 ~0 −0" in page_en
    assert "validation failed, nothing published:" in page_en
    assert "Freshness per key figure" in page_en and "Aktualitet per nyckeltal" in page_sv
    # only tax_rate_total has values here: it is current (2024), every other indicator has none
    total = len(CATALOG.indicators)
    assert f"0 of {total} key figures are stale." in page_en
    assert f"0 av {total} nyckeltal är inaktuella." in page_sv


def test_healthz_degraded_when_the_last_scheduled_refresh_failed(store: Store, monkeypatch):
    publish(store, 32.28)
    outcome = refresh(
        store, CATALOG, REGIONS, {"scb": tax_source(99.0)}, indicators=["tax_rate_total"], trigger="schedule"
    )
    assert outcome.status == "failed" and outcome.exit_code == 4
    app = create_app(store.url)
    client = app.server.test_client()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "degraded" and body["dataset_version"] == 1
    run = store.recent_runs(1)[0]
    assert body["problems"] == [
        f"the last scheduled refresh (run {run['id']}, started {run['started_at']}) ended 'failed': see python -m etl status"
    ]
    monkeypatch.setenv("NYCKELTAL_HEALTH_DEGRADED_STATUS", "503")
    assert client.get("/healthz").status_code == 503
    publish(store, 32.3)  # a manual refresh does not clear it: only a scheduled one does
    assert client.get("/healthz").get_json()["status"] == "degraded"
    ok = refresh(store, CATALOG, REGIONS, {"scb": tax_source(32.31)}, indicators=["tax_rate_total"], trigger="schedule")
    assert ok.status == "published"
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_healthz_degraded_when_the_data_is_older_than_the_schedule_allows(store: Store, monkeypatch):
    publish(store, 32.28)
    finished = store.recent_runs(1)[0]["finished_at"]
    at = datetime.fromisoformat(finished.replace("Z", "+00:00"))
    source = DataSource(store.url)
    monkeypatch.setenv("NYCKELTAL_REFRESH_CRON", "15 6 * * *")  # daily: 2 days + 1 h
    assert health_report(source, at + timedelta(hours=48))[1]["status"] == "ok"
    status, body = health_report(source, at + timedelta(hours=50))
    assert (status, body["status"]) == (200, "degraded")
    assert body["problems"] == ["the last successful refresh is 50 h old; the refresh schedule allows 49 h"]
    monkeypatch.setenv("NYCKELTAL_HEALTH_MAX_AGE_HOURS", "100")
    assert health_report(source, at + timedelta(hours=50))[1]["status"] == "ok"


def test_healthz_503_when_the_sqlite_file_is_damaged_deleted_or_replaced(tmp_path):
    import shutil

    from dashboard import health

    path = tmp_path / "store.sqlite"
    store = Store(f"sqlite:///{path}")
    store.create_schema()
    publish(store, 32.28)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    pristine = tmp_path / "pristine.sqlite"
    shutil.copy(path, pristine)
    app = create_app(store.url)
    client = app.server.test_client()
    assert client.get("/healthz").get_json()["status"] == "ok"

    health._checked.clear()  # the next check runs quick_check again
    with path.open("r+b") as fh:  # overwrite pages in the middle of the file, in place
        size = path.stat().st_size
        fh.seek(size // 2)
        fh.write(b"\xa5" * min(8192, size // 4))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    assert response.get_json()["error"] in (
        "the store file fails its integrity check (SQLite quick_check): it is damaged",
        "cannot read the store: the store file is damaged",
    )

    path.unlink()  # deleted under the running app
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "error": "the store file the app opened has been deleted; restore it, then restart the app",
    }
    assert not path.exists()  # /healthz did not create an empty file in its place

    shutil.copy(pristine, path)  # a good file again, but another one than the app opened
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["error"] == (
        "the store file has been replaced since the app opened it; restart the app to read it"
    )
    assert str(tmp_path) not in response.get_data(as_text=True)
    assert create_app(store.url).server.test_client().get("/healthz").get_json()["status"] == "ok"  # restarted


def test_healthz_degraded_when_a_run_could_not_be_logged_in_the_store(store: Store, monkeypatch, tmp_path):
    """A read-only store serves its data but refuses to log a refresh: the run journal's line is newer than
    every logged run, so /healthz says degraded (no path or URL) until a later run is logged."""
    journal = tmp_path / "runs-unlogged.jsonl"
    monkeypatch.setenv("NYCKELTAL_RUN_JOURNAL", str(journal))
    publish(store, 32.28)
    client = create_app(store.url).server.test_client()
    assert client.get("/healthz").get_json()["status"] == "ok"
    logged = store.recent_runs(1)[0]["started_at"]
    at = (datetime.fromisoformat(logged.replace("Z", "+00:00")) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = {"at": at, "trigger": "schedule", "status": "failed", "error": "cannot log the run in the store: readonly"}
    journal.write_text(json.dumps(line) + "\n")  # as etl.runlog.record_unlogged writes it
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded"
    assert body["problems"] == [
        f"a schedule run at {at} failed and could not be logged in the store (is it read-only?): see python -m etl status"
    ]
    assert str(tmp_path) not in json.dumps(body) and "sqlite" not in json.dumps(body)
    monkeypatch.setattr("etl.store.journal.now_iso", lambda: "2999-01-01T00:00:00Z")
    publish(store, 32.3)  # a run logged after it: the store takes writes again
    assert client.get("/healthz").get_json()["status"] == "ok"
