"""The ETL replay: every recorded source answer in ../shared/reference through `python -m etl snapshot`, timed,
with the ETL process's peak RSS.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from bench.processes import PY, ROOT, env_for

REFERENCE = ROOT.parent / "shared" / "reference"

# Runs argv[1:] as a child and prints the child's peak RSS in KiB (getrusage of waited-for children).
PEAK_RSS_LAUNCHER = (
    "import resource, subprocess, sys; "
    "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)"
)


def etl_replay(tmp: Path) -> dict[str, Any] | None:
    """Seconds and peak RSS (MB) of the replay into a store under `tmp`; None without recorded material."""
    if not (REFERENCE / "scb").is_dir():
        return None
    env = env_for(f"sqlite:///{tmp / 'replay.sqlite'}", NYCKELTAL_RAW_DIR=str(tmp / "raw"))
    started = time.perf_counter()
    # The ETL runs as a grandchild, under a small launcher that reports its children's peak RSS:
    # Linux carries a process's peak RSS across fork + exec, so a child forked straight from this
    # process (large by now: it built the full-Sweden store) would report this process's peak.
    proc = subprocess.Popen(
        [
            PY,
            "-c",
            PEAK_RSS_LAUNCHER,
            PY,
            "-m",
            "etl",
            "snapshot",
            "--reference",
            str(REFERENCE),
            "--output",
            str(tmp / "snapshot"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"ETL replay failed: {err.decode()[-2000:]}")
    return {"seconds": round(elapsed, 1), "peak_rss_mb": round(int(out.decode().split()[-1]) / 1024, 1)}
