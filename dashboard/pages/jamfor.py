"""/jamfor: compare municipalities over time, rank them for one year, download what is shown.

The whole view lives in the URL query string (dashboard.state); callbacks stay
thin: they normalise the controls into a ViewState, call etl.query.query_columns()
(the core of query(), one array per export column) and hand the arrays to
dashboard.figures; downloads use query() itself, so chart, table and file agree.
The page is jamfor_layout (controls, first view), jamfor_view (charts, table, texts; cached),
jamfor_options (the controls' options) and the callbacks here.
"""

from __future__ import annotations

import json  # noqa: F401  (kept importable as jamfor.json)
from typing import Any

import dash
from dash import Input, Output, State, ctx, dcc

from dashboard import data
from dashboard.callback_guard import ID, YEAR, list_of, optional
from dashboard.downloads import export
from dashboard.page_kit import Page
from dashboard.page_params import share_link
from dashboard.pages.jamfor_layout import layout, state_from_controls, view_outputs
from dashboard.pages.jamfor_options import (
    indicator_options,
    mode_options,
    reference_options,
    region_options,
    sex_options,
    year_options,
)
from dashboard.pages.jamfor_view import _QUERIES, _VIEWS, PATH, build_view, cached_columns, render_view, ts_selection
from dashboard.state import GROUP, context_from, parse_query
from etl.query import Selection, query

__all__ = [
    "PAGE",
    "PATH",
    "_QUERIES",
    "_VIEWS",
    "build_view",
    "cached_columns",
    "indicator_options",
    "layout",
    "mode_options",
    "reference_options",
    "region_options",
    "render_view",
    "sex_options",
    "ts_selection",
    "view_outputs",
    "year_options",
]

PAGE = Page(
    __name__,
    path=PATH,
    name="Jämför",
    title="Jämför – Nyckeltal Södertörn",
    nav="nav_compare",
    order=1,
    cacheable=("ts-graph.figure", "jf-sex.options", "jf-base.options", "download.data"),
    property_types={  # the controls of its URL parameters (dashboard/state.parse_query)
        "jf-indicator.value": optional(ID),
        "jf-regions.value": optional(list_of(ID)),
        "jf-ref.value": optional(list_of(ID)),
        "jf-mode.value": optional(ID),
        "jf-sex.value": optional(ID),
        "jf-from.value": YEAR,
        "jf-to.value": YEAR,
        "jf-base.value": optional(YEAR),
        "jf-year.value": optional(YEAR),
    },
)


@PAGE.callback(
    Output("jf-sex", "options"),
    Output("jf-sex", "value"),
    Output("jf-mode", "options"),
    Output("jf-mode", "value"),
    Output("jf-from", "options"),
    Output("jf-from", "value"),
    Output("jf-to", "options"),
    Output("jf-to", "value"),
    Input("jf-indicator", "value"),
    State("jf-lang", "data"),
    State("jf-sex", "value"),
    State("jf-mode", "value"),
    State("jf-from", "value"),
    State("jf-to", "value"),
    prevent_initial_call=True,
)
def indicator_changed(indicator, lang, sex, mode, year_from, year_to):
    dataset = data.dataset()
    raw = {"indicator": indicator, "sex": sex, "mode": mode, "from": str(year_from), "to": str(year_to), "lang": lang}
    state = parse_query(raw, context_from(dataset))
    first, last = dataset.years(state.indicator) or (state.year_from, state.year_to)
    years = year_options(first, last)
    return (
        sex_options(dataset, state.indicator, lang),
        state.sex,
        mode_options(dataset, state.indicator, lang),
        state.mode,
        years,
        state.year_from,
        years,
        state.year_to,
    )


@PAGE.callback(
    Output("jf-base", "options"),
    Output("jf-base", "value"),
    Output("jf-base", "disabled"),
    Output("jf-year", "options"),
    Output("jf-year", "value"),
    Input("jf-from", "value"),
    Input("jf-to", "value"),
    Input("jf-mode", "value"),
    State("jf-base", "value"),
    State("jf-year", "value"),
    prevent_initial_call=True,
)
def range_changed(year_from, year_to, mode, base, year):
    lo, hi = min(year_from, year_to), max(year_from, year_to)
    base = base if base is not None and lo <= base <= hi else lo
    year = year if year is not None and lo <= year <= hi else hi
    return year_options(lo, hi), base, mode != "index", year_options(lo, hi), year


@PAGE.callback(
    Output("jf-regions", "value"),
    Input("jf-pick-sodertorn", "n_clicks"),
    Input("jf-pick-all", "n_clicks"),
    Input("jf-pick-none", "n_clicks"),
    prevent_initial_call=True,
)
def quick_pick(_s, _a, _n):
    members = list(data.dataset().regions.groups[GROUP].members)
    return {"jf-pick-sodertorn": [GROUP], "jf-pick-all": members, "jf-pick-none": []}.get(
        ctx.triggered_id, dash.no_update
    )


@PAGE.callback(
    Output("ts-graph", "figure"),
    Output("rank-graph", "figure"),
    Output("jf-table", "data-table"),
    Output("jf-explain", "children"),
    Output("jf-notes", "children"),
    Output("jf-error", "children"),
    Output("jf-share", "href"),
    Output("jf-share", "children"),
    Output("jf-params", "data"),
    Output("jf-gaps", "children"),
    Output("jf-rank-count", "children"),
    Output("jf-regions", "options"),
    Output("jf-ref", "options"),
    Output("jf-ts-breaks-box", "children"),
    Output("jf-ts-summary", "children"),
    Output("jf-rank-summary", "children"),
    Input("jf-indicator", "value"),
    Input("jf-regions", "value"),
    Input("jf-ref", "value"),
    Input("jf-mode", "value"),
    Input("jf-base", "value"),
    Input("jf-sex", "value"),
    Input("jf-from", "value"),
    Input("jf-to", "value"),
    Input("jf-year", "value"),
    State("jf-lang", "data"),
    prevent_initial_call=True,  # the page layout already holds the first view
)
def update_view(indicator, regions, ref, mode, base, sex, year_from, year_to, year, lang):
    state = state_from_controls(lang, indicator, regions, ref, mode, base, sex, year_from, year_to, year)
    return view_outputs(data.dataset(), state)


PAGE.url_writer("jf-params", first=True)


@PAGE.callback(
    Output("download", "data"),
    Input("dl-csv-sv", "n_clicks"),
    Input("dl-csv", "n_clicks"),
    Input("dl-xlsx", "n_clicks"),
    State("jf-params", "data"),
    prevent_initial_call=True,
)
def download(_a: Any, _b: Any, _c: Any, params: dict | None) -> Any:
    fmt = {"dl-csv-sv": "csv_sv", "dl-csv": "csv", "dl-xlsx": "xlsx"}.get(ctx.triggered_id)
    if not fmt or not params:
        return dash.no_update
    dataset = data.dataset()
    state = parse_query(params["params"], context_from(dataset))
    sel = ts_selection(state) if state.all_regions else Selection(state.indicator, ())
    rows = query(dataset, sel, state.lang)
    name, content = export(rows, dataset.catalog, state, share_link(PATH, params["search"]), fmt)
    return dcc.send_bytes(content, name)
