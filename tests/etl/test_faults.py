"""Fault injection: no failure may cost the published dataset or show a half-updated one.

Every case runs on SQLite and PostgreSQL against a real loopback HTTP server that
speaks SCB's PxWebApi 2.0 (/config, /tables/TAB638/metadata, POST .../data) from
the fixture bodies in tests/fixtures/scb, with the fault injected into the answer.
Each asserts the published dataset is byte-identical afterwards (state with its
content_sha256, and every row) and that the run is logged with its error text.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from etl.catalog import Indicator, SourceRef, load_catalog
from etl.http import HttpClient
from etl.outcome import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_VALIDATION
from etl.refresh import RefreshOutcome, refresh
from etl.regions import load_regions
from etl.sources.scb import ScbSource
from etl.store import Store, content_hash

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "scb"
CATALOG = load_catalog()
REGIONS = load_regions()
DEADLINE = 90.0
ANSWER_DATE = "Fri, 21 Feb 2025 07:00:00 GMT"  # every answer's Date: retrieved_at is reproducible


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def only_tab638_municipalities(_ind: Indicator, ref: SourceRef) -> bool:
    return ref.kind == "scb" and ref.params["table"] == "TAB638" and ref.params["regions"] == "municipalities"


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll `condition` until true; fail naming `what` after `deadline` seconds."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline:g} s waiting for {what}")
        time.sleep(0.02)


class FakeScb:
    """A loopback PxWebApi 2.0 server; set `fault` to break the data answer."""

    def __init__(self) -> None:
        self.config = fixture("config.json")
        self.metadata = fixture("TAB638_metadata.json")
        self.data = fixture("TAB638_data.json")
        self.fault: str | None = None
        self.log: list[str] = []
        self.release = threading.Event()  # lets a "hang" answer go
        self.arrived = threading.Event()  # a "hang" request has arrived
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def send(self, status: int, body: bytes, ctype: str = "application/json; charset=UTF-8", **hdr: str):
                self.send_response_only(status)
                self.send_header("Date", ANSWER_DATE)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in hdr.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                fake.log.append(f"GET {self.path}")
                doc = fake.config if self.path.endswith("/config") else fake.metadata
                self.send(200, json.dumps(doc).encode())

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.log.append(f"POST {self.path}")
                body = json.dumps(fake.data).encode()
                fault = fake.fault
                if fault == "hang":
                    fake.arrived.set()
                    fake.release.wait(DEADLINE)
                elif fault == "500":
                    problem = {"type": "about:blank", "title": "Internal Server Error", "status": 500}
                    return self.send(500, json.dumps(problem).encode(), "application/problem+json")
                elif fault == "429-once":
                    fake.fault = None
                    return self.send(429, b'{"title": "Too Many Requests"}', Retry_After="1")
                elif fault == "cut-connection":
                    self.send_response_only(200)
                    self.send_header("Date", ANSWER_DATE)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                elif fault == "cut-json":
                    body = body[: len(body) // 2]
                elif fault == "html":
                    page = b"<!DOCTYPE html><html><body><h1>Tjansten ar tillfalligt otillganglig</h1></body></html>"
                    return self.send(200, page, "text/html; charset=UTF-8")
                self.send(200, body)

        return Handler

    def __enter__(self) -> FakeScb:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def scb() -> Iterator[FakeScb]:
    with FakeScb() as server:
        yield server


class Sleeps(list):
    """Records the pauses the HTTP client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source_at(url: str, tmp_path: Path, sleeps: Sleeps | None = None) -> ScbSource:
    client = HttpClient(
        "SCB",
        raw_dir=tmp_path / "raw",
        timeout=0.5,
        retries=1,
        backoff=0.0,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )
    return ScbSource(base_url=url, client=client)


def run(store: Store, url: str, tmp_path: Path, sleeps: Sleeps | None = None) -> RefreshOutcome:
    return refresh(
        store,
        CATALOG,
        REGIONS,
        {"scb": source_at(url, tmp_path, sleeps)},
        indicators=["population"],
        include=only_tab638_municipalities,
        trigger="schedule",
    )


def published(store: Store) -> tuple[Any, pd.DataFrame]:
    state = store.state()
    _, frame = store.read_observations()
    return state, frame


def assert_unchanged(store: Store, before: tuple[Any, pd.DataFrame]) -> None:
    state, frame = published(store)
    assert state == before[0]  # version, published_at, content_sha256, row_count, origin
    pd.testing.assert_frame_equal(frame, before[1])
    assert content_hash(frame) == before[0].content_sha256
    # the packed copy (what app hosts load) is still the one of the published version, row for row
    from etl.store.packed import pack_observations

    copy = store.read_packed_copy()
    assert copy is not None and copy[0] == state.version
    for key, want in pack_observations(frame).items():
        assert np.array_equal(copy[1][key], want, equal_nan=want.dtype.kind == "f"), key


@pytest.fixture
def baseline(store: Store, scb: FakeScb, tmp_path: Path) -> tuple[Any, pd.DataFrame]:
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "published", outcome.error
    state, frame = published(store)
    assert state.version == 1 and state.row_count == 12
    got = frame.set_index(["region_code", "year", "sex"])["value"]
    assert got[("0127", 2023, "T")] == 100 + 200 + 1000 + 2000  # civil statuses summed, T = K + M
    return state, frame


def last_run(store: Store) -> dict[str, Any]:
    return store.recent_runs(1)[0]


def assert_failed_run(store: Store, outcome: RefreshOutcome, *parts: str) -> str:
    run_row = last_run(store)
    assert run_row["id"] == outcome.run_id
    assert run_row["status"] == "failed" and run_row["finished_at"] is not None
    assert run_row["trigger"] == "schedule" and run_row["dataset_version"] is None
    assert run_row["error"] == outcome.error
    for part in parts:
        assert part in run_row["error"], (part, run_row["error"])
    return run_row["error"]


# ---------------------------------------------------------------------- network and HTTP faults


def test_connection_refused(store: Store, baseline, tmp_path: Path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v2"
    outcome = run(store, url, tmp_path)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_FAILED
    error = assert_failed_run(store, outcome)
    assert error == (
        f"SCB config: could not connect (connection refused); gave up after 2 attempts (request: GET {url}/config)"
    )
    assert last_run(store)["details"]["indicators"]["population"] == {"status": "failed", "error": error}
    assert_unchanged(store, baseline)


def test_timeout(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.fault = "hang"
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_FAILED
    assert_failed_run(store, outcome, "SCB TAB638: no answer within 0.5 s; gave up after 2 attempts", "POST ")
    assert_unchanged(store, baseline)


def test_http_500(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.fault = "500"
    scb.log.clear()
    outcome = run(store, scb.url, tmp_path)
    assert outcome.exit_code == EXIT_FAILED
    assert_failed_run(store, outcome, "SCB TAB638: HTTP 500 Internal Server Error; gave up after 2 attempts")
    assert scb.log.count("POST /api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2") == 2
    assert_unchanged(store, baseline)


def test_http_429_retry_after_then_success(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.fault = "429-once"
    scb.log.clear()
    sleeps = Sleeps()
    outcome = run(store, scb.url, tmp_path, sleeps)
    assert outcome.status == "published" and outcome.exit_code == EXIT_OK, outcome.error
    assert sleeps == [1.0]  # waited exactly what Retry-After said
    assert scb.log.count("POST /api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2") == 2
    state, frame = published(store)
    assert state.version == 2 and state.content_sha256 == baseline[0].content_sha256
    pd.testing.assert_frame_equal(frame, baseline[1])
    run_row = last_run(store)
    assert (run_row["status"], run_row["dataset_version"], run_row["error"]) == ("published", 2, None)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("cut-connection", "SCB TAB638: transfer broke off"),
        ("cut-json", "SCB TAB638: answered with a truncated JSON body"),
        ("html", "SCB TAB638: answered with an HTML page instead of JSON"),
    ],
)
def test_broken_body(store: Store, baseline, scb: FakeScb, tmp_path: Path, fault: str, expected: str):
    scb.fault = fault
    outcome = run(store, scb.url, tmp_path)
    assert outcome.exit_code == EXIT_FAILED
    assert_failed_run(store, outcome, expected)
    assert_unchanged(store, baseline)


# ---------------------------------------------------------------------- API changes and bad values


def renamed(doc: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["id"] = [new if d == old else d for d in out["id"]]
    out["dimension"] = {(new if k == old else k): v for k, v in out["dimension"].items()}
    return out


def test_renamed_dimension_in_metadata(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.metadata = renamed(scb.metadata, "Kon", "Kön")
    outcome = run(store, scb.url, tmp_path)
    assert outcome.exit_code == EXIT_FAILED
    assert_failed_run(
        store,
        outcome,
        "SCB TAB638: dimension 'Kon' not found (the table has Region, Civilstand, Alder, Kön, ContentsCode, Tid)",
    )
    assert_unchanged(store, baseline)


def test_renamed_dimension_in_answer(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.data = renamed(scb.data, "Kon", "Kön")
    outcome = run(store, scb.url, tmp_path)
    assert outcome.exit_code == EXIT_FAILED
    assert_failed_run(store, outcome, "SCB TAB638: dimension 'Kon' missing from the answer (renamed?)")
    assert_unchanged(store, baseline)


def test_region_missing_from_answer(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    data = copy.deepcopy(scb.data)  # Region is the first dimension: keep only Botkyrka's 8 cells
    data["dimension"]["Region"]["category"] = {"index": {"0127": 0}, "label": {"0127": "Botkyrka"}}
    data["size"][0] = 1
    data["value"] = data["value"][:8]
    data["status"] = {}
    scb.data = data
    outcome = run(store, scb.url, tmp_path)
    assert outcome.exit_code == EXIT_FAILED
    assert_failed_run(store, outcome, "SCB TAB638: region(s) 0136 missing from the answer")
    assert_unchanged(store, baseline)


def test_value_failing_validation(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.data = copy.deepcopy(scb.data)
    scb.data["value"][0] = -5000  # Botkyrka, unmarried men, 2023: with the married 1000, M = -4000
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_VALIDATION
    expected = (
        "population region 0127 year 2023 sex M: value -4000 outside the range 0–1.2e+07 of unit persons "
        "(source SCB TAB638 BE0101N1)"
    )
    assert expected in outcome.gates.failures
    assert_failed_run(store, outcome, "validation failed, nothing published", expected)
    assert last_run(store)["validation"] == outcome.gates.summary()
    assert_unchanged(store, baseline)


# ---------------------------------------------------------------------- killed processes, two schedulers


def test_sigkill_while_publishing_then_restart(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    scb.data = copy.deepcopy(scb.data)
    scb.data["value"][0] = 101  # a real change, so a leak would show
    marker = tmp_path / "publishing"
    child = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "etl" / "fault_child.py"),
            store.url,
            scb.url,
            str(marker),
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: marker.exists() or child.poll() is not None, "the child to reach the commit")
        assert child.poll() is None, child.communicate()[1]
        # the child holds an open publish transaction with every new row written: readers still see the old dataset
        assert_unchanged(store, baseline)
        running = last_run(store)
        assert (running["status"], running["finished_at"], running["trigger"]) == ("running", None, "schedule")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=DEADLINE) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    restarted = Store(store.url)  # a fresh process's view of the store
    try:
        assert_unchanged(restarted, baseline)

        def lock_free() -> bool:  # PostgreSQL drops a dead client's advisory lock when it notices the socket closed
            with restarted.refresh_lock() as held:
                return held

        wait_for(lock_free, "the killed run's lock to be released")
        scb.data["value"][0] = 100
        scb.data["value"][1] = 111
        outcome = run(restarted, scb.url, tmp_path)
        assert outcome.status == "published", outcome.error
        assert restarted.state().version == 2
        frame = restarted.read_observations()[1].set_index(["region_code", "year", "sex"])["value"]
        assert frame[("0127", 2024, "M")] == 111 + 1100  # unmarried + married men, 2024
        runs = {r["id"]: r for r in restarted.recent_runs(5)}
        killed = runs[running["id"]]
        assert (killed["status"], killed["finished_at"]) == ("interrupted", None)
        assert killed["error"] == (
            "the process ended before the run finished (killed or crashed); nothing of it was published"
        )
        assert runs[outcome.run_id]["status"] == "published"
    finally:
        restarted.dispose()


EXTRA_CATALOG = """
indicators:
  - id: fault_population
    theme: population
    label: {sv: Folkmängd (feltest), en: Population (fault test)}
    description: {sv: Folkmängd från TAB638., en: Population from TAB638.}
    unit: persons
    sexes: [T, K, M]
    aggregation: {method: sum}
    sources:
      - scb: {table: TAB638, contents: BE0101N1, regions: municipalities,
              select: {Civilstand: "*", Alder: [tot], Kon: ["1", "2"], Tid: "*"},
              sum_over: [Civilstand], sex: {variable: Kon, codes: {"1": M, "2": K}}}
"""


def test_two_schedulers_at_once(store: Store, baseline, scb: FakeScb, tmp_path: Path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_CATALOG, encoding="utf-8")
    env = os.environ | {
        "NYCKELTAL_DATABASE_URL": store.url,
        "NYCKELTAL_SCB_URL": scb.url,
        "NYCKELTAL_EXTRA_CATALOG": str(extra),
        "NYCKELTAL_RAW_DIR": str(tmp_path / "raw"),
        "NYCKELTAL_HTTP_RETRIES": "0",
        "NYCKELTAL_HTTP_TIMEOUT": str(DEADLINE),
    }
    scb.fault = "hang"  # the first data request waits until released: a slow source
    scb.log.clear()
    command = [sys.executable, "-m", "etl", "schedule", "--once", "--source", "scb", "--indicator", "fault_population"]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        wait_for(lambda: any(p.poll() is not None for p in procs), "one scheduler to give up")
        wait_for(scb.arrived.is_set, "the other scheduler to be fetching")
        loser = next(p for p in procs if p.poll() is not None)
        winner = next(p for p in procs if p is not loser)
        out, err = loser.communicate()
        assert loser.returncode == EXIT_LOCKED, err
        assert "another refresh is running (lock held); nothing done" in out
        assert "exit code 3 (another refresh held the lock; nothing done)" in err
        assert winner.poll() is None  # still holding the lock, waiting for the slow source
        scb.release.set()
        out, err = winner.communicate(timeout=DEADLINE)
        assert winner.returncode == EXIT_OK, err
        assert "published dataset version 2" in out
        assert "exit code 0 (published or nothing changed)" in err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert scb.log.count("POST /api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2") == 1
    runs = store.recent_runs(5)
    assert [(r["status"], r["trigger"]) for r in runs[:2]] in (
        [("published", "schedule"), ("locked", "schedule")],
        [("locked", "schedule"), ("published", "schedule")],
    )
    assert store.state().version == 2
    _, frame = store.read_observations()
    assert set(frame["indicator_id"]) == {"population", "fault_population"}
    pd.testing.assert_frame_equal(
        frame[frame["indicator_id"] == "population"].reset_index(drop=True), baseline[1].reset_index(drop=True)
    )


# ---------------------------------------------------------------------- values, plausibility, broken stores
# each: the exit code, the run line (`python -m etl status` shows its first line), and what /healthz answers


def healthz(store: Store) -> tuple[int, dict[str, Any]]:
    from flask import Flask

    from dashboard.data import DataSource
    from dashboard.health import register_health

    server = Flask("faults")
    register_health(server, lambda: DataSource(store.url))
    response = server.test_client().get("/healthz")
    return response.status_code, response.get_json()


def assert_degraded_by(store: Store, outcome: RefreshOutcome) -> None:
    status, body = healthz(store)
    assert (status, body["status"]) == (200, "degraded")
    assert body["problems"][0].startswith(f"the last scheduled refresh (run {outcome.run_id}, started ")
    assert "http" not in json.dumps(body)


def test_non_numeric_value_fails_naming_table_region_year_and_value(store: Store, baseline, scb: FakeScb, tmp_path):
    scb.data = copy.deepcopy(scb.data)
    scb.data["value"][0] = "1 1OO"  # Botkyrka, unmarried men, 2023: letters O for zeros
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_VALIDATION
    error = assert_failed_run(
        store,
        outcome,
        "SCB TAB638: validation failed, nothing published: cell Region=0127, Civilstand=OG, Alder=tot, Kon=1, "
        "ContentsCode=BE0101N1, Tid=2023: value '1 1OO' is neither a number nor a status symbol (- . .. …)",
    )
    assert "\n" not in error
    assert_unchanged(store, baseline)
    assert_degraded_by(store, outcome)


def test_a_status_symbol_in_place_of_a_value_is_missing(store: Store, baseline, scb: FakeScb, tmp_path):
    scb.data = copy.deepcopy(scb.data)
    scb.data["value"][0] = ".."  # declared by SCB: not available
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_VALIDATION  # coverage would shrink
    assert "population region 0127 years 2023: coverage would shrink" in outcome.error


def test_implausible_jump_fails_unless_accepted(store: Store, baseline, scb: FakeScb, tmp_path):
    scb.data = copy.deepcopy(scb.data)
    scb.data["value"][0] = 10000  # unmarried men 100 -> 10 000: M 1 100 -> 11 000, a tenfold jump
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_VALIDATION
    expected = (
        "population region 0127 year 2023 sex M: value 11000 changes by 900% from the published 1100, beyond the "
        "hard bound 50% of unit persons (source SCB TAB638 BE0101N1); publish it anyway with --accept-jumps"
    )
    assert expected in outcome.gates.failures
    error = assert_failed_run(store, outcome, "validation failed, nothing published: population region 0127 year 2023")
    assert error.splitlines()[0].startswith(
        "validation failed, nothing published: population region 0127 year 2023 sex "
    )
    assert last_run(store)["validation"].startswith("failed: 2 problem(s), first: population region 0127 year 2023")
    assert_unchanged(store, baseline)
    assert_degraded_by(store, outcome)

    accepted = refresh(
        store,
        CATALOG,
        REGIONS,
        {"scb": source_at(scb.url, tmp_path)},
        indicators=["population"],
        include=only_tab638_municipalities,
        trigger="schedule",
        accept_jumps=True,
    )
    assert accepted.status == "published" and accepted.exit_code == EXIT_OK
    assert (
        expected.replace("; publish it anyway with --accept-jumps", " (accepted with --accept-jumps)")
        in (last_run(store)["details"]["warnings"])
    )
    assert healthz(store)[1]["status"] == "ok"


def test_a_jump_within_the_hard_bound_is_a_warning(store: Store, baseline, scb: FakeScb, tmp_path):
    scb.data = copy.deepcopy(scb.data)
    scb.data["value"][0] = 200  # M 1 100 -> 1 200: +9 %, beyond the 5 % warning bound of persons
    outcome = run(store, scb.url, tmp_path)
    assert outcome.status == "published" and outcome.exit_code == EXIT_OK, outcome.error
    warning = (
        "population region 0127 year 2023 sex M: value 1200 changes by 9% from the published 1100, beyond the "
        "warning bound 5% of unit persons (source SCB TAB638 BE0101N1)"
    )
    assert warning in outcome.gates.warnings and warning in last_run(store)["details"]["warnings"]
    assert last_run(store)["validation"] == f"passed ({len(outcome.gates.warnings)} warning(s))"


def read_only(store: Store, request: pytest.FixtureRequest) -> Store:
    """The same store opened read-only: SQLite in mode=ro, PostgreSQL with default_transaction_read_only."""
    if store.is_sqlite:
        path = store.engine.url.database
        return Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    from sqlalchemy import create_engine, text

    admin = create_engine(request.getfixturevalue("pg_admin_url"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{store.engine.url.database}" SET default_transaction_read_only = on'))
    admin.dispose()
    store.dispose()
    return Store(store.url)


def test_read_only_store(store: Store, baseline, scb: FakeScb, tmp_path, request, monkeypatch):
    journal = tmp_path / "runs-unlogged.jsonl"
    monkeypatch.setenv("NYCKELTAL_RUN_JOURNAL", str(journal))
    ro = read_only(store, request)
    outcome = run(ro, scb.url, tmp_path)
    assert (outcome.status, outcome.run_id, outcome.exit_code) == ("failed", None, EXIT_FAILED)
    assert outcome.error.startswith(
        "refresh failed, nothing published: cannot log the run in the store: the store refuses writes (read-only) ("
    )
    line = json.loads(journal.read_text(encoding="utf-8"))
    assert (line["trigger"], line["status"], line["error"]) == ("schedule", "failed", outcome.error)
    assert_unchanged(ro, baseline)
    code, body = healthz(ro)
    # still served as it was, but degraded: the failed run is only in the journal (no path or URL said)
    assert (code, body["status"], body["dataset_version"]) == (200, "degraded", 1)
    assert body["problems"] == [
        f"a schedule run at {line['at']} failed and could not be logged in the store (is it read-only?): "
        "see python -m etl status"
    ]
    status = subprocess.run(
        [sys.executable, "-m", "etl", "status", "--runs", "1"],
        cwd=ROOT,
        env=os.environ | {"NYCKELTAL_DATABASE_URL": ro.url, "NYCKELTAL_RUN_JOURNAL": str(journal)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert "Run(s) the store could not log (NYCKELTAL_RUN_JOURNAL):" in status.stdout
    assert "refuses writes (read-only)" in status.stdout
    ro.dispose()


def test_dropped_postgresql(pg_url: str, pg_admin_url: str, scb: FakeScb, tmp_path, monkeypatch):
    from sqlalchemy import create_engine, text

    monkeypatch.setenv("NYCKELTAL_RUN_JOURNAL", str(tmp_path / "runs-unlogged.jsonl"))
    store = Store(pg_url)
    store.create_schema()
    assert run(store, scb.url, tmp_path).status == "published"
    store.dispose()
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{store.engine.url.database}" WITH (FORCE)'))
    admin.dispose()
    outcome = run(store, scb.url, tmp_path)
    assert (outcome.status, outcome.run_id, outcome.exit_code) == ("failed", None, EXIT_FAILED)
    assert outcome.error.startswith(
        "refresh failed, nothing published: cannot create the store's tables: the database does not exist ("
    )
    assert "\n" not in outcome.error
    assert healthz(store) == (503, {"status": "error", "error": "cannot read the store: the database does not exist"})
