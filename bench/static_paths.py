"""The static-file path three ways, in one process and one run (issue 17): bytes on the wire and requests/s.

- own: the app as it is (dashboard/static_compression.py: compressed once per process, kept on disk;
  dashboard/answer_cache.py: finished fingerprinted answers served again from before_request);
  own_after_restart: the same with the memory caches emptied (a new process), the disk cache kept.
- flask-compress: the same app with serving's static compression and answer cache switched off and
  Flask-Compress (already a dependency) compressing static files, with its in-memory cache (keyed by URL
  and encoding; the file is read into memory first, else Flask-Compress stream-compresses on every request).
- whitenoise: WhiteNoise in front of the app, serving the same files precompressed (.br/.gz written by
  whitenoise's Compressor at "build" time) at the same fingerprinted URLs.

Every static script and stylesheet that / and /jamfor name, asked for with `br` and with `gzip`, through
werkzeug's test client (no sockets: the server-side cost of each path). Prints a JSON report.

Usage: python bench/static_paths.py [--rounds N]   (docs/serving-measurements.md has the numbers of issue 17)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENCODINGS = ("br", "gzip")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")  # dashboard/security.py


def static_urls(client: Any) -> list[str]:
    urls: set[str] = set()
    for page in ("/", "/jamfor"):
        html = client.get(page, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
        urls.update(re.findall(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"', html))
    return sorted(urls)


def measure(client: Any, urls: list[str], rounds: int) -> dict[str, Any]:
    """Cold pass (empty caches), then `rounds` warm passes; per encoding."""
    out: dict[str, Any] = {}
    for encoding in ENCODINGS:
        headers = {"Accept-Encoding": encoding}
        started = time.perf_counter()
        sizes, encoded = 0, 0
        for url in urls:
            resp = client.get(url, headers=headers)
            assert resp.status_code == 200, (url, resp.status_code)
            sizes += len(resp.data)
            encoded += resp.headers.get("Content-Encoding") == encoding
        cold = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(rounds):
            for url in urls:
                client.get(url, headers=headers).close()
        warm = time.perf_counter() - started
        sample = client.get(urls[0], headers=headers)
        out[encoding] = {
            "bytes": sizes,
            "compressed_files": encoded,
            "cold_pass_s": round(cold, 3),
            "warm_requests_per_s": round(rounds * len(urls) / warm, 1),
            "security_headers": all(h in sample.headers for h in SECURITY_HEADERS),
            "etag": "ETag" in sample.headers,
            "cache_control": sample.headers.get("Cache-Control"),
        }
    return out


def own(app: Any, urls: list[str], rounds: int) -> dict[str, Any]:
    from dashboard import answer_cache, static_compression

    static_compression._cache.clear()
    answer_cache._gets.clear()
    return measure(app.server.test_client(), urls, rounds)


def flask_compress(app: Any, urls: list[str], rounds: int) -> dict[str, Any]:
    from flask import Flask, request
    from flask_compress import Compress, DictCache

    from dashboard import answer_cache, static_compression, static_files

    server: Flask = app.server
    server.config.update(
        COMPRESS_CACHE_BACKEND=DictCache,
        COMPRESS_CACHE_KEY=lambda req: req.full_path,
        COMPRESS_LEVEL=static_compression.GZIP_LEVEL,
        COMPRESS_BR_LEVEL=static_compression.BROTLI_QUALITY,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIMETYPES=list(static_compression.COMPRESSIBLE),
        COMPRESS_MIN_SIZE=static_compression.MIN_BYTES,
        COMPRESS_REGISTER=False,
    )
    compress = Compress(server)
    original = static_files.static_response, answer_cache.get_key

    def static_response(resp: Any) -> Any:
        resp.headers["Cache-Control"] = (
            static_files.FOREVER
            if static_files.is_fingerprinted(request.path, request.query_string.decode("latin-1"))
            else static_files.REVALIDATE
        )
        resp.direct_passthrough = False
        resp.get_data()  # a buffered body: Flask-Compress caches only those
        return compress.after_request(resp)

    static_files.static_response = static_response
    answer_cache.get_key = lambda: None if request.path.startswith(static_files.STATIC_PREFIXES) else original[1]()
    try:
        return measure(server.test_client(), urls, rounds)
    finally:
        static_files.static_response, answer_cache.get_key = original


def whitenoise(app: Any, urls: list[str], rounds: int, folder: Path) -> dict[str, Any]:
    from werkzeug.test import Client
    from whitenoise import WhiteNoise
    from whitenoise.compress import Compressor

    plain = app.server.test_client()
    started = time.perf_counter()
    compressor = Compressor(quiet=True)
    for url in urls:
        path = folder / url.split("?", 1)[0].lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(plain.get(url, headers={"Accept-Encoding": "identity"}).data)
        compressor.compress(str(path))
    build = time.perf_counter() - started
    served = WhiteNoise(
        app.server.wsgi_app,
        root=str(folder),
        prefix="/",
        max_age=3600,
        immutable_file_test=lambda path, url: bool(re.search(r"\.v[\w-]+m[0-9a-f]+\.", url)),
    )
    report = measure(Client(served), urls, rounds)
    report["precompress_build_s"] = round(build, 3)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NYCKELTAL_OBSERVATIONS_CACHE"] = str(Path(tmp) / "cache")
        os.environ["NYCKELTAL_RUN_JOURNAL"] = "off"
        sys.path.insert(0, str(ROOT))
        from dashboard.app import create_app
        from etl.snapshot import load_bundled
        from etl.store import Store

        url = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
        store = Store(url)
        try:
            load_bundled(store)  # the deploy step (`python -m etl snapshot load`): the dashboard only reads
        finally:
            store.dispose()
        app = create_app(url)
        urls = static_urls(app.server.test_client())
        report = {
            "static_urls": len(urls),
            "rounds": args.rounds,
            "own": own(app, urls, args.rounds),
            "own_after_restart": own(app, urls, args.rounds),  # memory caches empty, the disk cache kept
            "flask_compress": flask_compress(app, urls, args.rounds),
        }
        try:
            report["whitenoise"] = whitenoise(app, urls, args.rounds, Path(tmp) / "wn")
        except ModuleNotFoundError:
            report["whitenoise"] = "not installed (pip install whitenoise==6.12.0 to compare it)"
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
