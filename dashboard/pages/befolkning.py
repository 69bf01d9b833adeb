"""/befolkning: age pyramid, components of change and the population index.

The pyramid needs TAB638's single ages (grouped into 5-year bands by etl.sources.scb_ages);
the bundled snapshot has none for the eight, and the view says so plainly for
any year without age data. URL: region, year, overlay, base, lang.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.a11y import components_summary, pyramid_summary, series_summary
from dashboard.callback_guard import ID, optional
from dashboard.components import dropdown_field, field
from dashboard.figures import empty_figure, graph_config, region_colours, timeseries_figure
from dashboard.figures_maps import components_figure, pyramid_figure
from dashboard.gaps import year_spans
from dashboard.i18n import fmt_number, t
from dashboard.opening import newest_with
from dashboard.page_kit import Page
from dashboard.page_params import Param
from dashboard.pages import views_common as views
from dashboard.state import GROUP, ViewState
from etl.query import Dataset, Selection, query
from etl.query_tables import age_years, pyramid, value_at, valued_years

PATH = "/befolkning"
PAGE = Page(
    __name__,
    path=PATH,
    name="Befolkning",
    title="Befolkning – Nyckeltal Södertörn",
    nav="nav_population",
    order=5,
    property_types={  # its parameters are texts (dashboard/page_params.Param)
        key: optional(ID) for key in ("pop-region.value", "pop-year.value", "pop-overlay.value", "pop-base.value")
    },
)
OVERLAYS = ("none", GROUP, "00")
COMPONENTS = ("births", "deaths", "net_migration", "population_change")
DEFAULT_BASE = "2000"


def population_years(dataset: Dataset) -> list[int]:
    return valued_years(dataset, "population", dataset.regions.groups[GROUP].members)


def spec(dataset: Dataset, ages: pd.DataFrame | None = None) -> Any:
    """The URL parameters. The year defaults to the newest with age data (the region's, else any region's)
    when `ages` is given, else to the newest year."""
    members = list(dataset.regions.groups[GROUP].members)
    all_years = population_years(dataset)
    years = [str(y) for y in all_years]

    def params(chosen: dict[str, str]) -> list[Param]:
        region = chosen.get("region", members[0])
        default = all_years[-1]
        if ages is not None and len(ages):
            default = newest_with(all_years, age_years(ages, region), age_years(ages)) or default
        return [
            Param("region", members, members[0]),
            Param("year", years, str(default)),
            Param("overlay", OVERLAYS, "none"),
            Param("base", years, DEFAULT_BASE if DEFAULT_BASE in years else years[0]),
        ]

    return params


def live_spec(dataset: Dataset) -> Any:
    """spec() with the store's age data (the page and its callback)."""
    return spec(dataset, views.side_tables()[1])


def pyramid_for(ages: pd.DataFrame, dataset: Dataset, code: str, year: int) -> pd.DataFrame | None:
    """Bands x K/M for a municipality, Riket, or Södertörn (the sum, only when all eight have it)."""
    if code == GROUP:
        parts = [pyramid(ages, m, year) for m in dataset.regions.groups[GROUP].members]
        if any(p.empty or p.isna().any().any() for p in parts):
            return None
        return sum(parts[1:], parts[0])
    table = pyramid(ages, code, year)
    return None if table.empty else table


def population_total(dataset: Dataset, code: str, year: int) -> float | None:
    return value_at(dataset, "population", code, year)


def component_rows(dataset: Dataset, region: str, lang: str) -> pd.DataFrame:
    frames = [query(dataset, Selection(ind, (region,)), lang) for ind in COMPONENTS]
    rows = pd.concat(frames, ignore_index=True)
    with_value = set(rows.loc[rows["value"].notna(), "year"])
    return rows[rows["year"].isin(with_value)].reset_index(drop=True)


def index_rows(dataset: Dataset, base: int, lang: str) -> pd.DataFrame:
    members = tuple(dataset.regions.groups[GROUP].members)
    last = population_years(dataset)[-1]
    return query(dataset, Selection("population", (*members, "01", "00"), base, last, "T", "index", base), lang)


def render(dataset: Dataset, params: dict[str, str], ages: pd.DataFrame | None = None) -> dict[str, Any]:
    lang = params["lang"]
    region, year, overlay, base = params["region"], int(params["year"]), params["overlay"], int(params["base"])
    name = dataset.regions.name(region, lang)
    ages = views.side_tables()[1] if ages is None else ages
    table = pyramid_for(ages, dataset, region, year)
    check: list = []
    pyr_text: list = []
    unit = dataset.catalog.indicators["births"].unit.label(lang)
    if table is None:
        have = age_years(ages, region)
        pyr = empty_figure(t("pop_no_ages", lang, name=name, year=year), lang)
        pyr_note = html.P(
            t("pop_no_ages", lang, name=name, year=year)
            + " "
            + t("pop_age_years", lang, years=year_spans(have) if have else t("pd_none", lang))
            + (" " + t("pop_no_ages_why", lang) if ages.empty else ""),
            className="notice warn",
            id="pop-no-ages",
        )
    else:
        over = None
        over_name = ""
        if overlay != "none":
            over = pyramid_for(ages, dataset, overlay, year)
            over_name = (
                dataset.regions.groups[GROUP].name(lang) if overlay == GROUP else dataset.regions.name("00", lang)
            )
        pyr_title = t("pop_pyramid_title", lang, name=name, year=year)
        pyr = pyramid_figure(table, lang, pyr_title, over, over_name, as_share=over is not None)
        pyr_text = pyramid_block(table, over, over_name, pyr_title, unit, lang)
        pyr_note = [
            html.P(t("pop_overlay_missing", lang, name=over_name, year=year), className="notice")
            if overlay != "none" and over is None
            else None
        ]
        have, last = age_years(ages, region), population_years(dataset)[-1]
        if have and year == have[-1] and year < last:  # why this year (the view opens on it)
            pyr_note.insert(
                0,
                html.P(
                    t("pop_year_chosen", lang, year=year, name=name, last=last), className="notice", id="pop-year-why"
                ),
            )
        band_sum = float(table.sum().sum())
        total = population_total(dataset, region, year)
        check = [
            html.P(
                [
                    t("pop_band_sum", lang) + ": ",
                    html.Span(fmt_number(band_sum, 0, lang), id="pop-band-sum"),
                    " · " + t("pop_total", lang) + ": ",
                    html.Span(fmt_number(total, 0, lang), id="pop-total"),
                ],
                className="note",
            )
        ]
    comp = component_rows(dataset, region, lang)
    comp_title = t("pop_components_title", lang, name=name)
    components = (
        components_figure(comp, lang, comp_title, unit)
        if len(comp)
        else empty_figure(t("pop_no_components", lang, name=name), lang)
    )
    idx = index_rows(dataset, base, lang)
    members = dataset.regions.groups[GROUP].members
    index_title = t("pop_index_title", lang, base=base)
    index_fig = timeseries_figure(
        idx,
        lang,
        index_title,
        t("mode_index", lang),
        1,
        region_colours(members),
        years=sorted({int(y) for y in idx["year"]}),
    )
    return {
        "pyramid": pyr,
        "pyr_note": pyr_note,
        "pyr_text": pyr_text,
        "check": check,
        "components": components,
        "comp_text": components_block(comp, comp_title, unit, lang) if len(comp) else [],
        "index_text": index_block(idx, index_title, lang),
        "comp_note": t("pop_components_note", lang, years=year_spans([int(y) for y in comp["year"]])),
        "index": index_fig,
    }


def pyramid_block(
    table: pd.DataFrame, over: pd.DataFrame | None, over_name: str, title: str, unit: str, lang: str
) -> list:
    """The pyramid's summary and table: persons per age band and sex (oldest first, as drawn), and with a
    comparison also both areas' shares of their totals."""
    summary = pyramid_summary(table, title, unit, lang, over_name if over is not None else None)
    columns = [t("a11y_col_age", lang), t("sex_K", lang), t("sex_M", lang)]
    total = float(table.sum().sum()) or 1.0
    share = t("a11y_col_share", lang)
    if over is not None:
        columns += [f"{t('sex_K', lang)}, {share}", f"{t('sex_M', lang)}, {share}"]
        columns += [
            f"{over_name} {t('sex_K', lang).lower()}, {share}",
            f"{over_name} {t('sex_M', lang).lower()}, {share}",
        ]
        o_total = float(over.sum().sum()) or 1.0
    rows = []
    for band in reversed(list(table.index)):
        k, m = table.at[band, "K"], table.at[band, "M"]
        row = [str(band), fmt_number(k, 0, lang), fmt_number(m, 0, lang)]
        if over is not None:
            row += [fmt_number(v / total * 100, 1, lang) for v in (k, m)]
            row += [fmt_number(over.at[band, s] / o_total * 100, 1, lang) for s in ("K", "M")]
        rows.append(row)
    return views.chart_text("pop-pyr", summary, title, lang, (columns, rows, tuple(range(1, len(columns)))))


def components_block(comp: pd.DataFrame, title: str, unit: str, lang: str) -> list:
    """The components' summary and table: one row per year, one column per component (signed)."""
    order = [*COMPONENTS]
    labels = dict(zip(comp["indicator_id"], comp["indicator"], strict=True))
    by = {(i, int(y)): v for i, y, v in zip(comp["indicator_id"], comp["year"], comp["value"], strict=True)}
    years = sorted({int(y) for y in comp["year"]})
    columns = [t("cmp_col_year", lang), *[f"{labels.get(i, i)} ({unit})" for i in order]]
    rows = [
        [str(y), *[fmt_number(by.get((i, y)), 0, lang, sign=i != "births" and i != "deaths") for i in order]]
        for y in years
    ]
    return views.chart_text(
        "pop-comp",
        components_summary(comp, title, unit, lang),
        title,
        lang,
        (columns, rows, tuple(range(len(columns)))),
    )


def index_block(idx: pd.DataFrame, title: str, lang: str) -> list:
    """The index chart's summary and table: one row per year, one column per area."""
    regions = list(dict.fromkeys(idx["region"]))
    by = {(r, int(y)): v for r, y, v in zip(idx["region"], idx["year"], idx["value"], strict=True)}
    years = sorted({int(y) for y in idx["year"]})
    columns = [t("cmp_col_year", lang), *regions]
    rows = [[str(y), *[fmt_number(by.get((r, y)), 1, lang) for r in regions]] for y in years]
    return views.chart_text(
        "pop-index", series_summary(idx, title, "", 1, lang), title, lang, (columns, rows, tuple(range(len(columns))))
    )


def layout(written: Any = None, **raw: Any) -> Any:
    return views.view_layout(raw, written, live_spec, page)


def page(dataset: Dataset, params: dict, notices: tuple) -> Any:
    """The page for its parsed URL."""
    lang = params["lang"]
    members = list(dataset.regions.groups[GROUP].members)
    years = population_years(dataset)
    year_opts = [{"label": str(y), "value": str(y)} for y in reversed(years)]
    return html.Div(
        [
            *views.view_header("pop", "page_population", "pop_intro", notices, params),
            html.Div(
                [
                    dropdown_field(
                        t("pd_region", lang),
                        "pop-region",
                        [{"label": dataset.regions.name(c, lang), "value": c} for c in members],
                        params["region"],
                    ),
                    dropdown_field(t("pd_year", lang), "pop-year", year_opts, params["year"]),
                    field(
                        t("pop_overlay", lang),
                        dcc.RadioItems(
                            id="pop-overlay",
                            options=[
                                {"label": t("pop_overlay_none", lang), "value": "none"},
                                {"label": dataset.regions.groups[GROUP].name(lang), "value": GROUP},
                                {"label": dataset.regions.name("00", lang), "value": "00"},
                            ],
                            value=params["overlay"],
                            inline=True,
                        ),
                    ),
                    dropdown_field(t("cmp_base", lang), "pop-base", year_opts, params["base"]),
                ],
                className="controls",
            ),
            html.Div(id="pop-pyr-note"),
            dcc.Loading(dcc.Graph(id="pop-pyramid", config=graph_config(lang)), type="circle", delay_show=300),
            html.Div(id="pop-pyr-text"),
            html.Div(id="pop-check"),
            dcc.Graph(id="pop-components", config=graph_config(lang)),
            html.Div(id="pop-comp-text"),
            html.P(id="pop-comp-note", className="note"),
            dcc.Graph(id="pop-index", config=graph_config(lang)),
            html.Div(id="pop-index-text"),
            *views.view_footer("pop", lang),
        ],
        className="befolkning",
    )


PAGE.url_writer("pop-params")


@PAGE.callback(
    Output("pop-pyramid", "figure"),
    Output("pop-pyr-note", "children"),
    Output("pop-pyr-text", "children"),
    Output("pop-check", "children"),
    Output("pop-components", "figure"),
    Output("pop-comp-text", "children"),
    Output("pop-comp-note", "children"),
    Output("pop-index", "figure"),
    Output("pop-index-text", "children"),
    Output("pop-share", "href"),
    Output("pop-share", "children"),
    Output("pop-params", "data"),
    Input("pop-region", "value"),
    Input("pop-year", "value"),
    Input("pop-overlay", "value"),
    Input("pop-base", "value"),
    State("pop-lang", "data"),
)
def update(region, year, overlay, base, lang):
    raw = {"region": region, "year": year, "overlay": overlay, "base": base, "lang": lang}
    v, link, stored = views.view_answer(PATH, live_spec, render, raw)
    return (
        v["pyramid"],
        v["pyr_note"],
        v["pyr_text"],
        v["check"],
        v["components"],
        v["comp_text"],
        v["comp_note"],
        v["index"],
        v["index_text"],
        link,
        link,
        stored,
    )


def download_rows(dataset: Dataset, params: dict) -> tuple:
    """The components of change and the index rows shown (export contract)."""
    rows = pd.concat(
        [
            component_rows(dataset, params["region"], params["lang"]),
            index_rows(dataset, int(params["base"]), params["lang"]),
        ],
        ignore_index=True,
    )
    years = population_years(dataset)
    state = ViewState(
        "population",
        (params["region"],),
        int(params["base"]),
        years[-1],
        int(params["year"]),
        "index",
        int(params["base"]),
        lang=params["lang"],
    )
    return rows, state, f"befolkning_{params['region']}_{params['year']}"


views.register_download(PAGE, "pop", download_rows, spec)
