"""`python -m etl schedule`: refresh on a cron expression, in the foreground, until stopped.

A long-lived process for systemd or a container. APScheduler 3.x runs one job
(coalesced, never two at once in this process); the store's refresh lock keeps
runs on other processes and machines out. SIGTERM/SIGINT stop it gracefully:
no new run starts, a running refresh finishes (a second signal ends it at once,
which is safe: publishing is one transaction).

The cron expression means what it means in a crontab, also for weekdays:
APScheduler numbers them from Monday = 0 while cron uses Sunday = 0 (and 7), so
numeric weekdays are translated to names before APScheduler sees them.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

TIMEZONE = ZoneInfo("Europe/Stockholm")
MISFIRE_GRACE_SECONDS = 3600  # a run missed (machine asleep, process busy) still starts within an hour
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering: 0 (and 7) = Sunday
EXIT_MEANINGS = {
    0: "published or nothing changed",
    1: "a source or the store failed; nothing published",
    2: "wrong usage or a broken catalog",
    3: "another refresh held the lock; nothing done",
    4: "validation failed; nothing published",
}

log = logging.getLogger("etl.schedule")


class CronError(ValueError):
    """The cron expression cannot be used; the message says why and what is expected."""


def _weekday_number(token: str, expr: str) -> int:
    token = token.strip().lower()
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise CronError(f"cron expression {expr!r}: weekday {token!r} is not 0–7 or sun…sat")


def cron_weekdays(field: str, expr: str = "") -> str:
    """A crontab day-of-week field (Sunday = 0 or 7) as APScheduler day names (pure)."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise CronError(f"cron expression {expr!r}: step {step_text!r} in the weekday field is not a whole number")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _weekday_number(a, expr), _weekday_number(b, expr)
            if b.strip() == "7":
                last = 7
            if last < first:
                raise CronError(f"cron expression {expr!r}: weekday range {base!r} runs backwards")
        else:
            first = last = _weekday_number(base, expr)
        days.update(d % 7 for d in range(first, last + 1, step or 1))
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def parse_cron(expr: str, timezone: ZoneInfo = TIMEZONE) -> CronTrigger:
    """A five-field crontab expression as an APScheduler trigger in `timezone`."""
    fields = expr.split()
    if len(fields) != 5:
        raise CronError(
            f"cron expression {expr!r} has {len(fields)} field(s); expected 5: minute hour day month weekday "
            "(e.g. '15 6 * * *' for daily at 06:15)"
        )
    fields[4] = cron_weekdays(fields[4], expr)
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)
    except ValueError as exc:
        raise CronError(f"cron expression {expr!r}: {exc}") from None


def next_runs(expr: str, count: int, now: datetime, timezone: ZoneInfo = TIMEZONE) -> list[datetime]:
    """The next `count` times `expr` fires after `now` (pure; for logs, status and tests)."""
    trigger = parse_cron(expr, timezone)
    out: list[datetime] = []
    previous = None
    current = now
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, current)
        if fire is None:
            break
        out.append(fire)
        previous, current = fire, fire
    return out


def describe_exit(code: int) -> str:
    return EXIT_MEANINGS.get(code, "unexpected exit code")


class RefreshScheduler:
    """Runs `job` (a refresh returning an exit code) on `cron` until stopped."""

    def __init__(self, cron: str, job: Callable[[], int], timezone: ZoneInfo = TIMEZONE):
        self.cron = cron
        self.job = job
        self.trigger = parse_cron(cron, timezone)
        self.scheduler = BlockingScheduler(timezone=timezone)
        self.results: list[int] = []
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        self.scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)

    def run_once(self) -> int:
        """One refresh now, logged with its duration and exit code; returns the exit code.
        The scheduler counts as idle only once the run is logged and recorded."""
        self._idle.clear()
        try:
            started = datetime.now(TIMEZONE)
            log.info("refresh starting (cron %r)", self.cron)
            try:
                code = int(self.job())
            except Exception:  # the scheduler must survive anything a run throws
                log.exception("refresh crashed; the published dataset is unchanged")
                code = 1
            seconds = (datetime.now(TIMEZONE) - started).total_seconds()
            log.info("refresh finished in %.1f s with exit code %d (%s)", seconds, code, describe_exit(code))
            self.results.append(code)
            job = self.scheduler.get_job("refresh") if self.scheduler.running else None
            if job is not None and job.next_run_time is not None:
                log.info("next refresh at %s", job.next_run_time.isoformat())
            return code
        finally:
            self._idle.set()

    def _on_skipped(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("refresh skipped: the previous one is still running")
        else:
            log.warning("refresh missed its time %s by more than the grace period", event.scheduled_run_time)

    def stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        """Stop starting runs; a running refresh finishes. Safe to call from a signal handler."""
        if self._stopping:
            log.warning("second signal: stopping now, the running refresh is abandoned (nothing half-published)")
            os._exit(128 + (signum or 15))  # not SystemExit: that would wait for the job's thread
        self._stopping = True
        name = signal.Signals(signum).name if signum else "stop"
        log.info("%s received: no new refresh will start; stopping", name)
        # shutdown() takes the scheduler's locks; never do that inside the handler itself
        threading.Thread(target=self._shutdown, daemon=True).start()

    def _shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run(self, run_now: bool = False, install_signals: bool = True) -> int:
        """Block until stopped; returns 0 (the exit code of a graceful stop)."""
        options: dict[str, Any] = {
            "id": "refresh",
            "name": "nyckeltal refresh",
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        }
        if run_now:
            options["next_run_time"] = datetime.now(TIMEZONE)
        self.scheduler.add_job(self.run_once, self.trigger, **options)
        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        upcoming = self.trigger.get_next_fire_time(None, datetime.now(TIMEZONE))
        log.info(
            "scheduler started: cron %r (Europe/Stockholm), %s",
            self.cron,
            "refreshing now" if run_now else f"next refresh at {upcoming.isoformat() if upcoming else 'never'}",
        )
        self.scheduler.start()  # blocks until shutdown
        if not self._idle.is_set():
            log.info("waiting for the running refresh to finish")
            self._idle.wait()
        log.info("scheduler stopped")
        return 0


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
