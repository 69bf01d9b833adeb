"""/jamfor's view: the charts, table and texts for a ViewState, built from etl.query.query_columns().

Views and query results are remembered per dataset version (a publish starts afresh); callers must not
modify what they get.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
from dash import dcc, html

from dashboard import gaps
from dashboard.a11y import _join as join_names
from dashboard.a11y import ranking_summary, series_summary
from dashboard.annotations import break_list, marks_of
from dashboard.downloads import unit_label
from dashboard.figures import empty_spec, ranking_spec, region_colours, timeseries_spec
from dashboard.i18n import fmt_number, t
from dashboard.pages.jamfor_options import region_names
from dashboard.references import fitting_modes, flattening_ratio, needs_panel
from dashboard.sources_text import source_name
from dashboard.state import GROUP, REFERENCES, ViewState, to_query
from etl.query import Dataset, Selection, query_columns

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
        # each under its own chart (the page's jf-ts-summary and jf-rank-summary)
        "ts_summary": series_summary(frame, title, unit, decimals, lang) if frame is not None else "",
        "rank_summary": ranking_summary(rank_values, rank_title, unit, decimals, lang, state.year),
        # what the chart shows, above it: the mode's explanation, the references' own panel
        "explain": [
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
