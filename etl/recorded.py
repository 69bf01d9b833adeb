"""Replay recorded SCB PxWebApi 2.0 answers from a loopback HTTP server.

The recorded material (see ../shared/reference/README.md) holds wrappers
`{"kind", "table", "url", "selection", "fetchedAt", "response"}`. The server
answers `/config`, `/tables/{id}/metadata` and `POST /tables/{id}/data` with the
recorded body whose selection covers the request (every requested code of every
variable is in the recording), sending the recording's time as the `Date`
header. `GET /tables?query=…&pageNumber=…` (the table search) is answered by a
recorded search page: one recorded for that query, or one recorded for any query.
A request no recording covers gets 404 with a problem+json body, as SCB's API
does for what it cannot answer (the reference material holds no search answers,
so a table found by search is "not in the recorded material" in the snapshot).
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
from urllib.parse import parse_qs, urlparse


@dataclass(frozen=True)
class Recording:
    """One recorded answer."""

    kind: str  # config | metadata | data | tables (a /tables search page)
    table: str
    selection: dict[str, frozenset[str]]
    fetched_at: str
    body: bytes
    path: Path

    @classmethod
    def from_body(
        cls, kind: str, path: Path, fetched_at: str, table: str = "", query: str | None = None, page: int = 1
    ) -> Recording:
        """A recording of a plain answer body (e.g. a test fixture in the API's own format).

        A data answer covers the codes its JSON-stat dimensions hold; a search page answers
        `query` (any query when None) at page `page`."""
        body = Path(path).read_bytes()
        selection: dict[str, frozenset[str]] = {}
        if kind == "data":
            doc = json.loads(body)
            for dim in doc["id"]:
                category = doc["dimension"][dim]["category"]
                selection[dim] = frozenset(map(str, category.get("index") or category.get("label") or ()))
        elif kind == "tables":
            selection = {"pageNumber": frozenset({str(page)})}
            if query is not None:
                selection["query"] = frozenset({" ".join(query.split()).casefold()})
        return cls(kind, table, selection, fetched_at, body, Path(path))

    def answers_search(self, query: str, page: str) -> bool:
        if self.kind != "tables" or page not in self.selection.get("pageNumber", frozenset({"1"})):
            return False
        wanted = self.selection.get("query")
        return wanted is None or " ".join(query.split()).casefold() in wanted

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

    def search(self, query: str, page: str = "1") -> Recording | None:
        """The search page recorded for `query` (preferred) or for any query."""
        pages = [r for r in self.recordings if r.answers_search(query, page)]
        pages.sort(key=lambda r: "query" not in r.selection)
        return pages[0] if pages else None


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
            parsed = urlparse(self.path)
            path = parsed.path
            log.append(f"GET {path}" + (f"?{parsed.query}" if path.rstrip("/").endswith("/tables") else ""))
            if path.rstrip("/").endswith("/tables"):
                args = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                rec = recorded.search(args.get("query", ""), args.get("pageNumber", "1"))
                if rec is None:
                    return self._not_found(f"no recorded table search for {args.get('query', '')!r}")
                return self._send(200, rec.body, _http_date(rec.fetched_at))
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
