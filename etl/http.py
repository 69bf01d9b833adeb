"""The one HTTP client every source adapter uses.

It retries what is worth retrying (connection errors, timeouts, 5xx, 429 with
`Retry-After`), keeps to a calls-per-window rate limit, archives every answer
verbatim under the raw directory with its request, time and sha256, and turns
every failure into one `SourceError` line that names source, table and request.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

from etl.errors import SourceError  # (also imported from here by the sources)

USER_AGENT = "nyckeltal-etl/1.0 (Södertörn key figures; +https://github.com/)"


@dataclass
class RawAnswer:
    """A response body as received, with what is needed to trace it."""

    body: bytes
    status: int
    url: str
    method: str
    request_body: Any
    retrieved_at: str
    sha256: str
    archive_path: Path | None = None

    def json(self, source: str, table: str) -> Any:
        """The body parsed as JSON, or a SourceError saying why it is not JSON."""
        text = self.body.decode("utf-8", errors="replace")
        stripped = text.lstrip()
        if stripped.startswith("<"):
            raise SourceError(source, table, self.describe(), "answered with an HTML page instead of JSON")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated")
            what = "a truncated JSON body" if cut else "a body that is not JSON"
            raise SourceError(
                source, table, self.describe(), f"answered with {what} ({exc.msg} at char {exc.pos})"
            ) from None

    def describe(self) -> str:
        return describe_request(self.method, self.url, self.request_body)


def describe_request(method: str, url: str, body: Any = None) -> str:
    """A short, loggable description of a request."""
    if body is None:
        return f"{method} {url}"
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return f"{method} {url} {text[:300]}{'…' if len(text) > 300 else ''}"


@dataclass
class RateLimit:
    """At most `calls` calls in any `window` seconds (0 calls = no limit)."""

    calls: int = 0
    window: float = 0.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _stamps: deque[float] = field(default_factory=deque)

    def wait(self) -> None:
        if self.calls <= 0:
            return
        now = self.clock()
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()
        if len(self._stamps) >= self.calls:
            pause = self.window - (now - self._stamps[0])
            if pause > 0:
                self.sleep(pause)
            now = self.clock()
            self._stamps.popleft()
        self._stamps.append(now)


@dataclass
class HttpClient:
    """Fetches with retries, rate limit and a verbatim raw archive."""

    source: str
    raw_dir: Path | None = None
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0
    max_retry_after: float = 120.0
    rate_limit: RateLimit = field(default_factory=RateLimit)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)
    on_request: Callable[[str], None] | None = None

    def get(self, url: str, table: str, params: dict[str, str] | None = None) -> RawAnswer:
        return self._send("GET", url, table, params=params)

    def post(self, url: str, table: str, body: Any, params: dict[str, str] | None = None) -> RawAnswer:
        return self._send("POST", url, table, params=params, body=body)

    def _send(
        self, method: str, url: str, table: str, params: dict[str, str] | None = None, body: Any = None
    ) -> RawAnswer:
        prepared = requests.Request(
            method, url, params=params, json=body, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
        ).prepare()
        full_url = prepared.url or url
        described = describe_request(method, full_url, body)
        last_problem = "no attempt made"
        for attempt in range(self.retries + 1):
            self.rate_limit.wait()
            if self.on_request:
                self.on_request(described)
            try:
                response = self.session.send(prepared, timeout=self.timeout)
            except requests.Timeout:
                last_problem = f"no answer within {self.timeout:g} s"
                self._pause(attempt, None)
                continue
            except requests.ConnectionError as exc:
                last_problem = f"could not connect ({_short(exc)})"
                self._pause(attempt, None)
                continue
            except requests.RequestException as exc:  # e.g. a transfer that broke off mid-body
                last_problem = f"transfer broke off ({_short(exc)})"
                self._pause(attempt, None)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last_problem = f"HTTP {response.status_code} {response.reason or ''}".strip()
                if attempt < self.retries:
                    self._pause(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code >= 400:
                raise SourceError(
                    self.source,
                    table,
                    described,
                    f"HTTP {response.status_code} {response.reason or ''}: {_problem_detail(response)}".strip(),
                )
            return self._archive(method, full_url, body, response)
        raise SourceError(self.source, table, described, f"{last_problem}; gave up after {self.retries + 1} attempts")

    def _pause(self, attempt: int, retry_after: str | None) -> None:
        if attempt >= self.retries:
            return
        seconds = self.backoff * (2**attempt)
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            seconds = min(float(retry_after), self.max_retry_after)
        self.sleep(seconds)

    def _archive(self, method: str, url: str, body: Any, response: requests.Response) -> RawAnswer:
        content = response.content
        expected = response.headers.get("Content-Length")
        retrieved = _retrieved_at(response)
        sha = hashlib.sha256(content).hexdigest()
        answer = RawAnswer(content, response.status_code, url, method, body, retrieved, sha)
        if expected and expected.isdigit() and int(expected) != len(content):
            raise SourceError(self.source, "", answer.describe(), f"body truncated: {len(content)} of {expected} bytes")
        if self.raw_dir is not None:
            folder = Path(self.raw_dir) / self.source.lower() / retrieved[:10]
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{sha[:16]}.body"
            path.write_bytes(content)
            meta = {
                "method": method,
                "url": url,
                "request_body": body,
                "retrieved_at": retrieved,
                "status": response.status_code,
                "sha256": sha,
                "content_type": response.headers.get("Content-Type"),
            }
            path.with_suffix(".request.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            answer.archive_path = path
        return answer


def _retrieved_at(response: requests.Response) -> str:
    """When the answer was produced: the server's Date header, else our clock (UTC, ISO 8601)."""
    stamp = response.headers.get("Date")
    if stamp:
        try:
            return parsedate_to_datetime(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    return text.splitlines()[0][:160]


def _problem_detail(response: requests.Response) -> str:
    """The error title/detail from a problem+json body, else the start of the body."""
    try:
        doc = response.json()
        if isinstance(doc, dict):
            parts = [str(doc.get(k)) for k in ("title", "detail") if doc.get(k)]
            if parts:
                return "; ".join(parts)
    except ValueError:
        pass
    return response.text[:160].replace("\n", " ")
