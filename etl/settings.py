"""Every setting of nyckeltal, declared once: name, default and help.

A setting is read from the environment variable of the same name; the default
applies otherwise. This module imports nothing from the rest of `etl`, so any
layer may use it. `python -m etl settings` prints the table below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class Setting:
    """One configurable value with its documentation."""

    name: str
    default: str
    help: str

    def get(self) -> str:
        """The value in force: the environment's, else the default."""
        value = os.environ.get(self.name)
        return value if value not in (None, "") else self.default


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "NYCKELTAL_DATABASE_URL",
        f"sqlite:///{DATA_DIR / 'nyckeltal.sqlite'}",
        "SQLAlchemy URL of the store. Default: an embedded SQLite file under data/ (WAL mode). "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    ),
    Setting(
        "NYCKELTAL_SCB_URL",
        "https://statistikdatabasen.scb.se/api/v2",
        "Base URL of SCB's PxWebApi 2.0.",
    ),
    Setting(
        "NYCKELTAL_KOLADA_URL",
        "https://api.kolada.se/v3",
        "Base URL of the Kolada API v3.",
    ),
    Setting(
        "NYCKELTAL_RAW_DIR",
        str(DATA_DIR / "raw"),
        "Where every raw source response is archived verbatim (with its request, time and sha256).",
    ),
    Setting(
        "NYCKELTAL_SNAPSHOT_DIR",
        str(DATA_DIR / "snapshot"),
        "The bundled snapshot of real published figures, loaded into an empty store on first start.",
    ),
    Setting(
        "NYCKELTAL_EXTRA_CATALOG",
        "",
        "Path of an extra catalog YAML with an analyst's own indicators (same format as etl/catalog.yaml, "
        "e.g. a `csv: {path: ...}` source). Empty: none.",
    ),
    Setting(
        "NYCKELTAL_SNAPSHOT_WAIT",
        "120",
        "Seconds a process that finds the store empty while another process loads the snapshot (or refreshes) "
        "waits for that dataset before it gives up with a message (`snapshot load`, `refresh`, the app's first start).",
    ),
    Setting("NYCKELTAL_HTTP_TIMEOUT", "60", "Seconds to wait for a source to answer one request."),
    Setting("NYCKELTAL_HTTP_RETRIES", "4", "How often a failed request (5xx, 429, timeout) is tried again."),
    Setting(
        "NYCKELTAL_REFRESH_CRON",
        "15 6 * * *",
        "When `python -m etl schedule` refreshes: a five-field crontab expression "
        "(minute hour day month weekday) in Europe/Stockholm time. Default: daily at 06:15.",
    ),
    Setting(
        "NYCKELTAL_VERSION_POLL_MS",
        "1000",
        "Dashboard: how often (milliseconds, per worker) the store's dataset version is asked for; a publish is "
        "served from the first request after this interval. 0: on every request.",
    ),
    Setting(
        "NYCKELTAL_OBSERVATIONS_CACHE",
        str(DATA_DIR / "cache"),
        "Folder for derived, read-only files: a packed Arrow copy of each published version's observations "
        "(written by the publish, named by version and content sha256) and static/, the compressed scripts and "
        "stylesheets. Never committed; safe to delete. Empty: no cache.",
    ),
    Setting("NYCKELTAL_WORKERS", "", "gunicorn.conf.py: number of workers (empty: one per CPU)."),
    Setting(
        "NYCKELTAL_THREADS",
        "16",
        "gunicorn.conf.py: threads per worker (gthread), so slow clients hold a thread each, never a whole worker.",
    ),
    Setting(
        "NYCKELTAL_ACCESS_LOG",
        "-",
        "gunicorn.conf.py: where the access log goes: '-' for stdout, a file path, or 'off'.",
    ),
    Setting(
        "NYCKELTAL_REQUEST_TIMEOUT",
        "20",
        "gunicorn.conf.py: seconds one request may take; a request still running then is stopped and answered "
        "503 (the worker goes on serving). Keep it below gunicorn's worker timeout (30 s), which stops a worker "
        "stuck outside Python code.",
    ),
    Setting("NYCKELTAL_HOST", "127.0.0.1", "Address the dashboard listens on (python app.py)."),
    Setting("NYCKELTAL_PORT", "8050", "Port the dashboard listens on (python app.py)."),
    Setting(
        "NYCKELTAL_MAX_JUMP",
        "0.5",
        "Validation: a year-on-year change larger than this share of the previous value is flagged "
        "as a suspicious jump (warning, not a failure).",
    ),
    Setting(
        "NYCKELTAL_RUN_JOURNAL",
        str(DATA_DIR / "runs-unlogged.jsonl"),
        "File where a run the store refused to log (read-only store, store not answering) is written as one "
        "JSON line with its reason; `python -m etl status` shows them. 'off': none.",
    ),
    Setting(
        "NYCKELTAL_HEALTH_DEGRADED_STATUS",
        "200",
        "HTTP status of /healthz when it reports `degraded` (the last scheduled refresh failed, or the data is "
        "older than the refresh schedule allows): 200 (default: still served) or 503 (take the host out).",
    ),
    Setting(
        "NYCKELTAL_HEALTH_MAX_AGE_HOURS",
        "",
        "/healthz: hours the last successful refresh may be old before it reports `degraded`. "
        "Empty: twice the interval of NYCKELTAL_REFRESH_CRON plus one hour (daily: 49 h).",
    ),
    Setting(
        "NYCKELTAL_KEEP_VERSIONS",
        "5",
        "How many published versions the store keeps (the newest; the published one always): "
        "`python -m etl versions` lists them, `python -m etl rollback [--to V]` makes one the published one again. "
        "Older ones are removed after each successful publish, never during it.",
    ),
    Setting(
        "NYCKELTAL_DEBUG", "0", "1 turns on Dash's debug mode and dev tools (python app.py only). Never in production."
    ),
    Setting(
        "NYCKELTAL_FRAME_ANCESTORS",
        "'self'",
        "Who may embed the dashboard in a frame (CSP frame-ancestors): 'self', 'none' or origins separated by "
        "spaces, e.g. \"'self' https://www.botkyrka.se https://www.haninge.se\".",
    ),
    Setting("NYCKELTAL_MAX_REQUEST_BYTES", "1048576", "Largest request body (Dash callbacks) accepted; more is 413."),
    Setting("NYCKELTAL_MAX_QUERY_CHARS", "2048", "Longest query string accepted on any URL; more is 414."),
    Setting("NYCKELTAL_API_MAX_INDICATORS", "10", "API: most indicators in one request."),
    Setting("NYCKELTAL_API_MAX_REGIONS", "40", "API: most regions and groups in one request."),
    Setting(
        "NYCKELTAL_API_MAX_ROWS",
        "20000",
        "API: most rows one request may return (estimated before the query runs as indicators x regions x years); "
        "larger selections are refused with 400, split them.",
    ),
    Setting(
        "NYCKELTAL_CACHE_MAX_AGE",
        "300",
        "API: seconds a client or proxy may reuse an answer before revalidating it with its ETag "
        "(Cache-Control: public, max-age=N, must-revalidate).",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """Value of a declared setting; an undeclared name is a programming error."""
    return _BY_NAME[name].get()


def get_int(name: str) -> int:
    """Integer value of a declared setting, with a message a person can act on."""
    raw = get(name)
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"Setting {name}={raw!r} is not a whole number.") from exc


def get_float(name: str) -> float:
    """Decimal value of a declared setting, with a message a person can act on."""
    raw = get(name)
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"Setting {name}={raw!r} is not a number.") from exc
