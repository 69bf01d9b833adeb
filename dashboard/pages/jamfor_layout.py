"""/jamfor's page: the controls and the chart area for the URL's ViewState, and the main callback's outputs.

The first view is rendered into the layout, so the first paint needs no callback.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard import data
from dashboard.components import download_buttons, field, indicator_picker
from dashboard.figures import empty_spec, graph_config
from dashboard.i18n import t
from dashboard.page_params import notice_block, share_link, strip_private
from dashboard.pages.jamfor_options import (
    indicator_options,
    mode_options,
    pending_notice,
    reference_options,
    region_options,
    sex_options,
    year_options,
)
from dashboard.pages.jamfor_view import PATH, no_table, notes_block, render_view
from dashboard.state import REFERENCES, ViewState, context_from, parse_query, to_params, to_query
from etl.query import Dataset, QueryError


def layout(written: Any = None, **params: Any) -> Any:
    """The page for the query string `params`; no re-render when the page itself just wrote them."""
    params = strip_private(params)
    if written is not None and written == params:
        return dash.no_update
    dataset = data.dataset()
    state = parse_query(params, context_from(dataset))
    lang = state.lang
    # the first view is part of the page: the chart is drawn without waiting for a callback
    outputs = view_outputs(dataset, state)
    ts, rank, table, explain, notes, error, link, _, written_params = outputs[:9]
    gap_notes, rank_count, region_opts, ref_opts, ts_breaks, ts_summary, rank_summary = outputs[9:]
    notices = notice_block(state.notices, lang) + pending_notice(dataset, params.get("indicator"), lang)
    return html.Div(
        [
            html.H1(t("page_compare", lang)),
            dcc.Store(id="jf-lang", data=lang),
            dcc.Store(id="jf-params", data=written_params),
            html.Div(notices, id="jf-notice"),
            html.Div(controls(dataset, state, region_opts, ref_opts), className="controls"),
            html.Div(error, id="jf-error"),
            html.Div(explain, id="jf-explain"),
            dcc.Loading(dcc.Graph(id="ts-graph", figure=ts, config=graph_config(lang)), type="circle", delay_show=300),
            # the chart's text alternative right under it (issue 9), as on the other pages
            html.P(ts_summary, id="jf-ts-summary", className="chart-summary"),
            html.Div(ts_breaks, id="jf-ts-breaks-box"),
            html.Div(gap_notes, id="jf-gaps", className="notice gaps", **{"aria-live": "polite"}),
            dcc.Loading(
                dcc.Graph(id="rank-graph", figure=rank, config=graph_config(lang)), type="circle", delay_show=300
            ),
            html.P(rank_summary, id="jf-rank-summary", className="chart-summary"),
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


def controls(dataset: Dataset, state: ViewState, region_opts: list, ref_opts: list) -> list:
    """The view's controls, set to `state`."""
    lang = state.lang
    first, last = dataset.years(state.indicator) or (state.year_from, state.year_to)
    return [
        indicator_picker(
            "jf-indicator", indicator_options(dataset, lang, with_pending=True), state.indicator, lang, searchable=True
        ),
        field(t("cmp_regions", lang), region_picker(region_opts, state), class_name="field wide"),
        field(
            t("cmp_reference", lang),
            dcc.Checklist(id="jf-ref", options=ref_opts, value=list(state.ref), inline=True, className="checks"),
        ),
        field(
            t("cmp_mode", lang),
            dcc.RadioItems(
                id="jf-mode", options=mode_options(dataset, state.indicator, lang), value=state.mode, className="checks"
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
                    year_dropdown("jf-from", first, last, state.year_from),
                    html.Span("–"),
                    year_dropdown("jf-to", first, last, state.year_to),
                ],
                className="year-range",
            ),
        ),
        field(t("cmp_rank_year", lang), year_dropdown("jf-year", state.year_from, state.year_to, state.year)),
    ]


def year_dropdown(control_id: str, first: int, last: int, value: int) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=control_id, options=year_options(first, last), value=value, clearable=False, className="year"
    )


def region_picker(region_opts: list, state: ViewState) -> html.Div:
    """The quick picks (Södertörn, all, none) over the checklist of Södertörn and the eight."""
    lang = state.lang
    picks = [
        html.Button(t("cmp_pick_sodertorn", lang), id="jf-pick-sodertorn", className="btn small"),
        html.Button(t("cmp_pick_all", lang), id="jf-pick-all", className="btn small"),
        html.Button(t("cmp_pick_none", lang), id="jf-pick-none", className="btn small"),
    ]
    return html.Div(
        [
            html.Div(picks, className="quick-picks"),
            dcc.Checklist(
                id="jf-regions", options=region_opts, value=list(state.regions), className="checks", inline=True
            ),
        ]
    )


def state_from_controls(lang, indicator, regions, ref, mode, base, sex, year_from, year_to, year) -> ViewState:
    """The ViewState the controls show (parsed as a URL is: a stale or altered value falls back)."""
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
    list of the ts figure's series breaks, and the two charts' text summaries."""
    search = to_query(state)
    link = share_link(PATH, search)
    params = {"search": search, "params": to_params(state)}
    try:
        view = render_view(dataset, state)
    except QueryError as exc:
        empty = empty_spec(t("cmp_no_data", state.lang), state.lang)
        error = html.P(t("notice_query", state.lang, message=str(exc)), className="notice warn")
        options = (region_options(dataset, state.lang), reference_options(dataset, state.lang))
        notes = notes_block(dataset, state)
        return (empty, empty, no_table(), [], notes, error, link, link, params, [], "", *options, [], "", "")
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
        view["ts_summary"],
        view["rank_summary"],
    )
