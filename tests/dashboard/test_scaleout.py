"""Scale-out: two stateless app instances (the production gunicorn command, different loopback
ports) on one PostgreSQL store serve the same dataset version, and both serve a new publish."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.catalog import load_catalog
from etl.regions import load_regions
from etl.store import Store

ROOT = Path(__file__).resolve().parents[2]
CSV = "/api/v1/observations.csv?indicator=population&regions=0127&from=2024&to=2024&sex=T"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _wait_healthy(proc: subprocess.Popen, port: int, log: Path, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"instance on {port} exited:\n{log.read_text()[-2000:]}"
        try:
            if _get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)  # polling for readiness, not for a result
    raise AssertionError(f"instance on {port} not healthy after {limit} s:\n{log.read_text()[-2000:]}")


@pytest.fixture
def instances(pg_url: str, tmp_path: Path) -> Iterator[list[int]]:
    procs: list[subprocess.Popen] = []
    ports: list[int] = []
    try:
        for i in range(2):
            port = _port()
            log = tmp_path / f"app{i}.log"
            env = dict(
                os.environ,
                NYCKELTAL_DATABASE_URL=pg_url,
                NYCKELTAL_HOST="127.0.0.1",
                NYCKELTAL_PORT=str(port),
                NYCKELTAL_WORKERS="1",
                NYCKELTAL_ACCESS_LOG="off",
                NYCKELTAL_VERSION_POLL_MS="1000",  # the production default: a publish shows after <= 1 s
            )
            proc = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "app:server"],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            procs.append(proc)
            _wait_healthy(proc, port, log)  # one after the other: the first publishes the snapshot
            ports.append(port)
        yield ports
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _version(port: int) -> int:
    status, body = _get(port, "/healthz")
    assert status == 200
    return json.loads(body)["dataset_version"]


def _value(port: int) -> str:
    status, body = _get(port, CSV)
    assert status == 200
    line = body.decode().splitlines()[1]
    return line.split(",")[6]


def test_two_instances_share_one_postgresql_store(instances: list[int], pg_url: str) -> None:
    a, b = instances
    assert _version(a) == _version(b)
    before = _value(a)
    assert _value(b) == before

    store = Store(pg_url)
    try:
        version, frame = store.read_observations()
        hit = (frame["indicator_id"] == "population") & (frame["region_code"] == "0127") & (frame["year"] == 2024)
        frame.loc[hit & (frame["sex"] == "T"), "value"] = frame.loc[hit & (frame["sex"] == "T"), "value"] + 1
        published = store.publish(frame, load_catalog(), load_regions(), origin="test: scale-out publish")
    finally:
        store.dispose()
    assert published.version == version + 1

    # /healthz reads the store: both report the new version at once
    assert _version(a) == _version(b) == published.version
    # each instance reloads its in-memory dataset on its first request after the version poll interval
    after = str(int(float(before)) + 1)
    for port in (a, b):
        deadline = time.monotonic() + 30
        while _value(port) != after and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the condition (the interval is 1 s), not for a fixed time
        assert _value(port) == after
