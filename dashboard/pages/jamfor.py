"""/jamfor: compare municipalities over time, rank them for one year, download what is shown.

The whole view lives in the URL query string (dashboard.state); callbacks stay
thin: they normalise the controls into a ViewState, call etl.query.query_columns()
(the core of query(), one array per export column) and hand the arrays to
dashboard.figures; downloads use query() itself, so chart, table and file agree.
The first view is rendered into the page layout, so the first paint needs no callback.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import dash
import flask
import numpy as np
from dash import Input, Output, State, ctx, dcc, html

from dashboard import data, gaps
from dashboard.a11y import _join as join_names
from dashboard.a11y import ranking_summary, series_summary
from dashboard.annotations import break_list, marks_of
from dashboard.components import download_buttons, field
from dashboard.downloads import export, unit_label
from dashboard.figures import empty_spec, graph_config, ranking_spec, region_colours, timeseries_spec
from dashboard.i18n import fmt_number, t
from dashboard.picker import MENU_HEIGHT, OPTION_HEIGHT, coverage_for, picker_options
from dashboard.references import fitting_modes, flattening_ratio, needs_panel
from dashboard.sources_text import source_name
from dashboard.state import GROUP, MODES, REFERENCES, ViewState, context_from, parse_query, to_params, to_query
from etl.keyfigures_table import is_pending
from etl.query import Dataset, QueryError, Selection, allowed_modes, query, query_columns

PATH = "/jamfor"
# Views and query results are kept per dataset version (a publish starts afresh), at most this many each.
CACHE_SIZE = 512
_VIEWS: dict[tuple, dict[str, Any]] = {}
_QUERIES: dict[tuple, dict[str, np.ndarray]] = {}
Columns = dict[str, np.ndarray]  # query_columns(): one array per export column


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= CACHE_SIZE or (cache and next(iter(cache))[0] != key[0]):
        cache.clear()  # a new dataset version, or full: start again (cheap; entries are rebuilt on demand)
    cache[key] = value
    return value


def cached_columns(dataset: Dataset, sel: Selection, lang: str) -> Columns:
    """query_columns() remembered per (dataset version, selection, language); callers must not modify it."""
    key = (dataset.version, id(dataset), sel, lang)
    hit = _QUERIES.get(key)
    return hit if hit is not None else _remember(_QUERIES, key, query_columns(dataset, sel, lang))


# ---------------------------------------------------------------- pure helpers
def ts_selection(state: ViewState) -> Selection:
    return Selection(
        state.indicator, state.all_regions, state.year_from, state.year_to, state.sex, state.mode, state.base
    )


def rank_selection(state: ViewState, dataset: Dataset) -> Selection:
    members = dataset.regions.groups[GROUP].members
    return Selection(state.indicator, tuple(members), state.year, state.year, state.sex, state.mode, state.base)


def indicator_options(dataset: Dataset, lang: str, with_pending: bool = False) -> list[dict]:
    """The picker: indicators grouped by theme, each with its coverage for the eight (dashboard.picker);
    `with_pending`: the Kolada figures no refresh has fetched yet say "fetched at the first refresh"."""
    members = dataset.regions.groups[GROUP].members
    coverage = {i: coverage_for(dataset, i, members) for i in dataset.catalog.indicators}
    pending = pending_indicators(dataset) if with_pending else set()
    return picker_options(dataset.catalog, coverage, lang, pending)


def pending_indicators(dataset: Dataset) -> set[str]:
    """Kolada figures with no value that no refresh has fetched yet (etl.keyfigures_table.is_pending)."""
    fetched = data.fetched_indicators()
    return {i.id for i in dataset.catalog.indicators.values() if is_pending(dataset, i, fetched)}


def pending_notice(dataset: Dataset, indicator: Any, lang: str) -> list:
    """A notice for a URL naming a Kolada figure not fetched yet (the view shows the default indicator)."""
    if not isinstance(indicator, str) or indicator not in pending_indicators(dataset):
        return []
    label = dataset.catalog.indicators[indicator].label(lang)
    return [html.P(t("cmp_pending", lang, label=label), className="notice", id="jf-pending")]


def year_options(first: int, last: int) -> list[dict]:
    return [{"label": str(y), "value": y} for y in range(first, last + 1)]


def mode_options(dataset: Dataset, indicator: str, lang: str) -> list[dict]:
    """Only the modes that mean something for the indicator (etl.query.allowed_modes)."""
    allowed = allowed_modes(dataset.catalog.indicators[indicator], MODES)
    return [{"label": t(f"mode_{m}", lang), "value": m} for m in allowed]


def sex_options(dataset: Dataset, indicator: str, lang: str) -> list[dict]:
    return [{"label": t(f"sex_{s}", lang), "value": s} for s in dataset.catalog.indicators[indicator].sexes]


def _label(text: str, code: str, empty: frozenset[str], lang: str) -> Any:
    """An option's label, marked when the region has no value in the view ("Riket (inga värden)")."""
    return html.Span(gaps.option_mark(text, lang), className="no-values") if code in empty else text


def region_options(dataset: Dataset, lang: str, empty: frozenset[str] = frozenset()) -> list[dict]:
    """Södertörn and the eight, each with its colour; those without a value in the view are marked."""
    group = dataset.regions.groups[GROUP]
    colours = region_colours(group.members)
    opts = [
        {
            "label": html.Span(
                [
                    html.Span(className="swatch", style={"background": colours[GROUP]}),
                    _label(t("cmp_sodertorn_series", lang), GROUP, empty, lang),
                ]
            ),
            "value": GROUP,
        }
    ]
    opts += [
        {
            "label": html.Span(
                [
                    html.Span(className="swatch", style={"background": colours[c]}),
                    _label(dataset.regions.name(c, lang), c, empty, lang),
                ]
            ),
            "value": c,
        }
        for c in group.members
    ]
    return opts


def reference_options(dataset: Dataset, lang: str, empty: frozenset[str] = frozenset()) -> list[dict]:
    """Stockholms län and Riket; one without a value in the view is marked."""
    return [{"label": _label(dataset.regions.name(c, lang), c, empty, lang), "value": c} for c in REFERENCES]


def region_names(dataset: Dataset, lang: str) -> dict[str, str]:
    """Code -> name as query() names it, for every region the view can show."""
    group = dataset.regions.groups[GROUP]
    return {GROUP: group.name(lang), **{c: dataset.regions.name(c, lang) for c in (*group.members, *REFERENCES)}}


def without_values(dataset: Dataset, state: ViewState) -> frozenset[str]:
    """The regions (Södertörn, the eight, the references) with no value at all in the view's years and mode."""
    members = tuple(dataset.regions.groups[GROUP].members)
    sel = Selection(
        state.indicator,
        (GROUP, *members, *REFERENCES),
        state.year_from,
        state.year_to,
        state.sex,
        state.mode,
        state.base,
    )
    cols = cached_columns(dataset, sel, state.lang)
    codes = np.asarray(cols["region_code"], dtype=object)
    valued = set(codes[~np.isnan(np.asarray(cols["value"], dtype=float))].tolist())
    return frozenset(c for c in sel.regions if c not in valued)


def explanations(cols: Columns, dataset: Dataset, state: ViewState) -> list:
    """Why Södertörn is not computed (the gaps themselves are named under the chart: gap_block)."""
    lang = state.lang
    ind = dataset.catalog.indicators[state.indicator]
    out: list = []
    if GROUP in state.regions and ind.aggregation.method == "none" and ind.aggregation.reason:
        out.append(
            html.P(
                t("cmp_not_aggregable", lang, reason=ind.aggregation.reason(lang)),
                className="notice warn",
                id="jf-not-aggregable",
            )
        )
    return out


def gap_block(cols: Columns, dataset: Dataset, state: ViewState) -> list:
    """Under the chart: every shown region without a value for some shown year, by name, with the years
    and why (a missing value, or a mode that cannot be computed for a year that has a value)."""
    years = list(range(state.year_from, state.year_to + 1))
    values = None
    if state.mode != "value":
        value_sel = Selection(state.indicator, state.all_regions, state.year_from, state.year_to, state.sex)
        values = gaps.complete(cached_columns(dataset, value_sel, state.lang), state.all_regions, {}, years)
    found = gaps.region_gaps(cols, values, state.all_regions, years)
    label = dataset.catalog.indicators[state.indicator].label(state.lang)
    texts = gaps.gap_texts(found, label, state.mode, state.base, state.lang)
    if not texts:
        return []
    return [
        html.P(t("gap_lead", state.lang)),
        html.Ul([html.Li(text, **{"data-region": code}) for code, text in texts]),
    ]


def notes_block(dataset: Dataset, state: ViewState) -> list:
    lang = state.lang
    ind = dataset.catalog.indicators[state.indicator]
    items: list = [html.P(ind.description(lang))]
    items += [html.P(n(lang), className="note") for n in ind.notes]
    if ind.breaks:
        items.append(
            html.P(
                [
                    html.Strong(t("cmp_breaks", lang) + ": "),
                    "; ".join(f"{b.year}: {b.label(lang)}" for b in ind.breaks),
                ],
                className="note",
            )
        )
    return [html.H3(t("cmp_notes", lang)), *items]


def table_block(cols: Columns, decimals: int, lang: str) -> str:
    """The data table as JSON for the `data-table` attribute of #jf-table: assets/a11y.js builds the
    same markup as components.simple_table from it (one attribute instead of hundreds of Dash
    components, which the browser's Dash renderer would take seconds to set up before any chart)."""
    status_text = {s: t(f"status_{s}", lang) for s in ("ok", "computed", "missing")}
    rows = [
        [
            region,
            str(year),
            fmt_number(value, decimals, lang),
            status_text.get(status, status),
            source_name(source, lang),
        ]
        for region, year, value, status, source in zip(
            cols["region"].tolist(),
            cols["year"].tolist(),
            cols["value"].tolist(),
            cols["status"].tolist(),
            cols["source"].tolist(),
            strict=True,
        )
    ]
    head = [t(k, lang) for k in ("cmp_col_region", "cmp_col_year", "cmp_col_value", "cmp_col_status", "cmp_col_source")]
    spec = {"id": "jf-data-table", "className": "data-table", "head": head, "rows": rows, "numeric": [1, 2]}
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


def no_table(text: str = "") -> str:
    """The `data-table` value for no table (with `text` shown in its place, if any)."""
    return json.dumps({"text": text}, ensure_ascii=False) if text else ""


def decimals_for(dataset: Dataset, state: ViewState) -> int:
    if state.mode == "value":
        return dataset.catalog.indicators[state.indicator].unit.decimals
    return 1


def render_view(dataset: Dataset, state: ViewState) -> dict[str, Any]:
    """Everything the chart area shows for `state` (figures, table, texts), remembered per dataset version."""
    key = (dataset.version, id(dataset), state)
    hit = _VIEWS.get(key)
    return hit if hit is not None else _remember(_VIEWS, key, build_view(dataset, state))


def build_view(dataset: Dataset, state: ViewState) -> dict[str, Any]:
    """Figures (plain plotly.js dicts), table, texts and the controls' gap marks for `state`."""
    lang = state.lang
    ind = dataset.catalog.indicators[state.indicator]
    unit = unit_label(dataset.catalog, state)
    decimals = decimals_for(dataset, state)
    members = tuple(dataset.regions.groups[GROUP].members)
    colours = region_colours(members)
    names = region_names(dataset, lang)
    title = t("cmp_ts_title", lang, indicator=ind.label(lang), unit=unit)
    years = list(range(state.year_from, state.year_to + 1))
    if not state.all_regions:
        frame = None
        ts = empty_spec(t("cmp_no_regions", lang), lang)
    else:
        # every region and year shown has a row (a missing one: empty value, status missing)
        frame = gaps.complete(cached_columns(dataset, ts_selection(state), lang), state.all_regions, names, years)
        lines = gaps.drawn(frame)
        breaks = [(b.year, b.label(lang)) for b in ind.breaks]
        grid = list(range(state.year_from, state.year_to + 1))
        panel = needs_panel(_values_by_region(lines), bool(ind.unit.count), state.mode)
        ts = (
            timeseries_spec(lines, lang, title, unit, decimals, colours, breaks, years=grid, ref_panel=panel)
            if len(lines["year"])
            else empty_spec(t("cmp_no_data", lang), lang)
        )
    rank_title = t("cmp_rank_title", lang, year=state.year)
    rank_frame = gaps.complete(
        cached_columns(dataset, rank_selection(state, dataset), lang), members, names, [state.year]
    )
    rank = ranking_spec(rank_frame, state.year, lang, rank_title, unit, decimals, colours, state.regions)
    at_year = np.asarray(rank_frame["year"]) == state.year
    rank_values = dict(
        zip(
            np.asarray(rank_frame["region"])[at_year].tolist(),
            np.asarray(rank_frame["value"])[at_year].tolist(),
            strict=True,
        )
    )
    ranked = sum(1 for v in rank_values.values() if not np.isnan(v))
    return {
        "ts": ts,
        "ts_breaks": break_list(marks_of(ts), lang, "jf-ts-breaks"),
        "rank": rank,
        "table": table_block(frame, decimals, lang) if frame is not None else no_table(t("cmp_no_regions", lang)),
        # the charts' text alternative (issue 9): what is shown, highest and lowest, trend; the data is the table
        "explain": [
            *(
                [
                    html.P(
                        series_summary(frame, title, unit, decimals, lang),
                        className="chart-summary",
                        id="jf-ts-summary",
                    )
                ]
                if frame is not None
                else []
            ),
            html.P(
                ranking_summary(rank_values, rank_title, unit, decimals, lang, state.year),
                className="chart-summary",
                id="jf-rank-summary",
            ),
            *(explanations(frame, dataset, state) if frame is not None else []),
            *(
                reference_note(frame, dataset, state)
                if frame is not None and ts["layout"].get("meta", {}).get("ref_panel")
                else []
            ),
        ],
        "notes": notes_block(dataset, state),
        # issue 15: the gaps by name under the chart, the ranking's count, the controls' marks
        "gaps": gap_block(frame, dataset, state) if frame is not None else [],
        "rank_count": gaps.count_text(ranked, len(members), lang, state.year),
        "empty": without_values(dataset, state),
    }


def _values_by_region(cols: Columns) -> dict[str, list[float | None]]:
    out: dict[str, list[float | None]] = {}
    for code, value in zip(cols["region_code"].tolist(), cols["value"].tolist(), strict=True):
        out.setdefault(str(code), []).append(None if value != value else float(value))
    return out


def reference_note(cols: Columns, dataset: Dataset, state: ViewState) -> list:
    """Why the references have their own panel, and the fitting alternative in one click (a link to the
    same view in that mode: the URL holds the choice)."""
    lang = state.lang
    ind = dataset.catalog.indicators[state.indicator]
    ratio = flattening_ratio(_values_by_region(cols)) or 0
    refs = join_names([dataset.regions.name(c, lang) for c in state.ref], lang)
    links: list = []
    for mode in fitting_modes(state.indicator, bool(ind.unit.count)):
        target = replace(state, mode=mode, base=state.year_from if mode == "index" else None, notices=())
        label = t("ref_switch_index", lang, base=state.year_from) if mode == "index" else t("ref_switch_per1000", lang)
        links += [" ", dcc.Link(label, href=PATH + to_query(target), className="btn small", id=f"jf-switch-{mode}")]
    return [
        html.P(
            [
                t("ref_panel_note", lang, refs=refs, ratio=fmt_number(ratio, 0, lang)),
                " ",
                html.Strong(t("ref_switch_lead", lang)),
                *links,
            ],
            className="notice",
            id="jf-ref-panel",
        )
    ]


def notice_block(state: ViewState) -> list:
    return [
        html.P(t("notice_invalid", state.lang, param=n.param, value=n.value or "∅"), className="notice warn")
        for n in state.notices
    ]


# ---------------------------------------------------------------- layout
def layout(written: Any = None, **params: Any) -> Any:
    """The page for the query string `params`; no re-render when the page itself just wrote them."""
    params = {k: v for k, v in params.items() if not k.endswith("_")}
    if written is not None and written == params:
        return dash.no_update
    dataset = data.dataset()
    state = parse_query(params, context_from(dataset))
    lang = state.lang
    first, last = dataset.years(state.indicator) or (state.year_from, state.year_to)
    # the first view is part of the page: the chart is drawn without waiting for a callback
    outputs = view_outputs(dataset, state)
    ts, rank, table, explain, notes, error, link, _, written_params = outputs[:9]
    gap_notes, rank_count, region_opts, ref_opts, ts_breaks = outputs[9:]
    return html.Div(
        [
            html.H1(t("page_compare", lang)),
            dcc.Store(id="jf-lang", data=lang),
            dcc.Store(id="jf-params", data=written_params),
            html.Div(notice_block(state) + pending_notice(dataset, params.get("indicator"), lang), id="jf-notice"),
            html.Div(
                [
                    field(
                        t("cmp_indicator", lang),
                        dcc.Dropdown(
                            id="jf-indicator",
                            options=indicator_options(dataset, lang, with_pending=True),
                            value=state.indicator,
                            clearable=False,
                            searchable=True,
                            search_order="original",  # matches stay under their theme
                            optionHeight=OPTION_HEIGHT,
                            maxHeight=MENU_HEIGHT,
                            className="indicator-picker",
                        ),
                        class_name="field wide",
                    ),
                    field(
                        t("cmp_regions", lang),
                        html.Div(
                            [
                                html.Div(
                                    [
                                        html.Button(
                                            t("cmp_pick_sodertorn", lang), id="jf-pick-sodertorn", className="btn small"
                                        ),
                                        html.Button(t("cmp_pick_all", lang), id="jf-pick-all", className="btn small"),
                                        html.Button(t("cmp_pick_none", lang), id="jf-pick-none", className="btn small"),
                                    ],
                                    className="quick-picks",
                                ),
                                dcc.Checklist(
                                    id="jf-regions",
                                    options=region_opts,
                                    value=list(state.regions),
                                    className="checks",
                                    inline=True,
                                ),
                            ]
                        ),
                        class_name="field wide",
                    ),
                    field(
                        t("cmp_reference", lang),
                        dcc.Checklist(
                            id="jf-ref",
                            options=ref_opts,
                            value=list(state.ref),
                            inline=True,
                            className="checks",
                        ),
                    ),
                    field(
                        t("cmp_mode", lang),
                        dcc.RadioItems(
                            id="jf-mode",
                            options=mode_options(dataset, state.indicator, lang),
                            value=state.mode,
                            className="checks",
                        ),
                    ),
                    field(
                        t("cmp_base", lang),
                        dcc.Dropdown(
                            id="jf-base",
                            options=year_options(state.year_from, state.year_to),
                            value=state.base or state.year_from,
                            clearable=False,
                            disabled=state.mode != "index",
                        ),
                        field_id="jf-base-field",
                    ),
                    field(
                        t("cmp_sex", lang),
                        dcc.RadioItems(
                            id="jf-sex",
                            options=sex_options(dataset, state.indicator, lang),
                            value=state.sex,
                            inline=True,
                            className="checks",
                        ),
                    ),
                    field(
                        t("cmp_years", lang),
                        html.Div(
                            [
                                dcc.Dropdown(
                                    id="jf-from",
                                    options=year_options(first, last),
                                    value=state.year_from,
                                    clearable=False,
                                    className="year",
                                ),
                                html.Span("–"),
                                dcc.Dropdown(
                                    id="jf-to",
                                    options=year_options(first, last),
                                    value=state.year_to,
                                    clearable=False,
                                    className="year",
                                ),
                            ],
                            className="year-range",
                        ),
                    ),
                    field(
                        t("cmp_rank_year", lang),
                        dcc.Dropdown(
                            id="jf-year",
                            options=year_options(state.year_from, state.year_to),
                            value=state.year,
                            clearable=False,
                            className="year",
                        ),
                    ),
                ],
                className="controls",
            ),
            html.Div(error, id="jf-error"),
            html.Div(explain, id="jf-explain"),
            dcc.Loading(dcc.Graph(id="ts-graph", figure=ts, config=graph_config(lang)), type="circle", delay_show=300),
            html.Div(ts_breaks, id="jf-ts-breaks-box"),
            html.Div(gap_notes, id="jf-gaps", className="notice gaps", **{"aria-live": "polite"}),
            dcc.Loading(
                dcc.Graph(id="rank-graph", figure=rank, config=graph_config(lang)), type="circle", delay_show=300
            ),
            html.P(rank_count, id="jf-rank-count", className="rank-count"),
            download_buttons(lang),
            html.P([t("cmp_share", lang) + ": ", html.A(link, id="jf-share", href=link)], className="share"),
            html.Div(notes, id="jf-notes", className="notes"),
            html.H3(t("cmp_table_title", lang), id="jf-table-title"),
            # a scrolling region: focusable and named, so it can be scrolled by keyboard
            html.Div(
                id="jf-table",
                **{"data-table": table},
                className="table-wrap",
                tabIndex="0",
                role="region",
                **{"aria-labelledby": "jf-table-title"},
            ),
        ],
        className="jamfor",
    )


# ---------------------------------------------------------------- callbacks
def _state_from_controls(lang, indicator, regions, ref, mode, base, sex, year_from, year_to, year) -> ViewState:
    params = {
        "indicator": indicator,
        "regions": ",".join(regions or []),
        "from": str(year_from),
        "to": str(year_to),
        "year": str(year),
        "mode": mode,
        "base": str(base),
        "sex": sex,
        "ref": ",".join(r for r in REFERENCES if r in (ref or [])),
        "lang": lang,
    }
    return parse_query(params, context_from(data.dataset()))


def view_outputs(dataset: Dataset, state: ViewState) -> tuple:
    """The main callback's outputs for `state` (also put into the page layout for the first view):
    ts figure, rank figure, table, explanations, notes, error, share href, share text, jf-params,
    the gap notes, the ranking's count, the region and reference options (marked where no value), and the
    list of the ts figure's series breaks."""
    search = to_query(state)
    link = share_link(search)
    params = {"search": search, "params": to_params(state)}
    try:
        view = render_view(dataset, state)
    except QueryError as exc:
        empty = empty_spec(t("cmp_no_data", state.lang), state.lang)
        error = html.P(t("notice_query", state.lang, message=str(exc)), className="notice warn")
        options = (region_options(dataset, state.lang), reference_options(dataset, state.lang))
        return (
            empty,
            empty,
            no_table(),
            [],
            notes_block(dataset, state),
            error,
            link,
            link,
            params,
            [],
            "",
            *options,
            [],
        )
    return (
        view["ts"],
        view["rank"],
        view["table"],
        view["explain"],
        view["notes"],
        [],
        link,
        link,
        params,
        view["gaps"],
        view["rank_count"],
        region_options(dataset, state.lang, view["empty"]),
        reference_options(dataset, state.lang, view["empty"]),
        view["ts_breaks"],
    )


def share_link(search: str) -> str:
    try:
        root = flask.request.host_url.rstrip("/")
    except RuntimeError:
        root = ""
    return f"{root}{PATH}{search}"


def register(app: dash.Dash) -> None:
    dash.register_page(__name__, path=PATH, name="Jämför", title="Jämför – Nyckeltal Södertörn", layout=layout)

    @app.callback(
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
        state = parse_query(
            {
                "indicator": indicator,
                "sex": sex,
                "mode": mode,
                "from": str(year_from),
                "to": str(year_to),
                "lang": lang,
            },
            context_from(dataset),
        )
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

    @app.callback(
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

    @app.callback(
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

    @app.callback(
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
        state = _state_from_controls(lang, indicator, regions, ref, mode, base, sex, year_from, year_to, year)
        return view_outputs(data.dataset(), state)

    # write the view into the address bar (a new history entry, so back/forward work)
    app.clientside_callback(
        """function(p) {
            var nu = window.dash_clientside.no_update;
            if (!p) { return [nu, nu]; }
            if (window.location.search === p.search) { return [nu, p.params]; }
            return [p.search, p.params];
        }""",
        Output("url", "search"),
        Output("url-written", "data"),
        Input("jf-params", "data"),
    )

    @app.callback(
        Output("download", "data"),
        Input("dl-csv-sv", "n_clicks"),
        Input("dl-csv", "n_clicks"),
        Input("dl-xlsx", "n_clicks"),
        State("jf-params", "data"),
        prevent_initial_call=True,
    )
    def download(_a, _b, _c, params):
        fmt = {"dl-csv-sv": "csv_sv", "dl-csv": "csv", "dl-xlsx": "xlsx"}.get(ctx.triggered_id)
        if not fmt or not params:
            return dash.no_update
        dataset = data.dataset()
        state = parse_query(params["params"], context_from(dataset))
        sel = ts_selection(state) if state.all_regions else Selection(state.indicator, ())
        rows = query(dataset, sel, state.lang)
        name, content = export(rows, dataset.catalog, state, share_link(params["search"]), fmt)
        return dcc.send_bytes(content, name)
