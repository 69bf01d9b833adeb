"""What /karta, /pendling and /befolkning share: the view's header, side tables, chart texts, downloads.

A page declares its URL parameters as data (dashboard.page_params, re-exported here);
`parse_params` never raises: an unknown value falls back to the default and is
reported as a Notice, like /jamfor's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from dashboard import data
from dashboard.components import simple_table
from dashboard.downloads import export
from dashboard.filenames import download_name
from dashboard.i18n import t
from dashboard.page_kit import Page
from dashboard.page_params import Param, notice_block, parse_params, share_link, strip_private, view_params
from dashboard.state import Notice
from dashboard.url_spec import to_search
from etl.query_tables import published_side_tables

__all__ = ["Param", "notice_block", "parse_params", "share_link", "strip_private", "to_search", "view_params"]


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


def view_footer(prefix: str, lang: str, table_id: str | None = None) -> list:
    """The bottom of a view: its downloads, its share link (`{prefix}-share`) and, with `table_id`, the
    heading and the box of its data table."""
    share = html.P([t("cmp_share", lang) + ": ", html.A(id=f"{prefix}-share", href="#")], className="share")
    table = [html.H3(t("cmp_table_title", lang)), html.Div(id=table_id, className="table-wrap")] if table_id else []
    return [download_block(prefix, lang), share, *table]


def download_inputs(prefix: str) -> list:
    return [Input(f"{prefix}-dl-{fmt}", "n_clicks") for fmt, _ in FORMATS]


def triggered_format(prefix: str, triggered: Any) -> str | None:
    for fmt, _ in FORMATS:
        if triggered == f"{prefix}-dl-{fmt}":
            return fmt
    return None


DownloadBuilder = Callable[[Any, dict], tuple[pd.DataFrame, Any, str]]


def register_download(page: Page, prefix: str, build: DownloadBuilder, spec: Callable) -> None:
    """The download callback of a view: `build(dataset, params)` gives the rows shown, the view
    state and the file name stem; the file is written by dashboard.downloads.export. The page's
    parameter store is read through the page's parameter `spec(dataset)` first, so a stale or
    altered store falls back to the defaults as the page's URL does."""

    @page.callback(
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
        _, content = export(rows, dataset.catalog, state, share_link(page.path, p["search"]), fmt)
        return dcc.send_bytes(content, download_name(stem, fmt))


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


def view_answer(path: str, spec: Callable[[Any], Callable], render: Callable, raw: Mapping[str, Any]) -> tuple:
    """(the view `render(dataset, params)` gives, the share link, the parameter store) for the controls'
    values `raw`, read through the page's parameter `spec(dataset)` as its URL is."""
    dataset = data.dataset()
    params, _ = parse_params(raw, spec(dataset))
    return render(dataset, params), share_link(path, to_search(params)), view_params(params)


def view_layout(
    raw: Mapping[str, Any], written: Any, spec: Callable[[Any], Callable], build: Callable[[Any, dict, tuple], Any]
) -> Any:
    """A view's layout for its URL: `build(dataset, params, notices)`, or no update when the URL is the
    one the page itself just wrote (then the page is not rendered again)."""
    raw = strip_private(raw)
    if written is not None and written == raw:
        return dash.no_update
    dataset = data.dataset()
    params, notices = parse_params(raw, spec(dataset))
    return build(dataset, params, notices)
