"""What /karta, /pendling and /befolkning share: URL parameters, side tables, links, downloads.

A page declares its parameters as data (name -> allowed values and default);
`parse_params` never raises: an unknown value falls back to the default and is
reported as a Notice, like /jamfor's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import dash
import flask
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from dashboard import data
from dashboard.components import simple_table
from dashboard.downloads import export
from dashboard.filenames import download_name
from dashboard.i18n import DEFAULT_LANG, LANGS, t
from dashboard.state import Notice
from etl.query_tables import published_side_tables


@dataclass(frozen=True)
class Param:
    """One URL parameter: its allowed values (as strings) and default."""

    name: str
    allowed: Sequence[str]
    default: str


def _one(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return None if value is None else str(value)


def parse_params(raw: Mapping[str, Any], spec: Callable[[dict[str, str]], Sequence[Param]]) -> tuple[dict, tuple]:
    """(params, notices). `spec(chosen so far)` gives the parameters in order, so later ones may
    depend on earlier ones (e.g. the years of the chosen indicator)."""
    notices: list[Notice] = []
    lang = _one(raw, "lang")
    if lang is not None and lang not in LANGS:
        notices.append(Notice("lang", lang))
        lang = None
    chosen: dict[str, str] = {"lang": lang or DEFAULT_LANG}
    position = 0
    while position < len(declared := spec(chosen)):  # asked again after each choice: later ones may depend on it
        p = declared[position]
        position += 1
        value = _one(raw, p.name)
        if value is not None and value not in p.allowed:
            notices.append(Notice(p.name, value or ""))
            value = None
        chosen[p.name] = value if value is not None else p.default
    ordered = {p.name: chosen[p.name] for p in spec(chosen)}
    ordered["lang"] = chosen["lang"]
    return ordered, tuple(notices)


def to_search(params: Mapping[str, str]) -> str:
    return "?" + urlencode(dict(params), safe=",")


def share_link(path: str, search: str) -> str:
    try:
        root = flask.request.host_url.rstrip("/")
    except RuntimeError:
        root = ""
    return f"{root}{path}{search}"


def notice_block(notices: Sequence[Notice], lang: str) -> list:
    return [
        html.P(t("notice_invalid", lang, param=n.param, value=n.value or "∅"), className="notice warn") for n in notices
    ]


def strip_private(params: Mapping[str, Any]) -> dict:
    return {k: v for k, v in params.items() if not k.endswith("_")}


# ---------------------------------------------------------------- side tables (flows, ages)
_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "flows": None, "ages": None}


def side_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(flows, ages) of the published dataset (etl.query_tables), read once per dataset version and store."""
    src = data.source()
    key = (id(src), src.store.dataset_version())
    if _cache["key"] != key:
        with _lock:
            if _cache["key"] != key:
                flows, ages = published_side_tables(src.store)
                _cache.update(key=key, flows=flows, ages=ages)
    return _cache["flows"], _cache["ages"]


def register_url_writer(app: dash.Dash, store_id: str) -> None:
    """Write the page's params into the address bar (new history entry), as /jamfor does."""
    app.clientside_callback(
        """function(p) {
            var nu = window.dash_clientside.no_update;
            if (!p) { return [nu, nu]; }
            if (window.location.search === p.search) { return [nu, p.params]; }
            return [p.search, p.params];
        }""",
        Output("url", "search", allow_duplicate=True),
        Output("url-written", "data", allow_duplicate=True),
        Input(store_id, "data"),
        prevent_initial_call=True,
    )


def chart_text(
    prefix: str,
    summary: str,
    title: str,
    lang: str,
    table: tuple[Sequence[str], Sequence[Sequence[str]], Sequence[int]] | None = None,
) -> list:
    """A chart's text alternative, placed right under it: the generated one-paragraph summary
    (`{prefix}-summary`) and, when `table` = (columns, rows, numeric columns) is given, the chart's data
    as an HTML table (`{prefix}-table`) behind a disclosure, in a focusable region named by `title`."""
    out: list = [html.P(summary, className="chart-summary", id=f"{prefix}-summary")]
    if table is not None:
        columns, rows, numeric = table
        out.append(
            html.Details(
                [
                    html.Summary(f"{t('a11y_chart_table', lang)}: {title}"),
                    html.Div(
                        simple_table(columns, rows, table_id=f"{prefix}-table", numeric=numeric),
                        className="table-wrap",
                        tabIndex="0",
                        role="region",
                        **{"aria-label": t("a11y_table_region", lang, title=title)},
                    ),
                ],
                className="chart-table",
            )
        )
    return out


FORMATS = (("csv_sv", "dl_csv_sv"), ("csv", "dl_csv"), ("xlsx", "dl_xlsx"))


def download_block(prefix: str, lang: str) -> html.Div:
    """Download buttons with page-prefixed ids (`{prefix}-dl-csv_sv`, …) and the page's own dcc.Download."""
    return html.Div(
        [
            html.H3(t("cmp_downloads", lang)),
            *[html.Button(t(key, lang), id=f"{prefix}-dl-{fmt}", className="btn") for fmt, key in FORMATS],
            dcc.Download(id=f"{prefix}-download"),
        ],
        className="downloads",
    )


def download_inputs(prefix: str) -> list:
    return [Input(f"{prefix}-dl-{fmt}", "n_clicks") for fmt, _ in FORMATS]


def triggered_format(prefix: str, triggered: Any) -> str | None:
    for fmt, _ in FORMATS:
        if triggered == f"{prefix}-dl-{fmt}":
            return fmt
    return None


DownloadBuilder = Callable[[Any, dict], tuple[pd.DataFrame, Any, str]]


def register_download(app: dash.Dash, prefix: str, path: str, build: DownloadBuilder, spec: Callable) -> None:
    """The download callback of a view: `build(dataset, params)` gives the rows shown, the view
    state and the file name stem; the file is written by dashboard.downloads.export. The page's
    parameter store is read through the page's parameter `spec(dataset)` first, so a stale or
    altered store falls back to the defaults as the page's URL does."""

    @app.callback(
        Output(f"{prefix}-download", "data"),
        *download_inputs(prefix),
        State(f"{prefix}-params", "data"),
        prevent_initial_call=True,
    )
    def download(_a: Any, _b: Any, _c: Any, p: dict | None) -> Any:
        fmt = triggered_format(prefix, ctx.triggered_id)
        if not fmt or not p:
            return dash.no_update
        dataset = data.dataset()
        params, _ = parse_params(p["params"], spec(dataset))
        rows, state, stem = build(dataset, params)
        _, content = export(rows, dataset.catalog, state, share_link(path, p["search"]), fmt)
        return dcc.send_bytes(content, download_name(stem, fmt))


def view_params(params: Mapping[str, str]) -> dict:
    """What a view keeps in its `{prefix}-params` store: its canonical query string and parameters."""
    return {"search": to_search(params), "params": dict(params)}


def view_header(
    prefix: str, title_key: str, intro_key: str, notices: Sequence[Notice], params: Mapping[str, str]
) -> list:
    """The top of a view: heading, introduction, the page's language and parameter stores, notices.

    The parameter store starts out holding the view of the URL, as /jamfor's does: Dash runs a
    callback whose State is the output of a callback still in flight with the old value, so a
    download clicked before the first update returned would otherwise read None and send nothing."""
    lang = params["lang"]
    return [
        html.H1(t(title_key, lang)),
        html.P(t(intro_key, lang)),
        dcc.Store(id=f"{prefix}-lang", data=lang),
        dcc.Store(id=f"{prefix}-params", data=view_params(params)),
        html.Div(notice_block(notices, lang), id=f"{prefix}-notice"),
    ]


def read_view_url(raw: Mapping[str, Any], written: Any, spec: Callable[[Any], Callable]) -> tuple | None:
    """(dataset, params, notices) of a view's URL, or None when the URL is the one the page
    itself just wrote (then the page is not rendered again)."""
    raw = strip_private(raw)
    if written is not None and written == raw:
        return None
    dataset = data.dataset()
    params, notices = parse_params(raw, spec(dataset))
    return dataset, params, notices
