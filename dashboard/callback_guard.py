"""One check at the callback boundary: a callback request has the shape of a declared callback, or it is a 400.

Every POST /_dash-update-component is checked before any callback runs: the body is a JSON object;
`output` names a server callback of `app.callback_map`; `outputs`, `inputs` and `state` list exactly
that callback's ids and properties, in order; `changedPropIds` names only its inputs; and each value has
the type its property takes (`PROPERTY_TYPES`: a year is a whole number, a region list is a list of
texts, a page's parameter store is {search, params}, ...). Anything else is answered 400 with a short
JSON error naming what was wrong, before Dash sees it. Dash's renderer reads a refused callback's body as
its error text (console, dev tools); assets/stale-page.js shows the `reload` text of this answer on the
page, so a page left open across a deploy tells its user to reload it.

Values of the right type but unknown (an indicator id, a region code, a year without data) pass: the
pages' own parsers (dashboard/state.py, dashboard/page_params.parse_params) fall back to the default and
show a notice, as before.

Pure core (`check_body`), thin shell (`install`). A server callback whose inputs or states have no
declared type stops `CallbackShapes` from being built: a new callback must say what it takes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dash
from flask import Flask, Response, request

from dashboard.i18n import t
from dashboard.state import lang_of
from etl import settings

CALLBACK_PATH = "/_dash-update-component"
BODY_KEYS = frozenset({"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"})
MAX_ID_CHARS = 256  # longer than any id, indicator or region code of the app; longer values are refused
MAX_LIST = 64  # longer than any option list a control offers
MAX_PARAMS = 32  # parameters in a page's parameter store (the pages have at most ten)

# A check returns None when the value is acceptable, else a few words saying what was expected.
Check = Callable[[Any], str | None]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"a text of {len(value)} characters" if len(value) > MAX_ID_CHARS else "a text"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def text(max_chars: int = MAX_ID_CHARS) -> Check:
    def check(value: Any) -> str | None:
        return (
            None if isinstance(value, str) and len(value) <= max_chars else f"a text of at most {max_chars} characters"
        )

    return check


def url_path(max_chars: int = 2048) -> Check:
    """A URL's path, as a browser's location has it: a text starting with '/'."""

    def check(value: Any) -> str | None:
        ok = isinstance(value, str) and value.startswith("/") and len(value) <= max_chars
        return None if ok else f"a path starting with '/' of at most {max_chars} characters"

    return check


def whole(lo: int, hi: int) -> Check:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        return None if ok else f"a whole number from {lo} to {hi}"

    return check


def number(lo: float, hi: float) -> Check:
    def check(value: Any) -> str | None:
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and lo <= value <= hi
        )
        return None if ok else f"a number from {lo:g} to {hi:g}"

    return check


def optional(inner: Check) -> Check:
    def check(value: Any) -> str | None:
        problem = None if value is None else inner(value)
        return f"null or {problem}" if problem else None

    return check


def list_of(inner: Check, max_len: int = MAX_LIST, min_len: int = 0) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not min_len <= len(value) <= max_len:
            return f"a list of {min_len}-{max_len} items"
        for item in value:
            problem = inner(item)
            if problem:
                return f"a list of items each {problem}"
        return None

    return check


def one_of(*checks: Check) -> Check:
    def check(value: Any) -> str | None:
        problems = [c(value) for c in checks]
        return None if any(p is None for p in problems) else " or ".join(p for p in problems if p)

    return check


def mapping(inner: Check, max_len: int = MAX_PARAMS) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, dict) or len(value) > max_len:
            return f"an object of at most {max_len} entries"
        for key, item in value.items():
            if len(key) > MAX_ID_CHARS or inner(item):
                return f"an object whose values are each {inner(item) or 'short'}"
        return None

    return check


def shape(fields: Mapping[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object with at most `fields` (each of its check), `required` among them."""

    def check(value: Any) -> str | None:
        names = ", ".join(fields)
        if not isinstance(value, dict) or any(k not in fields for k in value) or any(k not in value for k in required):
            return f"an object with {names}" + (f" ({', '.join(required)} required)" if required else "")
        for key, item in value.items():
            problem = fields[key](item)
            if problem:
                return f"an object whose {key} is {problem}"
        return None

    return check


def json_object(max_len: int = MAX_LIST) -> Check:
    """Any JSON object (what a component reports about itself, e.g. a clicked point), of bounded size."""

    def check(value: Any) -> str | None:
        ok = isinstance(value, dict) and len(value) <= max_len
        return None if ok else f"an object of at most {max_len} entries"

    return check


ID = text()
LANG = optional(text(16))  # an unknown language falls back to Swedish (dashboard/i18n.norm_lang)
YEAR = whole(0, 9999)  # a year the data does not have is a notice (state.parse_query), not a refusal
CLICKS = optional(whole(0, 10**9))
SEARCH = optional(text(settings.get_int("NYCKELTAL_MAX_QUERY_CHARS") + 1))
PARAM_VALUE = one_of(text(settings.get_int("NYCKELTAL_MAX_QUERY_CHARS")), list_of(text()))
# a page's parameter store (dashboard/page_params.view_params, jamfor_layout.view_outputs): its query string and parameters
PARAMS_STORE = optional(shape({"search": SEARCH, "params": mapping(PARAM_VALUE)}, required=("search", "params")))

# The type each property of a server callback takes, by "id.property", then by property alone: the app's
# own here, each page's controls with the page (dashboard.page_kit.Page.property_types, added at install).
PROPERTY_TYPES: dict[str, Check] = {
    # Dash's page routing (dash.page_container) and the app's own URL bookkeeping (dashboard/app.py)
    "_pages_location.pathname": optional(url_path()),
    "_pages_location.search": SEARCH,
    "url.pathname": optional(url_path()),
    "url.search": SEARCH,
    "url-written.data": optional(mapping(PARAM_VALUE)),
    "site-header-for.data": optional(list_of(text(2048), max_len=4)),
    # by property, for every component that has it
    "n_clicks": CLICKS,
}


def property_type(component: str, prop: str) -> Check | None:
    """The declared type of `component.prop`, None if none is declared."""
    exact = PROPERTY_TYPES.get(f"{component}.{prop}")
    if exact is not None:
        return exact
    if prop == "data" and component.endswith("-lang"):
        return LANG
    if prop == "data" and component.endswith("-params"):
        return PARAMS_STORE
    return PROPERTY_TYPES.get(prop)


@dataclass(frozen=True)
class Shape:
    """What a server callback takes: its outputs, inputs and states as (id, property)."""

    outputs: tuple[tuple[str, str], ...]
    multi: bool
    inputs: tuple[tuple[str, str, Check], ...]
    state: tuple[tuple[str, str, Check], ...]


class RefusedError(ValueError):
    """A callback request that is not the shape of its callback; the message says what was wrong."""


def _plain(prop: str) -> str:
    return prop.split("@", 1)[0]  # allow_duplicate outputs carry "@<hash>"


def _outputs_of(key: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    if key.startswith("..") and key.endswith(".."):
        parts = [p for p in key[2:-2].split("...") if p]
        return tuple((p.rsplit(".", 1)[0], _plain(p.rsplit(".", 1)[1])) for p in parts), True
    component, _, prop = key.rpartition(".")
    return ((component, _plain(prop)),), False


def shapes_of(callback_map: Mapping[str, Mapping[str, Any]]) -> dict[str, Shape]:
    """The Shape of every server callback in Dash's `callback_map` (clientside ones run in the browser)."""
    shapes: dict[str, Shape] = {}
    missing: list[str] = []
    for key, cb in callback_map.items():
        if not callable(cb.get("callback")):
            continue
        typed: dict[str, list[tuple[str, str, Check]]] = {"inputs": [], "state": []}
        for kind in typed:
            for dep in cb.get(kind) or []:
                component, prop = dep["id"], dep["property"]
                check = property_type(component, prop) if isinstance(component, str) else None
                if check is None:
                    missing.append(f"{component}.{prop}")
                else:
                    typed[kind].append((component, prop, check))
        outputs, multi = _outputs_of(key)
        shapes[key] = Shape(outputs, multi, tuple(typed["inputs"]), tuple(typed["state"]))
    if missing:
        raise RuntimeError(
            "callback properties without a declared type (declare them in the page's Page(property_types=...), or the app's own in dashboard/callback_guard.PROPERTY_TYPES): "
            + ", ".join(sorted(set(missing)))
        )
    return shapes


def _check_deps(name: str, given: Any, declared: tuple[tuple[str, str, Check], ...]) -> None:
    if given is None and not declared:
        return
    if not isinstance(given, list) or len(given) != len(declared):
        raise RefusedError(f"{name}: expected a list of {len(declared)}, got {_kind(given)}")
    for i, (item, (component, prop, check)) in enumerate(zip(given, declared, strict=True)):
        where = f"{name}[{i}] ({component}.{prop})"
        if not isinstance(item, dict) or item.get("id") != component or item.get("property") != prop:
            raise RefusedError(f"{where}: expected {{id: {component!r}, property: {prop!r}, value}}")
        if any(k not in ("id", "property", "value") for k in item):
            raise RefusedError(f"{where}: unexpected fields besides id, property and value")
        problem = check(item.get("value"))
        if problem:
            raise RefusedError(f"{where}: expected {problem}, got {_kind(item.get('value'))}")


def check_body(body: Any, shapes: Mapping[str, Shape]) -> None:
    """Raise RefusedError (with what was wrong) unless `body` is a callback request of one of `shapes`."""
    if not isinstance(body, dict):
        raise RefusedError(f"the body is {_kind(body)}, not a callback request (a JSON object)")
    extra = sorted(k for k in body if k not in BODY_KEYS)
    if extra:
        raise RefusedError(f"unexpected fields: {', '.join(extra)[:200]}")
    output = body.get("output")
    if not isinstance(output, str):
        raise RefusedError(f"output: expected the callback's output text, got {_kind(output)}")
    shape_ = shapes.get(output)
    if shape_ is None:
        raise RefusedError(f"output: no server callback updates {output[:200]!r}")
    outputs = body.get("outputs")
    listed = outputs if shape_.multi else [outputs]
    if (
        not isinstance(listed, list)
        or len(listed) != len(shape_.outputs)
        or any(
            not isinstance(o, dict)
            or set(o) - {"id", "property"}
            or o.get("id") != c
            or not isinstance(o.get("property"), str)
            or _plain(o["property"]) != p
            for o, (c, p) in zip(listed, shape_.outputs, strict=False)
        )
    ):
        expected = ", ".join(f"{c}.{p}" for c, p in shape_.outputs)
        raise RefusedError(f"outputs: expected {expected}")
    _check_deps("inputs", body.get("inputs"), shape_.inputs)
    _check_deps("state", body.get("state"), shape_.state)
    allowed = {f"{c}.{p}" for c, p, _ in shape_.inputs}
    for name in ("changedPropIds", "parsedChangedPropsIds"):
        changed = body.get(name, [])
        if (
            not isinstance(changed, list)
            or len(changed) > len(allowed)
            or any(not isinstance(c, str) or c not in allowed for c in changed)
        ):
            raise RefusedError(f"{name}: expected a list of this callback's inputs")


def refusal(message: str, lang: str) -> Response:
    """The 400 answer: what was wrong, and the notice the page shows (assets/stale-page.js)."""
    body = {
        "error": "bad_callback_request",
        "message": message,
        "reload": t("stale_page", lang),
        "reload_button": t("stale_page_button", lang),
    }
    return Response(json.dumps(body, ensure_ascii=False), 400, mimetype="application/json")


def install(app: dash.Dash) -> dash.Dash:
    """Check every callback request before Dash runs it (a before_request hook of the Flask server)."""
    server: Flask = app.server
    cached: dict[str, Any] = {}

    def shapes() -> dict[str, Shape]:
        size = len(app.callback_map)  # complete after Dash's first-request setup (page routing callback)
        if cached.get("size") != size:
            cached.update(size=size, shapes=shapes_of(app.callback_map))
        return cached["shapes"]

    @server.before_request
    def _guard() -> Response | None:
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        lang = lang_of(_referrer_query())
        if not request.is_json:
            return refusal("the body is not JSON (Content-Type: application/json)", lang)
        try:
            body = request.get_json(silent=True, cache=True)
        except RecursionError:
            return refusal("the body is nested too deeply", lang)
        if body is None and request.get_data(cache=True).strip() != b"null":
            return refusal("the body is not JSON", lang)
        try:
            check_body(body, shapes())
        except RefusedError as exc:
            return refusal(str(exc), lang)
        return None

    return app


def _referrer_query() -> str:
    referrer = request.headers.get("Referer") or ""
    return referrer.partition("?")[2][:4096]
