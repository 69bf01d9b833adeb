"""Component-suite URLs serve registered component assets only; anything else is a 404.

Dash serves `/_dash-component-suites/<package>/<path>` from the files its component packages
register (`app.registered_paths`, filled when the page's scripts are collected); an unregistered
package or file made Dash raise, which was a 500. Here every such URL is checked first: the
package must be registered and the path (without Dash's cache-busting fingerprint) one of its
registered files. The check is on the decoded path, so a traversal in any encoding
(`..%2f`, `%2e%2e/`, double encoding) is just an unregistered path; no Python source is registered,
and `.py`/`.pyc` paths are refused before the lookup as well.
"""

from __future__ import annotations

from collections.abc import Mapping

import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, request

PREFIX = "/_dash-component-suites/"
NEVER = (".py", ".pyc", ".pyo", ".pyd", ".so")


def is_component_asset(registered: Mapping[str, set[str]], package: str, path: str) -> bool:
    """True when `path` (as requested, maybe fingerprinted) is a file `package` registered with Dash."""
    segments = path.split("/")
    if (
        not package
        or not path
        or any(s in ("", ".", "..") for s in segments)
        or any(c in package + path for c in "\\\x00%")
        or path.lower().endswith(NEVER)
        or package not in registered  # (a defaultdict: `in` does not add the package)
    ):
        return False
    original, _ = check_fingerprint(path)
    return original in registered[package]


def install(app: dash.Dash) -> dash.Dash:
    """Answer 404 for any component-suite URL that is not a registered component asset."""
    server: Flask = app.server

    @server.before_request
    def _only_registered_assets() -> Response | None:
        if not request.path.startswith(PREFIX):
            return None
        package, _, path = request.path[len(PREFIX) :].partition("/")
        if is_component_asset(app.registered_paths, package, path):
            return None
        return Response("404 Not Found\n", 404, mimetype="text/plain")

    return app
