"""Serving: `install(app)` wires static files (dashboard.static_files) and the answer cache
(dashboard.answer_cache) into the Flask server's request hooks."""

from __future__ import annotations

import dash
from flask import Flask, Response, request

from dashboard import answer_cache, static_files


def install(app: dash.Dash) -> dash.Dash:
    """Add static compression and cache headers, and the callback answer cache, to the Flask server."""
    server: Flask = app.server

    @server.before_request
    def _cached_answer() -> Response | None:
        return answer_cache.answer_from_cache()

    @server.after_request
    def _static(resp: Response) -> Response:
        # runs after the security layer's after_request (registered later, so called earlier):
        # a kept answer is the finished, compressed one with every header
        if request.path.startswith(static_files.STATIC_PREFIXES):
            resp = static_files.static_response(resp)
        elif request.path == answer_cache.LAYOUT_PATH:  # the page named by the Referer (dashboard.app.page_container)
            resp.headers["Cache-Control"] = "no-cache"
            resp.vary.add("Referer")
        return answer_cache.keep_answer(resp)

    return app
