"""A loopback emulation of Kolada API v3 for tests: `GET /v3/kpi/{ids}` and
`GET /v3/data/kpi/{kpi}/municipality/{ids}[/year/{years}]` answered from the test data in
tests/fixtures/kolada/themes/ (invented values in v3's format; see its README).

A data request for a KPI the emulator has no file for is answered as Kolada answers an id it does
not know: `{"values": [], "count": 0, "next_url": null}`; so is the KPI list for it. `from_date`
(incremental refresh) gets no values: nothing changed.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kolada" / "themes"


class KoladaEmulator:
    """`with KoladaEmulator() as base_url:` serves Kolada v3 at base_url ('http://127.0.0.1:PORT/v3')."""

    def __init__(self, fixtures: Path = FIXTURES):
        self.kpis = {k["id"]: k for k in json.loads((fixtures / "kpi.json").read_text(encoding="utf-8"))["values"]}
        self.data = {p.stem: json.loads(p.read_text(encoding="utf-8"))["values"] for p in fixtures.glob("N*.json")}
        self.requests: list[str] = []
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                emulator.requests.append(self.path)
                body = emulator.answer(self.path)
                raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> dict | None:
        url = urlparse(path)
        query = parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        if parts[:2] == ["v3", "kpi"] and len(parts) == 3:
            found = [self.kpis[i] for i in parts[2].split(",") if i in self.kpis]
            return {"values": found, "count": len(found), "next_url": None}
        if parts[:3] == ["v3", "data", "kpi"] and len(parts) >= 6 and parts[4] == "municipality":
            ids = set(parts[5].split(","))
            years = set(parts[7].split(",")) if len(parts) >= 8 and parts[6] == "year" else None
            rows = [
                r
                for r in self.data.get(parts[3], [])
                if r["municipality"] in ids and (years is None or str(r["period"]) in years)
            ]
            if "from_date" in query:
                rows = []
            return {"values": rows, "count": len(rows), "next_url": None}
        return None

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}/v3"

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
