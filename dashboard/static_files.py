"""Static files: their cache headers, and their bodies compressed (dashboard.static_compression).

Fingerprinted URLs (`/_dash-component-suites/...v4_4_1m123.min.js`, `/assets/x.css?m=123`) are cached by
browsers for a year (`immutable`); other static URLs revalidate by ETag.
"""

from __future__ import annotations

import hashlib
import re

from flask import Response, request

from dashboard.static_compression import COMPRESSIBLE, MIN_BYTES, accepted_encoding, compressed_body

STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600, must-revalidate"
# Dash's fingerprint inside component-suite file names: name.v4_4_1m1700000000.min.js
FINGERPRINT = re.compile(r"\.v[\w-]+m[0-9a-f]+\.")


def is_fingerprinted(path: str, query: str) -> bool:
    """True when the URL changes whenever the file changes (safe to cache for a year)."""
    if path.startswith("/_dash-component-suites/"):
        return bool(FINGERPRINT.search(path.rsplit("/", 1)[-1]))
    return path.startswith("/assets/") and "m=" in query


def static_response(resp: Response) -> Response:
    """`resp` to a static URL with its cache headers, compressed (once) when the browser accepts it."""
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
    if body is None:  # only in load(compress=False): compressed later
        return resp
    resp.set_data(body)
    resp.headers["Content-Encoding"] = encoding
    if resp.get_etag()[0] is None:
        resp.set_etag(digest)
    return resp
