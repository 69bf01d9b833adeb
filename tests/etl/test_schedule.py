"""The scheduler: cron semantics, one run at a time, graceful stop, and the CLI around it."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from etl import settings
from etl.cli.parser import main
from etl.freshness import assess, expected_year, run_counts
from etl.schedule import TIMEZONE, CronError, RefreshScheduler, cron_weekdays, next_runs, parse_cron

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, what: str, deadline: float = 90.0) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)


def test_default_is_daily_0615_stockholm_across_dst():
    assert settings.get("NYCKELTAL_REFRESH_CRON") == "15 6 * * *"
    runs = next_runs("15 6 * * *", 3, at(2026, 3, 28, 12, 0))  # summer time starts 29 March
    assert [r.isoformat() for r in runs] == [
        "2026-03-29T06:15:00+02:00",
        "2026-03-30T06:15:00+02:00",
        "2026-03-31T06:15:00+02:00",
    ]
    assert next_runs("15 6 * * *", 1, at(2026, 10, 24, 7, 0))[0].isoformat() == "2026-10-25T06:15:00+01:00"


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("*/2", "sun,tue,thu,sat"),
        ("6-7", "sun,sat"),
        ("1,3", "mon,wed"),
    ],
)
def test_weekdays_mean_what_they_mean_in_crontab(field: str, names: str):
    assert cron_weekdays(field) == names


def test_monday_in_crontab_is_monday():
    friday = at(2026, 3, 27, 12, 0)
    assert next_runs("0 6 * * 1", 1, friday)[0].strftime("%a %Y-%m-%d %H:%M") == "Mon 2026-03-30 06:00"
    assert next_runs("0 6 * * 0", 1, friday)[0].strftime("%a %Y-%m-%d") == "Sun 2026-03-29"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("15 6 * *", "cron expression '15 6 * *' has 4 field(s); expected 5: minute hour day month weekday"),
        ("61 6 * * *", "cron expression '61 6 * * *': Error validating expression '61'"),
        ("0 6 * * 8", "cron expression '0 6 * * 8': weekday '8' is not 0–7 or sun…sat"),
    ],
)
def test_bad_cron_is_an_actionable_error(expr: str, message: str, capsys):
    with pytest.raises(CronError) as info:
        parse_cron(expr)
    assert str(info.value).startswith(message)
    assert main(["schedule", "--cron", expr, "--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and "(set NYCKELTAL_REFRESH_CRON or --cron)" in err


def test_run_now_runs_once_with_one_instance_and_coalescing(caplog):
    caplog.set_level(logging.INFO, logger="etl.schedule")
    seen: dict = {}
    scheduler: RefreshScheduler

    def job() -> int:
        j = scheduler.scheduler.get_job("refresh")
        seen.update(coalesce=j.coalesce, max_instances=j.max_instances, grace=j.misfire_grace_time)
        scheduler.stop(signal.SIGTERM)
        return 0

    scheduler = RefreshScheduler("15 6 * * *", job)
    assert scheduler.run(run_now=True, install_signals=False) == 0
    assert scheduler.results == [0]
    assert seen == {"coalesce": True, "max_instances": 1, "grace": 3600}
    text = caplog.text
    assert "scheduler started: cron '15 6 * * *' (Europe/Stockholm), refreshing now" in text
    assert "refresh finished in" in text and "with exit code 0 (published or nothing changed)" in text
    assert "SIGTERM received: no new refresh will start; stopping" in text
    assert "scheduler stopped" in text


def test_a_crashing_run_does_not_kill_the_scheduler(caplog):
    caplog.set_level(logging.INFO, logger="etl.schedule")
    calls: list[int] = []

    def job() -> int:
        calls.append(1)
        scheduler.stop(signal.SIGTERM)
        raise RuntimeError("boom")

    scheduler = RefreshScheduler("15 6 * * *", job)
    assert scheduler.run(run_now=True, install_signals=False) == 0
    assert calls == [1] and scheduler.results == [1]
    assert "refresh crashed; the published dataset is unchanged" in caplog.text
    assert "exit code 1 (a source or the store failed; nothing published)" in caplog.text


def test_stop_lets_the_running_refresh_finish(caplog):
    caplog.set_level(logging.INFO, logger="etl.schedule")
    started, go = threading.Event(), threading.Event()

    def job() -> int:
        started.set()
        go.wait(20)
        return 4

    scheduler = RefreshScheduler("15 6 * * *", job)
    runner = threading.Thread(target=scheduler.run, kwargs={"run_now": True, "install_signals": False})
    runner.start()
    try:
        assert started.wait(20)
        scheduler.stop(signal.SIGINT)
        wait_for(lambda: "waiting for the running refresh to finish" in caplog.text, "the stop to wait for the run")
        assert runner.is_alive() and scheduler.results == []
    finally:
        go.set()
        runner.join(20)
    assert not runner.is_alive()
    assert scheduler.results == [4]
    assert "exit code 4 (validation failed; nothing published)" in caplog.text
    assert caplog.text.index("exit code 4") < caplog.text.index("scheduler stopped")


def test_sigterm_stops_the_foreground_scheduler(tmp_path: Path):
    env = os.environ | {"NYCKELTAL_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "schedule", "--cron", "0 0 1 1 *"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("scheduler started" in line for line in lines), "the scheduler to start")
        started = next(line for line in lines if "scheduler started" in line)
        assert "cron '0 0 1 1 *' (Europe/Stockholm), next refresh at" in started and "-01-01T00:00:00+01:00" in started
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert any("SIGTERM received: no new refresh will start; stopping" in line for line in lines)
    assert "scheduler stopped" in lines[-1]


# ---------------------------------------------------------------------- freshness (pure)

NOW = at(2026, 11, 27, 12, 0)


def test_expected_year_for_annual_statistics():
    assert expected_year(12, NOW) == 2023  # figures for 2023 must be out by now; 2024/2025 may still come
    assert expected_year(12, at(2027, 1, 1, 0, 0)) == 2024


@pytest.mark.parametrize(
    ("latest", "updated", "state", "reason"),
    [
        (2025, ["2026-02-21T07:00:00Z"], "ok", ""),
        (2023, [], "ok", ""),
        (2021, ["2026-02-21T07:00:00Z"], "stale", "year"),
        (2024, ["2025-05-01T07:00:00Z"], "stale", "source"),  # table not updated for 19 months
        (2024, ["2025-05-01T07:00:00Z", "2026-03-01T07:00:00Z"], "ok", ""),  # the newest of its tables counts
        (None, [], "no_data", ""),
    ],
)
def test_stale_when_the_source_misses_its_cadence(latest, updated, state, reason):
    f = assess("population", 12, latest, updated, "2026-09-13T10:00:00Z", NOW)
    assert (f.state, f.reason) == (state, reason)


def test_freshness_line_for_the_cli():
    assert assess("x", 12, 2021, [], None, NOW).describe() == "stale: newest year 2021, 2023 expected by now"
    assert (
        assess("x", 12, 2024, ["2025-05-01T07:00:00Z"], None, NOW).describe()
        == "stale: source not updated since 2025-05-01 (every 12 months expected)"
    )


def test_run_counts():
    details = {
        "indicators": {
            "population": {"status": "fetched", "rows_added": 3, "rows_changed": 2, "rows_removed": 0},
            "births": {"status": "unchanged", "rows_added": 0, "rows_changed": 0, "rows_removed": 0},
            "tax_rate_total": {"status": "failed", "error": "SCB TAB2017: HTTP 500"},
            "net_commuting": {"status": "derived", "rows_added": 0, "rows_changed": 1, "rows_removed": 4},
        }
    }
    assert run_counts(details) == {
        "fetched": 1,
        "unchanged": 1,
        "failed": 1,
        "rows_added": 3,
        "rows_changed": 3,
        "rows_removed": 4,
    }
