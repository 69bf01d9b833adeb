"""Slow clients cannot block the production server: gunicorn with gunicorn.conf.py on 127.0.0.1,
10 clients holding half-sent requests, /healthz still answers; the slow bodies get 408 in time.

Bounded: one server, 10 + a few connections, every wait has a deadline; the server is stopped at the end.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.processes import stop

ROOT = Path(__file__).resolve().parents[2]
PORT = 8201
DEADLINE = 120.0
CLIENT_BODY_TIMEOUT = 10.0  # gunicorn.conf.py


def get(path: str, timeout: float) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def server(tmp_path: Path):
    env = os.environ | {
        "NYCKELTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}",
        "NYCKELTAL_OBSERVATIONS_CACHE": str(tmp_path / "cache"),
        "NYCKELTAL_HOST": "127.0.0.1",
        "NYCKELTAL_PORT": str(PORT),
        "NYCKELTAL_WORKERS": "2",
        "NYCKELTAL_ACCESS_LOG": "off",
        "NYCKELTAL_VERSION_POLL_MS": "1000",  # as in production
    }
    proc = subprocess.Popen(  # the app's first start loads the bundled snapshot into the empty store
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        end = time.monotonic() + DEADLINE
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            try:
                if get("/healthz", 5)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < end, "gunicorn did not answer /healthz in time"
            time.sleep(0.2)
        yield env
    finally:
        stop(proc)
        proc.stderr.close()


def slow_client(kind: str) -> socket.socket:
    """A connection that sends part of a request and then nothing."""
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=DEADLINE)
    if kind == "body":  # headers complete, 1 byte of a 1000-byte body (what held both sync workers)
        sock.sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
    else:  # half the header lines
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return sock


def test_healthz_answers_while_10_slow_clients_hold_connections(server):
    clients = [slow_client("body" if n % 2 == 0 else "headers") for n in range(10)]
    try:
        started = time.monotonic()
        # within the server's own slow-client timeout: with sync workers this waited for the 30 s worker timeout
        status, body = get("/healthz", timeout=CLIENT_BODY_TIMEOUT - 2)
        took = time.monotonic() - started
        print(f"/healthz answered in {took * 1000:.0f} ms while 10 slow clients held connections")
        assert status == 200 and body["status"] == "ok" and body["dataset_version"] == 1
        assert all(get("/healthz", timeout=CLIENT_BODY_TIMEOUT - 2)[0] == 200 for _ in range(5))
        # every slow body is answered 408 by the server itself, and its connection closed
        for sock in clients[::2]:
            sock.settimeout(CLIENT_BODY_TIMEOUT + 20)
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer[:200]
    finally:
        for sock in clients:
            sock.close()


def test_a_bad_publish_is_undone_by_one_command_and_served_within_a_second(server):
    """A valid but wrong publish, `python -m etl rollback`, and the running server serves the earlier data."""
    from etl.catalog import load_catalog
    from etl.regions import load_regions
    from etl.store import Store

    url = f"http://127.0.0.1:{PORT}/api/v1/observations.json?indicator=population&regions=0127&from=2024&to=2024&sex=T"

    def served() -> tuple[int, float]:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.loads(r.read())
        return body["dataset_version"], body["observations"][0]["value"]

    store = Store(server["NYCKELTAL_DATABASE_URL"])
    try:
        _, frame = store.read_observations()
        good = served()
        assert good[0] == 1
        key = (frame["indicator_id"] == "population") & (frame["region_code"] == "0127") & (frame["year"] == 2024)
        bad = frame.copy()
        bad.loc[key & (frame["sex"] == "T"), "value"] = good[1] * 1.03  # +3 %: passes every gate, and is wrong
        store.publish(bad, load_catalog(), load_regions(), origin="refresh")
        end = time.monotonic() + 30
        while served()[0] != 2:
            assert time.monotonic() < end, "the server never served the bad publish"
            time.sleep(0.05)
        rolled = subprocess.run(
            [sys.executable, "-m", "etl", "rollback"], cwd=ROOT, env=server, capture_output=True, text=True, timeout=120
        )
        assert (rolled.returncode, rolled.stdout) == (
            0,
            "rolled back: version 1 is the published one again (was 2); run 2\n",
        )
        started = time.monotonic()
        while served() != good:
            assert time.monotonic() < started + 30, "the server never served the earlier version again"
            time.sleep(0.05)
        print(f"the earlier data was served {(time.monotonic() - started) * 1000:.0f} ms after the rollback")
    finally:
        store.dispose()
