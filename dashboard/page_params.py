"""A page's URL parameters declared as data: parsing, the canonical query string, notices, share links.

A page declares its parameters as `Param`s (dashboard.url_spec: name, allowed values, default, type); a
spec function may make later ones depend on earlier choices. `parse_params` never raises: an unknown value
falls back to the default and is reported as a `Notice` (shown by `notice_block`). /jamfor's state (lists,
year ranges) is parsed by dashboard.state from the same kind of declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import flask
from dash import html

from dashboard.i18n import t
from dashboard.url_spec import LANG, Notice, Param, take, to_search

Spec = Callable[[dict[str, str]], Sequence[Param]]


def parse_params(raw: Mapping[str, Any], spec: Spec) -> tuple[dict, tuple]:
    """(params, notices). `spec(chosen so far)` gives the parameters in order, so later ones may
    depend on earlier ones (e.g. the years of the chosen indicator)."""
    notices: list[Notice] = []
    chosen: dict[str, str] = {"lang": take(raw, LANG, notices)}
    position = 0
    while position < len(declared := spec(chosen)):  # asked again after each choice: later ones may depend on it
        p = declared[position]
        position += 1
        chosen[p.name] = take(raw, p, notices)
    ordered = {p.name: chosen[p.name] for p in spec(chosen)}
    ordered["lang"] = chosen["lang"]
    return ordered, tuple(notices)


def view_params(params: Mapping[str, str]) -> dict:
    """What a view keeps in its `{prefix}-params` store (and the URL writer writes): its canonical query
    string and parameters."""
    return {"search": to_search(params), "params": dict(params)}


def share_link(path: str, search: str) -> str:
    """The page's absolute URL for `search` (the request's host; a relative one outside a request)."""
    try:
        root = flask.request.host_url.rstrip("/")
    except RuntimeError:
        root = ""
    return f"{root}{path}{search}"


def notice_block(notices: Sequence[Notice], lang: str) -> list:
    """One warning per refused parameter value."""
    return [
        html.P(t("notice_invalid", lang, param=n.param, value=n.value or "∅"), className="notice warn") for n in notices
    ]


def strip_private(params: Mapping[str, Any]) -> dict:
    """The URL's parameters without the router's own (names ending in '_')."""
    return {k: v for k, v in params.items() if not k.endswith("_")}
