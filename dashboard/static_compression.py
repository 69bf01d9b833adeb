"""Static-file compression: each file's compressed bytes made once per host and kept.

- Dash's JavaScript and the assets are compressed (brotli or gzip, whichever the browser
  accepts) the first time they are asked for and kept in memory, keyed by URL and content:
  no request pays for compressing a large file again (Dash's `compress=True` recompressed
  plotly.js on every request).
- The compressed bytes are also kept on disk (`<NYCKELTAL_OBSERVATIONS_CACHE>/static/`, named by the
  content's hash, encoding and level), so a restart does not compress again; a file lock beside each
  makes the processes of a host compress a file once between them.
- `load(..., compress=False)` (the warm-up under gunicorn) takes only what the disk cache holds and
  leaves the rest in `pending` for `compress_in_background()`, which the workers start once they serve.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import brotli
import dash
from filelock import FileLock
from flask import Response
from werkzeug.http import parse_accept_header
from werkzeug.test import Client

from etl import settings

LOG = logging.getLogger(__name__)

COMPRESSIBLE = ("application/javascript", "text/javascript", "text/css", "application/json", "image/svg+xml")
MIN_BYTES = 1024
BROTLI_QUALITY = 9  # ~ gzip -9 speed, 15-20 % smaller for JavaScript
GZIP_LEVEL = 9
ENCODINGS = ("br", "gzip")  # the encodings served, preferred first

_cache: dict[tuple[str, str, str], bytes] = {}
_lock = threading.Lock()
_key_locks: dict[tuple[str, str, str], threading.Lock] = {}
stats = {"compressions": 0, "hits": 0}
_defer = False  # set by load(compress=False): take compressed bytes from the disk cache only
pending: list[str] = []  # static URLs load(compress=False) left uncompressed


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
    the disk may be used (load(compress=False)) and it does not hold them."""
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
    (or reading them from the disk cache written by an earlier start); None only while load()
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


def held() -> int:
    """How many compressed bodies this process holds (from the disk cache or compressed here)."""
    return len(_cache)


def load(client: Client, urls: Iterable[str], compress: bool = True) -> None:
    """Ask for every static URL in each encoding, filling the caches. With `compress=False` only the
    compressed bytes already on disk are loaded; the URLs of the others are left in `pending`."""
    global _defer
    _defer = not compress
    try:
        for url in sorted(urls):
            for encoding in ENCODINGS:
                resp = client.get(url, headers={"Accept-Encoding": encoding})
                if not compress and _may_compress(resp) and url not in pending:
                    pending.append(url)
    finally:
        _defer = False


def _may_compress(resp: Response) -> bool:
    """An answer that was left uncompressed although it would be compressed."""
    return (
        resp.status_code == 200
        and "Content-Encoding" not in resp.headers
        and resp.mimetype in COMPRESSIBLE
        and (resp.content_length or 0) >= MIN_BYTES
    )


def compress_pending(app: dash.Dash) -> int:
    """Compress (or read from the disk cache) every URL load(compress=False) left; returns how many
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
