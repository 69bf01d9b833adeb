"""Runs the store could not log (it refused writes or did not answer): one JSON line each in
NYCKELTAL_RUN_JOURNAL, so `python -m etl status` still shows why a run failed.

The store's `runs` table stays the log of record; this file only holds what could not reach it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from etl import settings
from etl.store import now_iso

LOG = logging.getLogger(__name__)


def journal_path() -> Path | None:
    value = settings.get("NYCKELTAL_RUN_JOURNAL")
    return Path(value) if value and value != "off" else None


def record_unlogged(trigger: str, error: str) -> None:
    """Append one failed run the store refused to log; failing to write the file only logs."""
    path = journal_path()
    line = {"at": now_iso(), "trigger": trigger, "status": "failed", "error": error.strip().splitlines()[0]}
    LOG.error("run not logged in the store: %s", line["error"])
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        LOG.warning("cannot write the run journal %s: %s", path, exc)


def read_unlogged(limit: int = 5) -> list[dict[str, Any]]:
    """The newest `limit` journal lines, newest first ([] without a journal)."""
    path = journal_path()
    if path is None or not path.exists():
        return []
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue
    return out[::-1]
