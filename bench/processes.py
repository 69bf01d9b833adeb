"""The benchmark's processes: free ports, the servers' start and stop, and their CPU time and memory (/proc).

Starts our app with the documented production command (gunicorn.conf.py) and the baseline with gunicorn's
defaults, each on a free loopback port, and waits until it answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, NYCKELTAL_DATABASE_URL=db_url, PYTHONPATH=str(ROOT), **extra)
    env.pop("NYCKELTAL_DEBUG", None)
    return env


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> float:
    """Seconds until `url` answers 200 (the server process must stay alive)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise SystemExit(f"the server for {url} exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def start_ours(db_url: str, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """The documented production command; returns (process, seconds until it serves /healthz)."""
    env = env_for(db_url, NYCKELTAL_PORT=str(port), NYCKELTAL_HOST="127.0.0.1", NYCKELTAL_ACCESS_LOG=str(log))
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "app:server"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    return proc, wait_ready(f"http://127.0.0.1:{port}/healthz", proc, log)


def start_baseline(port: int, log: Path) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-w",
        "2",
        "--no-control-socket",
        "-b",
        f"127.0.0.1:{port}",
        "bench.baseline_app:server",
    ]
    # cwd outside the repo: gunicorn would otherwise read our gunicorn.conf.py; the baseline runs Dash's defaults
    proc = subprocess.Popen(
        cmd, cwd=log.parent, env=env_for("sqlite://"), stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    wait_ready(f"http://127.0.0.1:{port}/", proc, log)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def cpu_ticks(pids: list[int]) -> int:
    """User + system CPU time of the processes so far, in clock ticks (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def wait_until_idle(procs: list[subprocess.Popen], timeout: float = 60.0) -> float:
    """Seconds until the servers (masters and workers) used under 20 ms of CPU in each of two half-second
    spells. After a load test a server may still be working off requests wrk left queued (the baseline's
    take ~0.2 s each): pages timed meanwhile would share the CPUs with it."""
    started = time.perf_counter()
    quiet = 0
    while quiet < 2 and time.perf_counter() - started < timeout:
        pids = [pid for proc in procs for pid in (proc.pid, *children(proc.pid))]
        before = cpu_ticks(pids)
        time.sleep(0.5)
        quiet = quiet + 1 if cpu_ticks(pids) - before <= 2 * os.sysconf("SC_CLK_TCK") // 100 else 0
    return time.perf_counter() - started


def memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS (shared pages split between the processes sharing them) and USS (pages only this
    process has) from /proc/<pid>/smaps_rollup, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return {
        "rss": round(fields["Rss"], 1),
        "pss": round(fields["Pss"], 1),
        "uss": round(fields["Private_Clean"] + fields["Private_Dirty"], 1),
    }
