"""Serving: static files compressed once per process, long-lived cache headers, worker warm-up.

- Dash's JavaScript and the assets are compressed (brotli or gzip, whichever the browser
  accepts) the first time they are asked for and kept in memory, keyed by URL and content:
  no request pays for compressing a large file again (Dash's `compress=True` recompressed
  plotly.js on every request). `warm_up()` fills this cache before gunicorn forks.
- Fingerprinted URLs (`/_dash-component-suites/...v4_4_1m123.min.js`, `/assets/x.css?m=123`)
  are cached by browsers for a year (`immutable`); other static URLs revalidate by ETag.
- The compressed bytes are also kept on disk (`<NYCKELTAL_OBSERVATIONS_CACHE>/static/`, named by the
  content's hash, encoding and level), so a restart does not compress again; a file lock beside each
  makes the processes of a host compress a file once between them.
- `warm_up()` loads the dataset and the default views, so a worker's first user does not wait. Under
  gunicorn it does not compress (`compress=False`, ~1 s of a start with no cache): it loads what the
  disk cache holds and leaves the rest to `compress_in_background()`, which the workers start once
  they serve (the first to reach a file compresses it, the others read it from disk).
- Answers of the /jamfor callbacks (view, option lists, CSV download) are kept per process, keyed
  by dataset version, host, content encoding and the exact request body: the same question about
  the same dataset gets the same finished (compressed) bytes without running Dash again. A
  publish changes the version, so it is never answered from an older dataset.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import brotli
import dash
from filelock import FileLock
from flask import Flask, Response, g, request
from werkzeug.http import parse_accept_header

from dashboard import page_kit
from etl import settings

LOG = logging.getLogger(__name__)

STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
COMPRESSIBLE = ("application/javascript", "text/javascript", "text/css", "application/json", "image/svg+xml")
MIN_BYTES = 1024
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600, must-revalidate"
# Dash's fingerprint inside component-suite file names: name.v4_4_1m1700000000.min.js
FINGERPRINT = re.compile(r"\.v[\w-]+m[0-9a-f]+\.")
BROTLI_QUALITY = 9  # ~ gzip -9 speed, 15-20 % smaller for JavaScript
GZIP_LEVEL = 9
ENCODINGS = ("br", "gzip")  # the encodings served, preferred first

CALLBACK_PATH = "/_dash-update-component"
LAYOUT_PATH = "/_dash-layout"
DEPENDENCIES_PATH = "/_dash-dependencies"
CONDITIONAL = ("Range", "If-None-Match", "If-Modified-Since", "If-Range")
# callbacks whose answer depends only on the request body, the dataset, the host and the encoding (declared
# with their page: dashboard.page_kit.Page.cacheable)
CACHEABLE_OUTPUTS = tuple(output for page in page_kit.declared() for output in page.cacheable)
ANSWER_CACHE_SIZE = 512  # answers kept per process (a new dataset version starts afresh)
# pages whose layout reads more than the dataset version (/om: the runs table and the source stamps, which a
# failed refresh changes without a new version): their initial layout is never kept (issue 15; Page.live)
LIVE_PAGES = tuple(page.path for page in page_kit.declared() if page.live)
VERSIONED = ("callback", "layout")  # answer keys (kind, dataset version, ...): see answer_key and get_key
ANSWER_MAX_BYTES = 512 * 1024  # larger answers are not kept

_cache: dict[tuple[str, str, str], bytes] = {}
_answers: dict[tuple, tuple[int, list[tuple[str, str]], bytes]] = {}
_gets: dict[tuple, tuple[int, list[tuple[str, str]], bytes]] = {}  # finished GET answers (see get_key)
_lock = threading.Lock()
_key_locks: dict[tuple[str, str, str], threading.Lock] = {}
stats = {"compressions": 0, "hits": 0, "answer_hits": 0, "get_hits": 0}
_defer = False  # set by warm_up(compress=False): take compressed bytes from the disk cache only
pending: list[str] = []  # static URLs warm_up(compress=False) left uncompressed


def compress(data: bytes, encoding: str) -> bytes:
    """`data` compressed with `encoding` ('br' or 'gzip'); counted in `stats`."""
    stats["compressions"] += 1
    if encoding == "br":
        return brotli.compress(data, quality=BROTLI_QUALITY)
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def accepted_encoding(header: str | None) -> str | None:
    """'br' or 'gzip', whichever the Accept-Encoding header prefers (br on a tie; werkzeug parses the
    q-values), else None."""
    return parse_accept_header(header).best_match(ENCODINGS)


def is_fingerprinted(path: str, query: str) -> bool:
    """True when the URL changes whenever the file changes (safe to cache for a year)."""
    if path.startswith("/_dash-component-suites/"):
        return bool(FINGERPRINT.search(path.rsplit("/", 1)[-1]))
    return path.startswith("/assets/") and "m=" in query


def disk_cache_path(digest: str, encoding: str) -> Path | None:
    """Where the compressed bytes of content `digest` are kept between starts (None: no cache folder)."""
    folder = settings.get("NYCKELTAL_OBSERVATIONS_CACHE")
    if not folder:
        return None
    level = f"q{BROTLI_QUALITY}" if encoding == "br" else f"l{GZIP_LEVEL}"
    return Path(folder) / "static" / f"{digest}-{level}.{'br' if encoding == 'br' else 'gz'}"


def _read(path: Path | None) -> bytes | None:
    if path is None or not path.exists():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


@contextlib.contextmanager
def _host_lock(path: Path | None) -> Iterator[None]:
    """An exclusive file lock for compressing `path` (processes of a host compress a file once); no lock
    when there is no cache folder or it cannot be written."""
    if path is None:
        yield
        return
    lock = FileLock(path.with_name(f".{path.name}.lock"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _from_disk_or_compress(data: bytes, digest: str, encoding: str) -> bytes | None:
    """The compressed bytes from the disk cache, else compressed now and kept on disk; None when only
    the disk may be used (warm_up(compress=False)) and it does not hold them."""
    path = disk_cache_path(digest, encoding)
    body = _read(path)
    if body is not None or _defer:
        return body
    with _host_lock(path):
        body = _read(path)  # another process may have compressed it meanwhile
        if body is not None:
            return body
        body = compress(data, encoding)
        if path is not None:
            try:
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                tmp.write_bytes(body)
                os.replace(tmp, path)
            except OSError as exc:
                LOG.warning("cannot keep compressed static file %s: %s", path, exc)
    return body


def compressed_body(key: tuple[str, str, str], data: bytes, encoding: str) -> bytes | None:
    """The cached compressed bytes for `key` (url, content digest, encoding), computing them once
    (or reading them from the disk cache written by an earlier start); None only while warm_up
    defers compression and the disk cache lacks them."""
    body = _cache.get(key)
    if body is not None:
        stats["hits"] += 1
        return body
    with _lock:
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:  # two threads asking for one file at once compress it once; other files do not wait
        body = _cache.get(key)
        if body is None:
            body = _from_disk_or_compress(data, key[1], encoding)
            if body is not None:
                _cache[key] = body
        return body


def _static_response(resp: Response) -> Response:
    path, query = request.path, request.query_string.decode("latin-1")
    if resp.status_code == 200:
        resp.headers["Cache-Control"] = FOREVER if is_fingerprinted(path, query) else REVALIDATE
    elif resp.status_code == 304:
        return resp
    resp.vary.add("Accept-Encoding")
    encoding = accepted_encoding(request.headers.get("Accept-Encoding"))
    if (
        resp.status_code != 200
        or encoding is None
        or resp.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in resp.headers
        or request.headers.get("Range")
    ):
        return resp
    resp.direct_passthrough = False  # Flask streams asset files; read them (compression is cached)
    data = resp.get_data()
    if len(data) < MIN_BYTES:
        return resp
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    body = compressed_body((path, digest, encoding), data, encoding)
    if body is None:  # only in warm_up(compress=False): compressed later
        return resp
    resp.set_data(body)
    resp.headers["Content-Encoding"] = encoding
    if resp.get_etag()[0] is None:
        resp.set_etag(digest)
    return resp


def answer_key() -> tuple | None:
    """The cache key of this callback request, or None when its answer is not to be kept."""
    if request.method != "POST" or request.path != CALLBACK_PATH or request.query_string:
        return None
    body = request.get_data(cache=True)
    if not any(out.encode() in body for out in CACHEABLE_OUTPUTS):
        return None
    payload = request.get_json(silent=True, cache=True)  # parsed once: Dash reads the cached result
    if not isinstance(payload, dict) or any("xlsx" in str(c) for c in payload.get("changedPropIds") or ()):
        return None  # (an XLSX file carries its creation time)
    from dashboard import data

    version = data.dataset().version
    encoding = accepted_encoding(request.headers.get("Accept-Encoding"))
    return ("callback", version, request.host_url, encoding, hashlib.blake2b(body, digest_size=20).digest())


def get_key() -> tuple | None:
    """The cache key of a GET whose finished answer (headers and compressed body) can be served again as it
    is: a fingerprinted static file (its URL changes with its content), the callback graph (fixed while the
    app runs), or the initial layout (per dataset version, host and the page it is opened on, the Referer;
    see dashboard.app.page_container). None for anything else, and for conditional or partial requests."""
    if request.method != "GET" or any(name in request.headers for name in CONDITIONAL):
        return None
    path = request.path
    encoding = accepted_encoding(request.headers.get("Accept-Encoding"))
    if path.startswith(STATIC_PREFIXES):
        query = request.query_string.decode("latin-1")
        return ("static", path, query, encoding) if is_fingerprinted(path, query) else None
    if path == DEPENDENCIES_PATH and not request.query_string:
        return ("dependencies", encoding)
    if path == LAYOUT_PATH and not request.query_string:
        from dashboard import data

        referrer = request.headers.get("Referer")
        if is_live_page(referrer):
            return None
        return ("layout", data.dataset().version, request.host_url, encoding, referrer)
    return None


def is_live_page(referrer: str | None) -> bool:
    """True when the page a layout request is for (its Referer) is one of LIVE_PAGES."""
    path = urlsplit(referrer or "").path.rstrip("/") or "/"
    return path in LIVE_PAGES


def _answer_from_cache() -> Response | None:
    key = answer_key()
    kept = _answers
    if key is None:
        key, kept = get_key(), _gets
    g.nyckeltal_answer_key, g.nyckeltal_answers = key, kept
    hit = kept.get(key) if key is not None else None
    if hit is None:
        return None
    stats["answer_hits" if kept is _answers else "get_hits"] += 1
    g.nyckeltal_answer_hit = True
    status, headers, body = hit
    return Response(body, status=status, headers=headers)


def _keep_answer(resp: Response) -> Response:
    key = g.get("nyckeltal_answer_key")
    if key is None or g.get("nyckeltal_answer_hit") or resp.status_code != 200 or resp.direct_passthrough:
        return resp
    if key[0] == "static" and "Content-Encoding" not in resp.headers:
        return resp  # (uncompressed copies are rare, and large: plotly.min.js is 4.6 MB)
    body = resp.get_data()  # (a compressed static body is the very bytes object in _cache, not a copy)
    if len(body) > ANSWER_MAX_BYTES and key[0] != "static":
        return resp
    kept = g.nyckeltal_answers
    if key[0] in VERSIONED:  # a new dataset version: answers of older ones are never asked for again
        for old in [k for k in kept if k[0] == key[0] and k[1] != key[1]]:
            del kept[old]
    if len(kept) >= ANSWER_CACHE_SIZE:
        kept.clear()  # full: start again
    kept[key] = (resp.status_code, list(resp.headers.items()), body)
    return resp


def install(app: dash.Dash) -> dash.Dash:
    """Add static compression and cache headers, and the callback answer cache, to the Flask server."""
    server: Flask = app.server

    @server.before_request
    def _cached_answer() -> Response | None:
        return _answer_from_cache()

    @server.after_request
    def _static(resp: Response) -> Response:
        # runs after the security layer's after_request (registered later, so called earlier):
        # a kept answer is the finished, compressed one with every header
        if request.path.startswith(STATIC_PREFIXES):
            resp = _static_response(resp)
        elif request.path == LAYOUT_PATH:  # holds the page named by the Referer (dashboard.app.page_container)
            resp.headers["Cache-Control"] = "no-cache"
            resp.vary.add("Referer")
        return _keep_answer(resp)

    return app


def warm_up(app: dash.Dash, paths: tuple[str, ...] = ("/", "/jamfor"), compress: bool = True) -> dict[str, Any]:
    """Load the dataset, render `paths` and fetch every script/stylesheet they name (filling the caches).

    With `compress=False` only compressed bytes already on disk are loaded; the URLs of the others
    are left in `pending` for compress_in_background(). Returns timings for the log. Safe to call in
    gunicorn's master (before fork) and in a worker.
    """
    global _defer
    from dashboard import data  # late: the app module configures the data source

    started = time.perf_counter()
    compressions_before = stats["compressions"]
    data.dataset()
    loaded = time.perf_counter()
    client = app.server.test_client()
    urls: set[str] = set()
    for path in paths:
        resp = client.get(path, headers={"Accept-Encoding": "identity"})
        html = resp.get_data(as_text=True)
        urls.update(re.findall(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"', html))
    _defer = not compress
    try:
        for url in sorted(urls):
            for encoding in ENCODINGS:
                resp = client.get(url, headers={"Accept-Encoding": encoding})
                if not compress and _may_compress(resp) and url not in pending:
                    pending.append(url)
    finally:
        _defer = False
    _warm_jamfor()
    done = time.perf_counter()
    report = {
        "dataset_s": round(loaded - started, 3),
        "total_s": round(done - started, 3),
        "static_files": len(urls),
        "compressed": len(_cache),  # compressed bodies held (from the disk cache or compressed now)
        "compressed_now": stats["compressions"] - compressions_before,
        "compression_deferred": len(pending),
    }
    LOG.info("warm-up: %s", report)
    return report


def _may_compress(resp: Response) -> bool:
    """A warm-up answer that was left uncompressed although it would be compressed."""
    return (
        resp.status_code == 200
        and "Content-Encoding" not in resp.headers
        and resp.mimetype in COMPRESSIBLE
        and (resp.content_length or 0) >= MIN_BYTES
    )


def compress_pending(app: dash.Dash) -> int:
    """Compress (or read from the disk cache) every URL warm_up(compress=False) left; returns how many
    URLs were done. Requests for them meanwhile compress on demand, once (see compressed_body)."""
    client = app.server.test_client()
    started = time.perf_counter()
    done = 0
    while pending:
        url = pending[0]
        for encoding in ENCODINGS:
            client.get(url, headers={"Accept-Encoding": encoding})
        pending.pop(0)
        done += 1
    LOG.info("static files compressed or read from the disk cache: %d in %.2f s", done, time.perf_counter() - started)
    return done


def compress_in_background(app: dash.Dash) -> threading.Thread | None:
    """Run compress_pending() in a daemon thread (in a worker, once it serves: brotli and zlib release
    the GIL, so requests go on); None when nothing is pending."""
    if not pending:
        return None
    thread = threading.Thread(target=compress_pending, args=(app,), name="nyckeltal-compress", daemon=True)
    thread.start()
    return thread


def _warm_jamfor() -> None:
    """Render the default /jamfor views (sv and en) through the real callback, so they are cached."""
    from dashboard import data
    from dashboard.pages import jamfor
    from dashboard.state import context_from, parse_query

    dataset = data.dataset()
    for lang in ("sv", "en"):
        jamfor.render_view(dataset, parse_query({"lang": lang}, context_from(dataset)))


def after_fork() -> None:
    """In a new worker: drop database connections inherited from the master (never share a socket)."""
    from dashboard import data

    data.source().store.engine.dispose(close=False)
