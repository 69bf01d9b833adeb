"""The whole HTTP surface, fuzzed: every route and every callback answers below 500, with no traceback or
internal path in the body, and within the request time limit (NYCKELTAL_REQUEST_TIMEOUT) — through
Flask's test client and over HTTP against the production command (gunicorn with gunicorn.conf.py on
127.0.0.1, a temporary SQLite store).

Seeded and bounded: FUZZ_HTTP_EXAMPLES requests per run (default 300 on gunicorn, 150 through the test
client). A bigger run by hand, with the counts by route and status written as JSON:
    FUZZ_HTTP_EXAMPLES=2500 FUZZ_HTTP_REPORT=/tmp/fuzz.json .venv/bin/python -m pytest \
        tests/dashboard/test_fuzz_http.py -k gunicorn -q -s
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import fuzz_http
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from etl import settings as app_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_HTTP_EXAMPLES") or 0)
LIMIT = app_settings.get_float("NYCKELTAL_REQUEST_TIMEOUT")
COUNTS: Counter = Counter()


def _fuzz_settings(default: int) -> settings:
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if not COUNTS:
        return
    rows = sorted(COUNTS.items())
    print("\nrequests by route and status:")
    for (server, route, status), n in rows:
        print(f"  {server:9} {route:58} {status}  {n}")
    print(f"  total {sum(COUNTS.values())}")
    path = os.environ.get("FUZZ_HTTP_REPORT")
    if path:
        report = [{"server": s, "route": r, "status": st_, "count": n} for (s, r, st_), n in rows]
        Path(path).write_text(json.dumps(report, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- the production server
def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return resp.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`gunicorn -c gunicorn.conf.py app:server` on 127.0.0.1 over a fresh SQLite store; yields its port."""
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = _port()
    log = tmp / "gunicorn.log"
    env = dict(
        os.environ,
        NYCKELTAL_DATABASE_URL=f"sqlite:///{tmp / 'store.sqlite'}",
        NYCKELTAL_OBSERVATIONS_CACHE=str(tmp / "cache"),
        NYCKELTAL_HOST="127.0.0.1",
        NYCKELTAL_PORT=str(port),
        NYCKELTAL_WORKERS="2",
        NYCKELTAL_ACCESS_LOG="off",
    )
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "app:server"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not _healthy(port):
            assert proc.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"gunicorn not healthy:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)  # polling for readiness, not for a result
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "WORKER TIMEOUT" not in text, text[-3000:]


@pytest.fixture(scope="module")
def served_app(app):
    """The in-process app after its first page (Dash has set up its callbacks and registered its assets)."""
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    return app


def _check(server: str, req: fuzz_http.Req, answer: fuzz_http.Answer) -> None:
    COUNTS[(server, req.route, answer.status)] += 1
    wrong = fuzz_http.problems(req, answer)
    assert not wrong, (wrong, req, answer.body[:400])


# ---------------------------------------------------------------- the fuzz runs
@seed(19)
@_fuzz_settings(150)
@given(data=st.data())
def test_fuzz_every_route_and_callback_test_client(served_app, client, data) -> None:
    req = data.draw(fuzz_http.requests(served_app), label="request")
    _check("client", req, fuzz_http.send_client(client, req))


@seed(1919)
@_fuzz_settings(300)
@given(data=st.data())
def test_fuzz_every_route_and_callback_gunicorn(served_app, gunicorn, data) -> None:
    """Over HTTP: no 5xx, and an answer within the time limit (the client gives up 5 s after it)."""
    req = data.draw(fuzz_http.requests(served_app), label="request")
    _check("gunicorn", req, fuzz_http.send_http(gunicorn, req, timeout=LIMIT + 5))
