"""The answer cache: finished (compressed) answers kept per process and served again as they are.

- Answers of the cacheable callbacks (the /jamfor view, option lists, CSV download: `Page.cacheable`) are
  keyed by dataset version, host, content encoding and the exact request body: the same question about
  the same dataset gets the same finished bytes without running Dash again. A publish changes the
  version, so it is never answered from an older dataset.
- GET answers (fingerprinted static files, the callback graph, the initial layout per page) likewise;
  see `get_key`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Response, g, request

from dashboard import page_kit
from dashboard.callback_guard import CALLBACK_PATH
from dashboard.static_compression import accepted_encoding
from dashboard.static_files import STATIC_PREFIXES, is_fingerprinted

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

_answers: dict[tuple, tuple[int, list[tuple[str, str]], bytes]] = {}
_gets: dict[tuple, tuple[int, list[tuple[str, str]], bytes]] = {}  # finished GET answers (see get_key)
stats = {"answer_hits": 0, "get_hits": 0}


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


def answer_from_cache() -> Response | None:
    """The kept answer to this request, or None (then noted in `g` for keep_answer)."""
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


def keep_answer(resp: Response) -> Response:
    """`resp`, kept for the next request with the key answer_from_cache noted, when it may be."""
    key = g.get("nyckeltal_answer_key")
    if key is None or g.get("nyckeltal_answer_hit") or resp.status_code != 200 or resp.direct_passthrough:
        return resp
    if key[0] == "static" and "Content-Encoding" not in resp.headers:
        return resp  # (uncompressed copies are rare, and large: plotly.min.js is 4.6 MB)
    body = resp.get_data()  # (a compressed static body is the very bytes object static_compression keeps, not a copy)
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
