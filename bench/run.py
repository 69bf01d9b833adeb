"""`make bench`: every performance goal measured beside a default Dash + Plotly Express baseline.

Runs, in order: the /jamfor main callback's server time (bundled data, then a SYNTHETIC
full-Sweden store), the same for the baseline; worker memory and start time on the full-Sweden
store; a bounded loopback load test of both under gunicorn; cold page loads in headless Chromium;
the ETL replay. Prints `goal | measured | baseline | ratio | met` and writes bench/results/latest.json.
The full-Sweden values are synthetic load data written to a temporary store only.
Options: --quick (shorter load tests), --skip load,browser,etl,scale, --page-cpu-slowdown N.

This module is the argument parsing and the sections in order, each returning its rows; the measuring
is in processes.py (servers, ports, /proc), callbacks.py, pages.py and etl_replay.py, the table in report.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if (_repo := str(Path(__file__).resolve().parent.parent)) not in sys.path:  # `python bench/run.py` from anywhere
    sys.path.insert(0, _repo)

from bench.callbacks import build_full_sweden, drop_packed_copy, in_child
from bench.etl_replay import REFERENCE, etl_replay
from bench.pages import PAGE_ROUNDS, cold_pages
from bench.processes import PY, ROOT, children, free_port, memory_mb, start_baseline, start_ours, stop, wait_until_idle
from bench.report import compared, publish, ratio, row

Rows = list[dict[str, Any]]
LOAD_NOTE = (
    "Load test: wrk (C, one thread) on the same machine as the server; it takes a little of the server's "
    "CPUs, so callbacks/s is a floor for the server alone. Each request is one real Dash callback POST of "
    "the /jamfor flow (no page GETs). Full-Sweden values are synthetic load data."
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter load tests (10 s)")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: load,browser,etl,scale")
    parser.add_argument(
        "--page-cpu-slowdown",
        type=float,
        default=1,
        help="slow the pages' CPU this many times in the cold loads (both pages; as on a slower machine)",
    )
    return parser.parse_args(argv)


def callback_p95(goal: str, limit_ms: int, ours: dict[str, Any], base: dict[str, Any]) -> Rows:
    """The rows of one callback timing: its p95 against the baseline's, and (info) the p95 of first asks."""
    return [
        compared(goal, f"≤ {limit_ms} ms", ours["p95_ms"], base["p95_ms"], "ms", ours["p95_ms"] <= limit_ms),
        row("  (first time a view is asked, p95)", "info", f"{ours['first_time_p95_ms']} ms", None, None, None),
    ]


# ------------------------------------------------------------------ the sections, in the order they run
def bundled_callback(small_db: str, results: dict[str, Any]) -> Rows:
    print("· /jamfor main callback, in-process, bundled data …", flush=True)
    ours = in_child("time_callbacks_child", small_db, 3)
    base = in_child("time_baseline_child", 5)
    results["callback_bundled"], results["callback_baseline"] = ours, base
    return callback_p95("/jamfor callback p95, eight + references", 15, ours, base)


def full_sweden_callback(full_db: str, base: dict[str, Any], results: dict[str, Any]) -> Rows:
    print("· SYNTHETIC full-Sweden store (temporary, never the bundled data) …", flush=True)
    results["full_sweden_store"] = build_full_sweden(full_db)
    full = in_child("time_callbacks_child", full_db, 3)
    results["callback_full_sweden"] = full
    return callback_p95(f"/jamfor callback p95, full Sweden (synthetic, {full['observations']:,} rows)", 50, full, base)


def full_sweden_memory_and_starts(full_db: str, logs: Path, results: dict[str, Any]) -> Rows:
    """Worker memory after the first start, and the start time with each kind of cache left (or none).
    The worker RSS row carries `_rss` for `with_baseline_memory`."""
    from bench.loadtest import run as load

    print("· memory and start, full-Sweden store …", flush=True)
    starts = []
    cache = Path(os.environ["NYCKELTAL_OBSERVATIONS_CACHE"])
    attempts = (
        # the publish wrote the observations cache; earlier starts kept the compressed static files
        ("first start after the publish (cache written by the publish)", None),
        ("restart", None),
        # e.g. a second host on PostgreSQL, or a fresh install: the publish's packed copy read from the
        # store (one SELECT), static files compressed by the workers in the background after start
        ("start with no local cache at all (packed copy from the store)", "clear"),
        # a store published before the packed copy existed: every row read and coded (info only)
        ("start with no cache and no packed copy (rows from the store)", "rows"),
    )
    mem: list[dict[str, float]] = []
    master: dict[str, float] = {}
    for attempt, clear in attempts:
        if clear:
            shutil.rmtree(cache, ignore_errors=True)
        if clear == "rows":
            drop_packed_copy(full_db)
        port = free_port()
        proc, start_s = start_ours(full_db, port, logs / "full.log")
        starts.append((attempt, start_s))
        try:
            load(f"http://127.0.0.1:{port}", "nyckeltal", users=4, duration=3, warmup=0, procs=1)
            if not mem:  # memory after the first start (what a worker holds in production)
                mem = [memory_mb(p) for p in children(proc.pid)]
                master = memory_mb(proc.pid)
        finally:
            stop(proc)
    rss = max(m["rss"] for m in mem)
    results["memory_full_sweden"] = {
        "workers": mem,
        "master": master,
        "starts": {a: round(s_, 2) for a, s_ in starts},
    }
    pss, uss = max(m["pss"] for m in mem), max(m["uss"] for m in mem)
    memory_row = row("worker RSS, full-Sweden store", "≤ 200 MB", f"{rss:.0f} MB", None, None, rss <= 200)
    memory_row["_rss"] = rss
    rows = [
        memory_row,
        row(
            "  (worker PSS / USS: shared pages split / private only)",
            "info",
            f"{pss:.0f} / {uss:.0f} MB",
            None,
            None,
            None,
        ),
    ]
    for attempt, start_s in starts:
        info = "no packed copy" in attempt  # the fallback path, not a goal
        rows.append(
            row(
                f"app start (until /healthz answers), full Sweden, {attempt}",
                "info" if info else "≤ 3 s",
                f"{start_s:.2f} s",
                None,
                None,
                None if info else start_s <= 3,
            )
        )
    return rows


def bundled_start(start_s: float) -> Rows:
    return [row("app start (until /healthz answers), bundled", "≤ 3 s", f"{start_s:.2f} s", None, None, start_s <= 3)]


def load_test(port: int, bport: int, bproc: subprocess.Popen, duration: float, results: dict[str, Any]) -> Rows:
    """wrk against both servers; afterwards the baseline's worker memory (for `with_baseline_memory`)."""
    from bench.wrkload import run as load

    print(f"· load test (wrk): 50 connections, {duration:.0f} s each, loopback …", flush=True)
    lo = load(f"http://127.0.0.1:{port}", "nyckeltal", connections=50, duration=duration)
    lb = load(f"http://127.0.0.1:{bport}", "baseline", connections=50, duration=duration)
    results["load"], results["load_baseline"] = lo, lb
    rows = [
        compared(
            "callbacks/s, 50 clients (gunicorn.conf.py; wrk)",
            "≥ 400",
            lo["callbacks_per_s"],
            lb["callbacks_per_s"],
            "",
            lo["callbacks_per_s"] >= 400,
        ),
        row("errors under load", "0", lo["errors"], lb["errors"], None, lo["errors"] == 0),
    ]
    results["memory_baseline_workers_rss"] = max((memory_mb(p)["rss"] for p in children(bproc.pid)), default=None)
    rows.append(
        compared(
            "callback p99 under load",
            "≤ 250 ms",
            lo["p99_ms"],
            lb["p99_ms"],
            "ms",
            lo["p99_ms"] is not None and lo["p99_ms"] <= 250,
        )
    )
    return rows


def page_loads(
    servers: list[subprocess.Popen], port: int, bport: int, slowdown: float, results: dict[str, Any]
) -> Rows:
    print("· cold page loads in headless Chromium …", flush=True)
    results["page_wait_idle_s"] = round(wait_until_idle(servers), 1)
    loads = cold_pages(
        {
            "home": (f"http://127.0.0.1:{port}/", False),
            "jamfor": (f"http://127.0.0.1:{port}/jamfor", True),
            "baseline": (f"http://127.0.0.1:{bport}/", True),
        },
        repeats=PAGE_ROUNDS,
        slowdown=slowdown,
    )
    results["page_cpu_slowdown"] = slowdown
    slowed = f", page CPU slowed {slowdown:g}×" if slowdown > 1 else ""
    home, jam, bpage = loads["home"], loads["jamfor"], loads["baseline"]
    results["page"] = loads
    # judged on the unrounded medians (a ratio printed as 0.5 may be 0.504)
    exact = (
        jam["first_chart_s"] / bpage["first_chart_s"]
        if jam["first_chart_s"] is not None and bpage["first_chart_s"]
        else None
    )
    return [
        compared("cold page transferred, /", "≤ 800 KB", home["kb"], bpage["kb"], "KB", home["kb"] <= 800),
        compared("cold page transferred, /jamfor", "≤ 800 KB", jam["kb"], bpage["kb"], "KB", jam["kb"] <= 800),
        row(
            f"first chart drawn, /jamfor vs baseline (median of {len(jam['first_chart_all_s'])} loads{slowed})",
            "≤ 0.5 × baseline",
            f"{jam['first_chart_s']} s",
            f"{bpage['first_chart_s']} s",
            round(exact, 3) if exact is not None else None,
            exact is not None and exact <= 0.5,
        ),
    ]


def replay_etl(tmp: Path, results: dict[str, Any]) -> Rows:
    print("· ETL replay of every recorded response …", flush=True)
    replay = etl_replay(tmp)
    results["etl"] = replay
    if replay is None:
        results["notes"].append(f"ETL replay skipped: no recorded material at {REFERENCE}")
        return [
            row("ETL replay into a published store", "≤ 30 s", "skipped (no ../shared/reference)", None, None, None)
        ]
    return [
        row(
            "ETL replay into a published store",
            "≤ 30 s",
            f"{replay['seconds']} s",
            None,
            None,
            replay["seconds"] <= 30,
        ),
        row(
            "ETL replay peak RSS",
            "≤ 1 GB",
            f"{replay['peak_rss_mb']:.0f} MB",
            None,
            None,
            replay["peak_rss_mb"] <= 1024,
        ),
    ]


def with_baseline_memory(rows: Rows, base_rss: float | None) -> Rows:
    """The rows without their `_rss` marks; the worker RSS row beside the baseline's worker RSS, if measured
    (the baseline's worker holds only the bundled data)."""
    for r in rows:
        rss = r.pop("_rss", None)
        if rss is not None and base_rss:
            r["baseline"], r["ratio"] = f"{base_rss:.0f} MB (bundled data)", ratio(rss, base_rss)
    return rows


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    tmp = Path(tempfile.mkdtemp(prefix="nyckeltal-bench-"))
    logs = tmp / "logs"
    logs.mkdir()
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "notes": []}
    rows: Rows = []
    os.environ["NYCKELTAL_OBSERVATIONS_CACHE"] = str(tmp / "cache")  # the derived cache, inside the temp dir
    small_db = f"sqlite:///{tmp / 'bundled.sqlite'}"
    full_db = f"sqlite:///{tmp / 'full-sweden.sqlite'}"
    try:
        subprocess.run(  # the deploy step: the dashboard itself never loads the bundled snapshot
            [PY, "-m", "etl", "snapshot", "load"],
            cwd=ROOT,
            env=os.environ | {"NYCKELTAL_DATABASE_URL": small_db},
            check=True,
        )
        rows += bundled_callback(small_db, results)
        if "scale" not in skip:
            rows += full_sweden_callback(full_db, results["callback_baseline"], results)
            rows += full_sweden_memory_and_starts(full_db, logs, results)
        port = free_port()
        proc, start_s = start_ours(small_db, port, logs / "ours.log")
        rows += bundled_start(start_s)
        bport = free_port()
        bproc = start_baseline(bport, logs / "baseline.log")
        try:
            if "load" not in skip:
                rows += load_test(port, bport, bproc, 10.0 if args.quick else 20.0, results)
            if "browser" not in skip:
                rows += page_loads([proc, bproc], port, bport, args.page_cpu_slowdown, results)
        finally:
            stop(proc)
            stop(bproc)
        if "etl" not in skip:
            rows += replay_etl(tmp, results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["notes"].append(LOAD_NOTE)
    return publish(results, with_baseline_memory(rows, results.get("memory_baseline_workers_rss")))


if __name__ == "__main__":
    sys.exit(main())
