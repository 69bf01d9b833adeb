"""GET /healthz: is the store readable, which dataset is served, how old is the newest refresh.

For load balancers and monitors: 200 with JSON when the store answers, 503 with
JSON saying why when it does not. Two small queries, nothing cached, so the answer
is about the store as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify

from etl.freshness import age_seconds

SUCCESSFUL = ("published", "unchanged")


def health_report(source: Any, now: datetime) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for the store behind `source` (a dashboard DataSource)."""
    store = source.store
    state = store.state()
    if state is None:
        return 503, {"status": "error", "error": "the store holds no published dataset"}
    last = store.last_run(*SUCCESSFUL)
    finished = last["finished_at"] if last else None
    return 200, {
        "status": "ok",
        "dataset_version": state.version,
        "published_at": state.published_at,
        "last_successful_refresh": finished,
        "age_seconds": age_seconds(finished, now),
    }


def register_health(server: Flask, source_getter: Callable[[], Any]) -> None:
    """Add GET /healthz to the Flask `server`; `source_getter` returns the DataSource."""

    @server.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            status, body = health_report(source_getter(), datetime.now(UTC))
        except Exception as exc:  # any failure to read the store is "unhealthy", said in one line
            text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            status, body = 503, {"status": "error", "error": f"cannot read the store: {text}"}
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response, status
