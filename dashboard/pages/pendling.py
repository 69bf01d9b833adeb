"""/pendling: commuting per municipality over time, net commuting ranked, and flows.

Södertörn is computed as a region: its net commuting is the sum of the members'
(flows between two members cancel out), but its in- and out-commuting are not
sums of the municipal figures (commuting between two members is internal): they
are shown only when the store has the flows between every pair of members.
URL: region, year, lang.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.a11y import flows_summary, ranking_summary, series_summary
from dashboard.annotations import break_list, marks_of
from dashboard.callback_guard import ID, optional
from dashboard.components import dropdown_field, simple_table
from dashboard.figures import _clean, empty_figure, graph_config, ranks
from dashboard.figures_maps import (
    COMMUTING_SERIES,
    DAY_NIGHT_SERIES,
    lines_figure,
    net_ranking_figure,
    sankey_figure,
)
from dashboard.gaps import year_spans
from dashboard.geo import municipality_names
from dashboard.i18n import fmt_number, t
from dashboard.opening import flows_touching, newest_with
from dashboard.page_kit import Page
from dashboard.page_params import Param
from dashboard.pages import views_common as views
from dashboard.sources_text import source_ref_text
from dashboard.state import GROUP, ViewState
from etl.query import Dataset, Selection, query
from etl.query_tables import flow_years, region_commuting, valued_years, values_in

PATH = "/pendling"
PAGE = Page(
    __name__,
    path=PATH,
    name="Pendling",
    title="Pendling – Nyckeltal Södertörn",
    nav="nav_commuting",
    order=4,
    property_types={"pd-region.value": optional(ID), "pd-year.value": optional(ID)},  # texts: page_params.Param
)
LINE_INDICATORS = tuple(s[0] for s in COMMUTING_SERIES)
DAY_NIGHT = DAY_NIGHT_SERIES
CHART_INDICATORS = LINE_INDICATORS + tuple(s[0] for s in DAY_NIGHT)


def commuting_years(dataset: Dataset) -> list[int]:
    return valued_years(dataset, "net_commuting", dataset.regions.groups[GROUP].members)


def spec(dataset: Dataset, flows: pd.DataFrame | None = None) -> Any:
    """The URL parameters. The year defaults to the newest with flows for the chosen region (with `flows`)."""
    members = list(dataset.regions.groups[GROUP].members)
    all_years = commuting_years(dataset)
    years = [str(y) for y in all_years]

    def params(chosen: dict[str, str]) -> list[Param]:
        region = chosen.get("region", members[0])
        touching = flows_touching(flows, region, members, GROUP) if flows is not None else None
        default = newest_with(all_years, flow_years(touching)) if touching is not None else all_years[-1]
        return [Param("region", [GROUP, *members], members[0]), Param("year", years, str(default))]

    return params


def live_spec(dataset: Dataset) -> Any:
    """spec() with the store's flows (the page and its callback)."""
    return spec(dataset, views.side_tables()[0])


def names_for(dataset: Dataset, lang: str) -> dict[str, str]:
    names = dict(municipality_names())
    names.update({c: dataset.regions.name(c, lang) for c in dataset.regions.regions})
    names[GROUP] = dataset.regions.groups[GROUP].name(lang)
    return names


def chart_rows(dataset: Dataset, region: str, lang: str) -> pd.DataFrame:
    """The rows behind the two time-series charts (export contract), indicator by indicator."""
    years = commuting_years(dataset)
    frames = [
        query(dataset, Selection(ind, (region,), years[0], years[-1], "T", "value"), lang) for ind in CHART_INDICATORS
    ]
    return pd.concat(frames, ignore_index=True)


def region_figures(
    dataset: Dataset, flows: pd.DataFrame, year: int, lang: str
) -> tuple[dict[str, float | None], str | None]:
    """Södertörn's own in/out-commuting for `year` when the pair flows allow, else a note why not."""
    members = list(dataset.regions.groups[GROUP].members)

    ins, outs = (values_in(dataset, ind, members, year) for ind in ("in_commuters", "out_commuters"))
    rc = region_commuting(flows, members, year, ins, outs)
    if rc.complete and rc.in_commuters is not None:
        return {"in": rc.in_commuters, "out": rc.out_commuters, "internal": rc.internal}, None
    return {}, t("pd_region_no_pairs", lang, year=year)


def render(dataset: Dataset, params: dict[str, str], flows: pd.DataFrame | None = None) -> dict[str, Any]:
    lang = params["lang"]
    region = params["region"]
    year = int(params["year"])
    names = names_for(dataset, lang)
    cat = dataset.catalog.indicators
    unit = cat["in_commuters"].unit.label(lang)
    breaks = [(b.year, b.label(lang)) for b in cat["in_commuters"].breaks]
    rows = chart_rows(dataset, region, lang)

    def chart(series: tuple, title: str) -> Any:
        return lines_figure(rows, [(i, cat[i].label(lang), c, d) for i, c, d in series], lang, title, unit, breaks)

    lines_title = t("pd_lines_title", lang, name=names[region])
    lines = chart(COMMUTING_SERIES, lines_title)
    day_night_title = t("pd_day_night_title", lang, name=names[region])
    day_night = chart(DAY_NIGHT, day_night_title)
    members = list(dataset.regions.groups[GROUP].members)
    rank_rows = query(dataset, Selection("net_commuting", (GROUP, *members), year, year, "T", "value"), lang)
    values = {str(c): _clean(v) for c, v in zip(rank_rows["region_code"], rank_rows["value"], strict=True)}
    rank_title = t("pd_rank_title", lang, year=year)
    ranking = net_ranking_figure(values, names, year, lang, rank_title, unit)
    flows = views.side_tables()[0] if flows is None else flows
    notes: list = []
    if region == GROUP:
        for ind in ("in_commuters", "out_commuters", "live_and_work"):
            agg = cat[ind].aggregation
            if agg.method == "none" and agg.reason:
                notes.append(html.P(f"{cat[ind].label(lang)}: {agg.reason(lang)}", className="notice"))
        own, why = region_figures(dataset, flows, year, lang)
        if own:
            notes.append(
                html.P(
                    t(
                        "pd_region_own",
                        lang,
                        year=year,
                        inc=fmt_number(own["in"], 0, lang),
                        out=fmt_number(own["out"], 0, lang),
                        internal=fmt_number(own["internal"], 0, lang),
                    ),
                    className="notice",
                    id="pd-region-own",
                )
            )
        elif why:
            notes.append(html.P(why, className="notice", id="pd-region-own"))
    notes.append(html.P(t("pd_internal_note", lang), className="note"))
    # flows
    touching = flows_touching(flows, region, members, GROUP)
    in_year = touching[(touching["year"] == year) & touching["value"].notna()]
    available = flow_years(touching)
    last = commuting_years(dataset)[-1]
    if available and year == available[-1]:  # why this year (the view opens on it)
        key = "pd_year_chosen" if year < last else "pd_year_chosen_last"
        notes.insert(
            0, html.P(t(key, lang, year=year, name=names[region], last=last), className="notice", id="pd-year-why")
        )
    flows_title = t("pd_flows_title", lang, year=year, name=names[region])
    if in_year.empty:
        sankey = empty_figure(t("pd_no_flows", lang, year=year), lang)
        flow_note = t("pd_no_flows_years", lang, years=year_spans(available) if available else t("pd_none", lang))
        flows_text: list = []
    else:
        sankey = sankey_figure(in_year, names, year, lang, flows_title)
        sources = sorted({source_ref_text(r, lang) for r in in_year["source_ref"]})
        # the sources are cited as published (a table's title is its name)
        flow_note = [
            t("pd_flows_source", lang, n=len(in_year), sources="").rstrip() + " ",
            html.Cite("; ".join(sources)),
        ]
        flows_text = flows_block(in_year, names, flows_title, unit, lang)
    table = simple_table(
        [t("cmp_col_region", lang), t("pd_col_indicator", lang), t("cmp_col_year", lang), t("cmp_col_value", lang)],
        [(r.region, r.indicator, str(r.year), fmt_number(r.value, 0, lang)) for r in rows.itertuples(index=False)],
        table_id="pd-data-table",
        numeric=(2, 3),
    )
    return {
        "lines": lines,
        "lines_text": views.chart_text(
            "pd-lines", indicator_summary(rows, COMMUTING_SERIES, lines_title, unit, lang), lines_title, lang
        )
        + break_list(marks_of(lines), lang, "pd-lines-breaks"),
        "day_night": day_night,
        "day_night_text": views.chart_text(
            "pd-day-night", indicator_summary(rows, DAY_NIGHT, day_night_title, unit, lang), day_night_title, lang
        )
        + break_list(marks_of(day_night), lang, "pd-day-night-breaks"),
        "ranking": ranking,
        "ranking_text": ranking_block(values, names, members, rank_title, unit, lang),
        "flows_text": flows_text,
        "sankey": sankey,
        "flow_note": flow_note,
        "notes": notes,
        "table": table,
    }


def indicator_summary(
    rows: pd.DataFrame, series: tuple[tuple[str, str, str], ...], title: str, unit: str, lang: str
) -> str:
    """The summary of a chart with one line per indicator (of one area): the indicators take the place of
    series_summary's regions. The chart's data is the page's data table (pd-data-table)."""
    ids = [s[0] for s in series]
    frame = rows[rows["indicator_id"].isin(ids)].copy()
    frame["order"] = frame["indicator_id"].map(ids.index)
    frame = frame.sort_values(["order", "year"], kind="stable")
    return series_summary(
        {"region": frame["indicator"].tolist(), "year": frame["year"].tolist(), "value": frame["value"].tolist()},
        title,
        unit,
        0,
        lang,
    )


def ranking_block(
    values: dict[str, float | None], names: dict[str, str], members: list[str], title: str, unit: str, lang: str
) -> list:
    """Net commuting ranked: the summary (the eight; Södertörn as a region in its own sentence, as it is no
    municipality) and the table, highest first, with signed values and ranks in text."""
    text = ranking_summary({names[c]: values.get(c) for c in members}, title, unit, 0, lang)
    if values.get(GROUP) is not None:
        own = f"{fmt_number(values[GROUP], 0, lang, sign=True)} {unit}"
        text += " " + t("a11y_region_value", lang, region=names[GROUP], value=own)
    rank = ranks({c: values.get(c) for c in members})
    order = sorted(members, key=lambda c: (rank[c] is None, rank[c] or 0))
    rows = [(names[c], fmt_number(values.get(c), 0, lang, sign=True), str(rank[c] or "–")) for c in order]
    if GROUP in values:
        rows.append((names[GROUP], fmt_number(values[GROUP], 0, lang, sign=True), "–"))
    columns = [t("cmp_col_region", lang), f"{t('cmp_col_value', lang)} ({unit})", t("a11y_rank_col", lang)]
    return views.chart_text("pd-rank", text, title, lang, (columns, rows, (1, 2)))


def flows_block(in_year: pd.DataFrame, names: dict[str, str], title: str, unit: str, lang: str) -> list:
    """The flows' summary and table (home -> work, persons), largest first."""
    flows = [
        (names.get(a, a), names.get(b, b), float(v))
        for a, b, v in zip(in_year["from_code"], in_year["to_code"], in_year["value"], strict=True)
    ]
    flows.sort(key=lambda f: (-f[2], f[0], f[1]))
    columns = [t("a11y_col_from", lang), t("a11y_col_to", lang), f"{t('cmp_col_value', lang)} ({unit})"]
    rows = [(a, b, fmt_number(v, 0, lang)) for a, b, v in flows]
    return views.chart_text("pd-flows", flows_summary(flows, title, unit, lang), title, lang, (columns, rows, (2,)))


def layout(written: Any = None, **raw: Any) -> Any:
    return views.view_layout(raw, written, live_spec, page)


def page(dataset: Dataset, params: dict, notices: tuple) -> Any:
    """The page for its parsed URL."""
    lang = params["lang"]
    names = names_for(dataset, lang)
    members = list(dataset.regions.groups[GROUP].members)
    years = commuting_years(dataset)
    return html.Div(
        [
            *views.view_header("pd", "page_commuting", "pd_intro", notices, params),
            html.Div(
                [
                    dropdown_field(
                        t("pd_region", lang),
                        "pd-region",
                        [{"label": t("pd_region_sodertorn", lang), "value": GROUP}]
                        + [{"label": names[c], "value": c} for c in members],
                        params["region"],
                    ),
                    dropdown_field(
                        t("pd_year", lang),
                        "pd-year",
                        [{"label": str(y), "value": str(y)} for y in reversed(years)],
                        params["year"],
                        className="year",
                    ),
                ],
                className="controls",
            ),
            html.Div(id="pd-notes"),
            dcc.Loading(dcc.Graph(id="pd-lines", config=graph_config(lang)), type="circle", delay_show=300),
            html.Div(id="pd-lines-text"),
            dcc.Graph(id="pd-day-night", config=graph_config(lang)),
            html.Div(id="pd-day-night-text"),
            dcc.Graph(id="pd-ranking", config=graph_config(lang)),
            html.Div(id="pd-rank-text"),
            html.H2(t("pd_flows_heading", lang)),
            dcc.Graph(id="pd-sankey", config=graph_config(lang)),
            html.Div(id="pd-flows-text"),
            html.P(id="pd-flow-note", className="note"),
            *views.view_footer("pd", lang, "pd-table"),
        ],
        className="pendling",
    )


def _state(dataset: Dataset, params: dict[str, str]) -> ViewState:
    years = commuting_years(dataset)
    return ViewState(
        "net_commuting", (params["region"],), years[0], years[-1], int(params["year"]), lang=params["lang"]
    )


PAGE.url_writer("pd-params")


@PAGE.callback(
    Output("pd-lines", "figure"),
    Output("pd-day-night", "figure"),
    Output("pd-ranking", "figure"),
    Output("pd-sankey", "figure"),
    Output("pd-lines-text", "children"),
    Output("pd-day-night-text", "children"),
    Output("pd-rank-text", "children"),
    Output("pd-flows-text", "children"),
    Output("pd-flow-note", "children"),
    Output("pd-notes", "children"),
    Output("pd-table", "children"),
    Output("pd-share", "href"),
    Output("pd-share", "children"),
    Output("pd-params", "data"),
    Input("pd-region", "value"),
    Input("pd-year", "value"),
    State("pd-lang", "data"),
)
def update(region, year, lang):
    v, link, stored = views.view_answer(PATH, live_spec, render, {"region": region, "year": year, "lang": lang})
    return (
        v["lines"],
        v["day_night"],
        v["ranking"],
        v["sankey"],
        v["lines_text"],
        v["day_night_text"],
        v["ranking_text"],
        v["flows_text"],
        v["flow_note"],
        v["notes"],
        v["table"],
        link,
        link,
        stored,
    )


def download_rows(dataset: Dataset, params: dict) -> tuple:
    state = _state(dataset, params)
    stem = f"pendling_{params['region']}_{state.year_from}-{state.year_to}"
    return chart_rows(dataset, params["region"], params["lang"]), state, stem


views.register_download(PAGE, "pd", download_rows, spec)
