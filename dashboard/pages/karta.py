"""/karta: a choropleth of the eight municipalities for any indicator and year.

The other municipalities of Stockholms län are drawn grey for orientation.
Offline: go.Choroplethmap with the 'white-bg' style needs no tiles or CDN.
Clicking a municipality opens /jamfor for it. URL: indicator, year, sex, lang.
"""

from __future__ import annotations

import math
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashboard import data
from dashboard.a11y import ranking_summary
from dashboard.callback_guard import ID, json_object, list_of, number, optional, shape
from dashboard.components import field, indicator_picker, simple_table
from dashboard.downloads import slug
from dashboard.figures import _clean, empty_figure, graph_config, ranks
from dashboard.figures_maps import choropleth_figure
from dashboard.geo import county_geojson
from dashboard.i18n import fmt_number, t
from dashboard.page_kit import Page
from dashboard.page_params import Param, parse_params, share_link, view_params
from dashboard.pages.jamfor_options import indicator_options
from dashboard.pages.views_common import register_download, view_footer, view_header, view_layout
from dashboard.picker import THEME_PREFIX
from dashboard.state import GROUP, ViewState
from dashboard.url_spec import to_search
from etl.query import Dataset, Selection, query

PATH = "/karta"
DEFAULT_INDICATOR = "population"
PAGE = Page(
    __name__,
    path=PATH,
    name="Karta",
    title="Karta – Nyckeltal Södertörn",
    nav="nav_map",
    order=3,
    property_types={
        "ka-indicator.value": optional(ID),
        "ka-sex.value": optional(ID),
        "ka-year.value": optional(number(0, 10**6)),  # the slider runs over the positions of the data years
        # a clicked point, as plotly.js reports it to dcc.Graph (the points and when)
        "ka-map.clickData": optional(
            shape(
                {"points": list_of(json_object(), min_len=1), "timestamp": optional(number(0, 1e15))},
                required=("points",),
            )
        ),
    },
)


def spec(dataset: Dataset) -> Any:
    def params(chosen: dict[str, str]) -> list[Param]:
        with_data = [i for i in dataset.catalog.indicators if _eight_years(dataset, i)]
        ind = chosen.get("indicator", DEFAULT_INDICATOR)
        ind = ind if ind in with_data else DEFAULT_INDICATOR
        years = [str(y) for y in _eight_years(dataset, ind)]
        sexes = list(dataset.catalog.indicators[ind].sexes)
        return [
            Param("indicator", with_data, DEFAULT_INDICATOR),
            Param("year", years, years[-1] if years else ""),
            Param("sex", sexes, "T" if "T" in sexes else sexes[0]),
        ]

    return params


_YEARS: dict[tuple, tuple[int, ...]] = {}  # _eight_years per (dataset version, dataset, indicator)


def _eight_years(dataset: Dataset, indicator: str) -> list[int]:
    """Years with a value for at least one of the eight (what the slider offers); remembered per dataset
    version (the page's parameter spec asks for every indicator's years on each request)."""
    key = (dataset.version, id(dataset), indicator)
    years = _YEARS.get(key)
    if years is None:
        rows = dataset.rows(indicator)
        members = dataset.regions.groups[GROUP].members
        rows = rows[rows["region_code"].isin(members) & rows["value"].notna()]
        years = tuple(sorted({int(y) for y in rows["year"]}))
        if _YEARS and next(iter(_YEARS))[:2] != key[:2]:
            _YEARS.clear()  # a new dataset version: the years of the older one are not asked for again
        _YEARS[key] = years
    return list(years)


def map_indicator_options(dataset: Dataset, lang: str) -> list[dict]:
    """/jamfor's grouped options, keeping indicators with values for the eight (and their headings)."""

    def heading(o: dict) -> bool:
        return str(o["value"]).startswith(THEME_PREFIX)

    kept = [o for o in indicator_options(dataset, lang) if heading(o) or _eight_years(dataset, o["value"])]
    return [o for i, o in enumerate(kept) if not heading(o) or (i + 1 < len(kept) and not heading(kept[i + 1]))]


def view_state(params: dict[str, str], dataset: Dataset) -> ViewState:
    year = int(params["year"])
    members = tuple(dataset.regions.groups[GROUP].members)
    return ViewState(params["indicator"], members, year, year, year, "value", None, params["sex"], (), params["lang"])


def map_rows(dataset: Dataset, params: dict[str, str]):
    state = view_state(params, dataset)
    sel = Selection(state.indicator, state.regions, state.year, state.year, state.sex, "value")
    return query(dataset, sel, state.lang)


def render(dataset: Dataset, params: dict[str, str]) -> dict[str, Any]:
    lang = params["lang"]
    ind = dataset.catalog.indicators[params["indicator"]]
    unit = ind.unit.label(lang)
    rows = map_rows(dataset, params)
    members = dataset.regions.groups[GROUP].members
    values = {c: None for c in members}
    values.update({str(c): _clean(v) for c, v in zip(rows["region_code"], rows["value"], strict=True)})
    names = {
        f["id"]: dataset.regions.name(f["id"], lang) if f["id"] in dataset.regions.regions else f["properties"]["name"]
        for f in county_geojson()["features"]
    }
    year = int(params["year"])
    title = t("map_title", lang, indicator=ind.label(lang), year=year, unit=unit)
    fig = choropleth_figure(county_geojson(), values, names, year, unit, ind.unit.decimals, lang, title)
    rank = ranks(values)
    order = sorted(members, key=lambda c: (rank[c] is None, rank[c] or 0))
    table = simple_table(
        [t("cmp_col_region", lang), t("cmp_col_value", lang) + f" ({unit})", t("map_rank_col", lang)],
        [(names[c], fmt_number(values[c], ind.unit.decimals, lang), str(rank[c] or "–")) for c in order],
        table_id="ka-table",
        numeric=(1, 2),
    )
    summary = ranking_summary({names[c]: values[c] for c in members}, title, unit, ind.unit.decimals, lang)
    return {"figure": fig, "table": table, "summary": summary}


def layout(written: Any = None, **raw: Any) -> Any:
    return view_layout(raw, written, spec, page)


def page(dataset: Dataset, params: dict, notices: tuple) -> Any:
    """The page for its parsed URL."""
    lang = params["lang"]
    years = _eight_years(dataset, params["indicator"])
    return html.Div(
        [
            *view_header("ka", "page_map", "map_intro", notices, params),
            dcc.Location(id="ka-go", refresh=True),
            html.Div(
                [
                    indicator_picker("ka-indicator", map_indicator_options(dataset, lang), params["indicator"], lang),
                    field(
                        t("cmp_sex", lang),
                        dcc.RadioItems(
                            id="ka-sex",
                            options=[
                                {"label": t(f"sex_{s}", lang), "value": s}
                                for s in dataset.catalog.indicators[params["indicator"]].sexes
                            ],
                            value=params["sex"],
                            inline=True,
                        ),
                    ),
                    field(
                        t("map_year", lang),
                        html.Div(
                            [
                                # the slider runs over the positions of the data years, so that each arrow
                                # key moves one data year also across gaps (1950, 1960, 1968, …); the marks,
                                # the tooltip (assets/a11y.js dccFunctions.yearAt, reading data-years) and the
                                # thumb's aria-valuetext show the year; Dash's number box, which could only
                                # show the position, is off
                                dcc.Slider(
                                    id="ka-year",
                                    min=0,
                                    max=max(0, len(years) - 1),
                                    step=1,
                                    marks=slider_marks(years),
                                    value=years.index(int(params["year"])) if params["year"] else 0,
                                    included=False,
                                    updatemode="mouseup",
                                    allow_direct_input=False,
                                    tooltip={"transform": "yearAt", "placement": "top"},
                                ),
                                html.Output(
                                    params["year"],
                                    id="ka-year-shown",
                                    className="year-shown",
                                    **{"aria-live": "polite"},
                                ),
                            ],
                            className="year-slider",
                            id="ka-year-box",
                            **{"data-years": _years_attr(years)},
                        ),
                        class_name="field wide",
                    ),
                ],
                className="controls",
            ),
            html.P(t("map_keyboard", lang), className="note"),
            dcc.Loading(dcc.Graph(id="ka-map", config=graph_config(lang)), type="circle", delay_show=300),
            html.P(id="ka-summary", className="chart-summary"),
            *view_footer("ka", lang, "ka-table-wrap"),
        ],
        className="karta",
    )


# the year slider's labels (dashboard.pages.karta.slider_marks): a label is "2025" at the slider's 12 px type,
# 31 px wide; two labels' centres are at least LABEL_PX apart on the shortest track each tier is shown on
LABEL_PX = 36
WIDE_PX = 420  # every label fits from this track length; assets/style.css hides the rest on a slider under 436 px
NARROW_PX = 250  # the track on a 320 px screen: the labels shown there
ROUND_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
MINOR_MARK = {"display": "var(--minor-mark, block)"}  # style.css sets --minor-mark: none on a narrow slider


def _labelled(years: list[int], gap: int, kept: frozenset[int] = frozenset()) -> frozenset[int]:
    """Positions to label: the first and last year, and years on a round step (1970, 1980, …), each at
    least `gap` positions from every other label (the `kept` positions are labelled whatever their step)."""
    span = len(years) - 1
    per_position = (years[-1] - years[0]) / span
    step = next((s for s in ROUND_STEPS if s >= gap * per_position), ROUND_STEPS[-1])
    chosen = set(kept) | {0, span}
    for i, year in enumerate(years):
        if year % step == 0 and all(abs(i - j) >= gap for j in chosen):
            chosen.add(i)
    return frozenset(chosen)


def slider_marks(years: list[int]) -> dict[int, Any]:
    """The slider runs over the positions of the years with data (each arrow key = the next such year);
    labelled marks on the first and last year and round years between, spaced so that no two labels touch:
    the labels of a narrow slider (NARROW_PX) as text, the extra ones of a wide slider (WIDE_PX) styled
    MINOR_MARK, which style.css hides on a narrow slider. Every position stays selectable."""
    if len(years) < 2:
        return {i: str(y) for i, y in enumerate(years)}
    span = len(years) - 1
    narrow = _labelled(years, math.ceil(LABEL_PX * span / NARROW_PX))
    wide = _labelled(years, math.ceil(LABEL_PX * span / WIDE_PX), narrow)
    return {i: str(years[i]) if i in narrow else {"label": str(years[i]), "style": MINOR_MARK} for i in sorted(wide)}


def _years_attr(years: list[int]) -> str:
    """The data years, position by position, for the slider's tooltip and aria-valuetext (assets/a11y.js)."""
    return ",".join(map(str, years))


def _year_at(dataset: Dataset, indicator: str, position: Any) -> str:
    years = _eight_years(dataset, indicator)
    try:
        return str(years[int(position)])
    except (TypeError, ValueError, IndexError):
        return ""


PAGE.url_writer("ka-params")


@PAGE.callback(
    output={
        "year_max": Output("ka-year", "max"),
        "year_marks": Output("ka-year", "marks"),
        "year_position": Output("ka-year", "value"),
        "years": Output("ka-year-box", "data-years"),
        "sex_options": Output("ka-sex", "options"),
        "sex": Output("ka-sex", "value"),
    },
    inputs={"indicator": Input("ka-indicator", "value")},
    state={
        "position": State("ka-year", "value"),
        "sex": State("ka-sex", "value"),
        "lang": State("ka-lang", "data"),
        "previous": State("ka-params", "data"),
    },
    prevent_initial_call=True,
)
def indicator_changed(indicator, position, sex, lang, previous) -> dict:
    """The year slider and the sex choices for a newly chosen indicator (named as the outputs above)."""
    dataset = data.dataset()
    # keep the year shown when the new indicator has it, else its latest year
    old = (previous or {}).get("params", {}).get("indicator", indicator)
    year = _year_at(dataset, old, position)
    params, _ = parse_params({"indicator": indicator, "year": year, "sex": sex, "lang": lang}, spec(dataset))
    years = _eight_years(dataset, params["indicator"])
    sexes = dataset.catalog.indicators[params["indicator"]].sexes
    return {
        "year_max": len(years) - 1,
        "year_marks": slider_marks(years),
        "year_position": years.index(int(params["year"])),
        "years": _years_attr(years),
        "sex_options": [{"label": t(f"sex_{s}", lang), "value": s} for s in sexes],
        "sex": params["sex"],
    }


@PAGE.callback(
    Output("ka-map", "figure"),
    Output("ka-table-wrap", "children"),
    Output("ka-share", "href"),
    Output("ka-share", "children"),
    Output("ka-params", "data"),
    Output("ka-year-shown", "children"),
    Output("ka-summary", "children"),
    Input("ka-indicator", "value"),
    Input("ka-year", "value"),
    Input("ka-sex", "value"),
    State("ka-lang", "data"),
)
def update(indicator, position, sex, lang):
    dataset = data.dataset()
    year = _year_at(dataset, indicator, position)
    params, _ = parse_params({"indicator": indicator, "year": year, "sex": sex, "lang": lang}, spec(dataset))
    search = to_search(params)
    link = share_link(PATH, search)
    if not params["year"]:
        empty = empty_figure(t("cmp_no_data", lang), lang)
        nothing = t("cmp_no_data", lang)
        return empty, [], link, link, view_params(params), "", nothing
    view = render(dataset, params)
    written = view_params(params)
    return view["figure"], view["table"], link, link, written, params["year"], view["summary"]


@PAGE.callback(
    Output("ka-go", "href"),
    Input("ka-map", "clickData"),
    State("ka-params", "data"),
    prevent_initial_call=True,
)
def open_compare(click, p):
    if not click or not p:
        return dash.no_update
    point = click["points"][0]
    code = str(point.get("location") or "")
    dataset = data.dataset()
    if code not in dataset.regions.groups[GROUP].members:
        return dash.no_update
    params, _ = parse_params(p["params"], spec(dataset))
    return f"/jamfor?indicator={params['indicator']}&regions={code}&sex={params['sex']}&lang={params['lang']}"


def download_rows(dataset: Dataset, params: dict) -> tuple:
    label = dataset.catalog.indicators[params["indicator"]].label(params["lang"])
    return map_rows(dataset, params), view_state(params, dataset), f"{slug(label)}_karta_{params['year']}"


register_download(PAGE, "ka", download_rows, spec)
