"""harden(app): security headers, CSP, size limits, no version disclosure, no tracebacks, compression.

Call it once at the end of create_app, after every callback is declared. What
it does, and why each CSP source is there, is in docs/readme-parts/issue8.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import dash
from flask import Flask, Response, request
from flask_compress import Compress
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from dashboard.api import api_error_for
from etl import settings

LOG = logging.getLogger(__name__)

# Keys of Dash's page config that disclose versions or point the browser at an outside host.
DISCLOSING_CONFIG = ("dash_version", "python_version", "dash_version_url", "ddk_version", "plotly_version")
# Served unchanged from files: not recompressed per request (static caching is handled elsewhere).
UNCOMPRESSED_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
COMPRESS_MIMETYPES = ["text/html", "text/css", "text/csv", "application/json", "application/javascript", "text/plain"]
SOURCE = re.compile(r"^('self'|'none'|\*|(https?://)?(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?:)$")
SERVER_NAME = "nyckeltal"


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server without 'Server: Werkzeug/x Python/y' (python app.py)."""

    def version_string(self) -> str:
        return SERVER_NAME


def frame_ancestors(value: str) -> str:
    """The checked frame-ancestors source list; a bad entry stops the app with a message."""
    tokens = value.split()
    bad = [t for t in tokens if not SOURCE.match(t)]
    if not tokens or bad:
        raise SystemExit(
            f"NYCKELTAL_FRAME_ANCESTORS={value!r}: {', '.join(bad) or 'empty'} is not a CSP source; "
            "use 'self', 'none' or origins such as https://www.botkyrka.se, separated by spaces"
        )
    if "'none'" in tokens and len(tokens) > 1:
        raise SystemExit("NYCKELTAL_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return " ".join(tokens)


def content_security_policy(script_hashes: list[str], ancestors: str) -> str:
    """The page CSP: only this origin; inline scripts only by hash (Dash's renderer, clientside callbacks).

    style-src needs 'unsafe-inline': plotly.js writes <style> elements and style attributes.
    img-src needs data: (plotly's modebar icons and PNG download) and blob:.
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def _strip_versions(app: dash.Dash) -> None:
    original = app._config

    def config() -> dict[str, Any]:
        cfg = original()
        for key in DISCLOSING_CONFIG:
            cfg.pop(key, None)
        cfg["disable_version_check"] = True
        return cfg

    app._config = config  # type: ignore[method-assign]


def harden(app: dash.Dash, head_script_hashes: Sequence[str] = ()) -> dash.Dash:
    """Apply every protection to `app` (a Dash app) and its Flask server; returns the app.
    `head_script_hashes`: CSP sources of inline scripts the app puts into its pages itself (not Dash)."""
    server: Flask = app.server
    ancestors = frame_ancestors(settings.get("NYCKELTAL_FRAME_ANCESTORS"))
    max_query = settings.get_int("NYCKELTAL_MAX_QUERY_CHARS")
    server.config["MAX_CONTENT_LENGTH"] = settings.get_int("NYCKELTAL_MAX_REQUEST_BYTES")
    server.config["DEBUG"] = False
    server.config["PROPAGATE_EXCEPTIONS"] = False
    server.config.update(
        COMPRESS_REGISTER=False,
        COMPRESS_MIMETYPES=COMPRESS_MIMETYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIN_SIZE=500,
    )
    compress = Compress(server)
    _strip_versions(app)
    non_page_csp = f"default-src 'none'; frame-ancestors {ancestors}"

    @server.before_request
    def _limit_query() -> Response | None:
        if len(request.query_string) > max_query:
            message = f"the query string is longer than {max_query} characters"
            return api_error_for(request.path, 414, message) or Response(message + "\n", 414, mimetype="text/plain")
        return None

    @server.after_request
    def _headers(resp: Response) -> Response:
        path = request.path
        if not path.startswith(UNCOMPRESSED_PREFIXES) and resp.status_code != 304:
            resp = compress.after_request(resp)
        headers = resp.headers
        if resp.mimetype == "text/html":
            headers["Content-Security-Policy"] = content_security_policy(
                list(dict.fromkeys([*head_script_hashes, *app.csp_hashes()])), ancestors
            )
        else:
            headers["Content-Security-Policy"] = non_page_csp
        if ancestors in ("'self'", "'none'"):
            headers["X-Frame-Options"] = "SAMEORIGIN" if ancestors == "'self'" else "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        return resp

    @server.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        code = err.code or 500
        message = err.description or err.name
        return api_error_for(request.path, code, message) or Response(
            f"{code} {err.name}\n", code, mimetype="text/plain"
        )

    @server.errorhandler(Exception)
    def _crash(err: Exception) -> Response:
        LOG.exception("request %s failed", request.full_path)
        message = "internal error; the request was logged"
        return api_error_for(request.path, 500, message) or Response(message + "\n", 500, mimetype="text/plain")

    return app
