"""GET /healthz, and app workers following a publish without a restart (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import create_engine, text

from dashboard.app import create_app
from dashboard.data import DataSource
from dashboard.health import health_report, register_health
from etl.catalog import Indicator, SourceRef, load_catalog
from etl.refresh import refresh
from etl.regions import load_regions
from etl.schema import OBSERVATION_COLUMNS, normalise_observations
from etl.sources.base import FetchContext, SourceResult
from etl.store import Store

CATALOG, REGIONS = load_catalog(), load_regions()


def tax_source(rate: float):
    def fetch(ref: SourceRef, ind: Indicator, ctx: FetchContext) -> SourceResult:
        records = [
            (ind.id, code, 2024, "T", rate, "ok", "SCB", "SCB TAB2017 OE0101D1", "2025-01-01T00:00:00Z")
            for code in ("0127", "0136")
        ]
        return SourceResult(normalise_observations(pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS))))

    return fetch


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
    assert body["status"] == "error"
    assert body["error"].startswith("cannot read the store: cannot read the store at ")


def test_healthz_503_when_the_server_does_not_answer():
    from flask import Flask

    server = Flask("t")
    register_health(server, lambda: DataSource("postgresql+psycopg://postgres@127.0.0.1:1/nyckeltal"))
    response = server.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("cannot read the store:")


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
