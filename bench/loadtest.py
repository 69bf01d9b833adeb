"""A bounded HTTP load test on 127.0.0.1 that drives the real page flow with Dash callback POSTs.

Each simulated user loops: load the page, the first render callback, change municipality,
change indicator, download CSV. Users are threads spread over processes (so the client
is not limited by one GIL); every request's latency and result are recorded. The run stops
by itself after `duration` seconds. On a 2-core machine the load generator competes with
the server for CPU: the numbers are a floor for what the server alone could do.
"""

from __future__ import annotations

import gzip
import http.client
import json
import multiprocessing as mp
import random
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import brotli

from bench.dashflow import EIGHT, JAMFOR_INDICATORS, body, find_callback, jamfor_state


def _decoded(content: bytes, encoding: str | None) -> bytes:
    """The body as the browser sees it (the client asks for compression, like a browser)."""
    if encoding == "br":
        return brotli.decompress(content)
    if encoding == "gzip":
        return gzip.decompress(content)
    return content


class Client:
    """One keep-alive-when-possible HTTP connection to 127.0.0.1."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"the load test only targets loopback, not {base}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, payload: Any = None) -> tuple[int, bytes]:
        data = json.dumps(payload).encode() if payload is not None else None
        headers = {"Accept-Encoding": "gzip, br"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                content = _decoded(resp.read(), resp.getheader("Content-Encoding"))
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, content
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _nyckeltal_flow(client: Client, deps: list, rng: random.Random, record) -> None:
    main = find_callback(deps, "ts-graph.figure")
    ind_cb = find_callback(deps, "jf-sex.options")
    dl = find_callback(deps, "download.data")
    record("page", *client.request("GET", "/jamfor"))
    state = jamfor_state()
    record("callback", *client.request("POST", "/_dash-update-component", body(main, state, [])))
    regions = list(EIGHT)
    regions.remove(rng.choice(EIGHT))
    state["jf-regions.value"] = regions
    record("callback", *client.request("POST", "/_dash-update-component", body(main, state, ["jf-regions.value"])))
    indicator = rng.choice(JAMFOR_INDICATORS)
    state["jf-indicator.value"] = indicator
    changed = {"jf-indicator.value": indicator, "jf-lang.data": "sv", **state}
    record(
        "callback", *client.request("POST", "/_dash-update-component", body(ind_cb, changed, ["jf-indicator.value"]))
    )
    status, content = client.request("POST", "/_dash-update-component", body(main, state, ["jf-indicator.value"]))
    record("callback", status, content)
    params = json.loads(content)["response"]["jf-params"]["data"] if status == 200 else None
    values = {"dl-csv.n_clicks": 1, "jf-params.data": params}
    record("callback", *client.request("POST", "/_dash-update-component", body(dl, values, ["dl-csv.n_clicks"])))


def _baseline_flow(client: Client, deps: list, rng: random.Random, record) -> None:
    main = find_callback(deps, "line.figure")
    dl = find_callback(deps, "download.data")
    record("page", *client.request("GET", "/"))
    state = {"indicator.value": "population", "regions.value": list(EIGHT)}
    record("callback", *client.request("POST", "/_dash-update-component", body(main, state, [])))
    regions = list(EIGHT)
    regions.remove(rng.choice(EIGHT))
    state["regions.value"] = regions
    record("callback", *client.request("POST", "/_dash-update-component", body(main, state, ["regions.value"])))
    state["indicator.value"] = rng.choice(["population", "births", "deaths"])
    record("callback", *client.request("POST", "/_dash-update-component", body(main, state, ["indicator.value"])))
    values = {"csv.n_clicks": 1, **state}
    record("callback", *client.request("POST", "/_dash-update-component", body(dl, values, ["csv.n_clicks"])))


FLOWS = {"nyckeltal": _nyckeltal_flow, "baseline": _baseline_flow}


def _user(base: str, flow: str, deps: list, seed: int, start: float, deadline: float, out: list) -> None:
    client = Client(base)
    rng = random.Random(seed)

    def record(kind: str, status: int, content: bytes) -> None:
        now = time.perf_counter()
        out.append((kind, record.t0, now - record.t0, status == 200 and len(content) > 0))
        record.t0 = now

    while time.perf_counter() < deadline:
        record.t0 = time.perf_counter()
        try:
            FLOWS[flow](client, deps, rng, record)
        except Exception:  # a failed request counts as an error, the user goes on
            out.append(("error", record.t0, time.perf_counter() - record.t0, False))
            client.conn = None


def _process(base: str, flow: str, deps: list, users: int, seed: int, start: float, deadline: float, queue) -> None:
    out: list = []
    threads = [
        threading.Thread(target=_user, args=(base, flow, deps, seed * 1000 + i, start, deadline, out), daemon=True)
        for i in range(users)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(1.0, deadline - time.perf_counter() + 35))
    queue.put(out)


def run(base: str, flow: str, users: int = 50, duration: float = 20.0, warmup: float = 3.0, procs: int = 2) -> dict:
    """Run the flow with `users` concurrent users for `duration` s (after `warmup` s not counted)."""
    deps = json.loads(Client(base).request("GET", "/_dash-dependencies")[1])
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    start = time.perf_counter() + 0.5
    deadline = start + warmup + duration
    per = [users // procs + (1 if i < users % procs else 0) for i in range(procs)]
    workers = [
        ctx.Process(target=_process, args=(base, flow, deps, n, i + 1, start, deadline, queue))
        for i, n in enumerate(per)
    ]
    for w in workers:
        w.start()
    results: list = []
    for _ in workers:
        results.extend(queue.get(timeout=duration + warmup + 60))
    for w in workers:
        w.join(timeout=10)
    counted = [r for r in results if r[1] >= start + warmup]
    callbacks = [r for r in counted if r[0] == "callback"]
    lat = sorted(r[2] * 1000 for r in callbacks if r[3])
    errors = sum(1 for r in counted if not r[3])

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1) if lat else None

    return {
        "users": users,
        "duration_s": duration,
        "callbacks": len(callbacks),
        "callbacks_per_s": round(sum(1 for r in callbacks if r[3]) / duration, 1),
        "requests_per_s": round(sum(1 for r in counted if r[3]) / duration, 1),
        "errors": errors,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
    }
