"""Replay recorded SCB PxWebApi 2.0 answers from a loopback HTTP server.

The recorded material (see ../shared/reference/README.md) holds wrappers
`{"kind", "table", "url", "selection", "fetchedAt", "response"}`. The server
answers `/config`, `/tables/{id}/metadata` and `POST /tables/{id}/data` with the
recorded body whose selection covers the request (every requested code of every
variable is in the recording), sending the recording's time as the `Date`
header. A request no recording covers gets 404 with a problem+json body, as
SCB's API does for what it cannot answer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


@dataclass(frozen=True)
class Recording:
    """One recorded answer."""

    kind: str  # config | metadata | data
    table: str
    selection: dict[str, frozenset[str]]
    fetched_at: str
    body: bytes
    path: Path

    def covers(self, table: str, selection: dict[str, list[str]]) -> bool:
        if self.kind != "data" or self.table != table:
            return False
        return all(var in self.selection and set(codes) <= self.selection[var] for var, codes in selection.items())


@dataclass
class RecordedSet:
    """All recordings found under a reference directory."""

    recordings: list[Recording] = field(default_factory=list)

    @classmethod
    def load(cls, reference_dir: Path) -> RecordedSet:
        scb = Path(reference_dir) / "scb"
        if not scb.is_dir():
            raise FileNotFoundError(f"no recorded SCB answers under {scb} (expected ../shared/reference/scb)")
        out: list[Recording] = []
        for path in sorted(scb.glob("*/sv/*.json")):
            wrapper = json.loads(path.read_text(encoding="utf-8"))
            body = json.dumps(wrapper["response"], ensure_ascii=False).encode("utf-8")
            selection = {k: frozenset(map(str, v)) for k, v in (wrapper.get("selection") or {}).items()}
            out.append(Recording(wrapper["kind"], wrapper["table"], selection, wrapper["fetchedAt"], body, path))
        config = scb / "pxweb-samples" / "scb_v2_config.json"
        if config.exists():
            out.append(Recording("config", "", {}, "", config.read_bytes(), config))
        return cls(out)

    def config(self) -> Recording | None:
        return next((r for r in self.recordings if r.kind == "config"), None)

    def metadata(self, table: str) -> Recording | None:
        return next((r for r in self.recordings if r.kind == "metadata" and r.table == table), None)

    def find(self, table: str, selection: dict[str, list[str]]) -> Recording | None:
        return next((r for r in self.recordings if r.covers(table, selection)), None)

    def data_recordings(self) -> list[Recording]:
        return [r for r in self.recordings if r.kind == "data"]


def _http_date(iso: str) -> str:
    if not iso:
        return ""
    return format_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")), usegmt=True)


def _handler(recorded: RecordedSet, log: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, date: str = "") -> None:
            self.send_response_only(status)
            self.send_header("Date", date or self.date_time_string())
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _not_found(self, detail: str) -> None:
            problem = {"type": "about:blank", "title": "Not recorded", "status": 404, "detail": detail}
            self._send(404, json.dumps(problem).encode())

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            log.append(f"GET {path}")
            if path.endswith("/config"):
                rec = recorded.config()
            elif path.endswith("/metadata"):
                rec = recorded.metadata(path.rstrip("/").split("/")[-2])
            else:
                rec = None
            if rec is None:
                return self._not_found(f"no recording for GET {path}")
            self._send(200, rec.body, _http_date(rec.fetched_at))

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            selection = {
                item["variableCode"]: [str(c) for c in item["valueCodes"]] for item in payload.get("selection", [])
            }
            table = path.rstrip("/").split("/")[-2]
            log.append(f"POST {path} {json.dumps(selection, ensure_ascii=False)[:200]}")
            rec = recorded.find(table, selection)
            if rec is None:
                return self._not_found(f"no recording of {table} covers this selection")
            self._send(200, rec.body, _http_date(rec.fetched_at))

    return Handler


class ReplayServer:
    """A loopback server replaying `recorded`; use as a context manager."""

    def __init__(self, recorded: RecordedSet, host: str = "127.0.0.1", port: int = 0):
        self.log: list[str] = []
        self.httpd = ThreadingHTTPServer((host, port), _handler(recorded, self.log))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/v2"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
