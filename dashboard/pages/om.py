"""/om (Om data): every indicator's definition, sources, licence and coverage; dataset version and runs."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import data
from dashboard.components import simple_table
from dashboard.i18n import fmt_date, norm_lang, t
from etl.catalog import Indicator
from etl.query import Dataset


def _licences(ind: Indicator, dataset: Dataset, lang: str) -> list:
    kinds = {s.kind for s in ind.sources}
    items: list = []
    if "scb" in kinds or "county_sum" in kinds:
        items.append(html.Li(t("ab_licence_scb", lang)))
    if "kolada" in kinds:
        items.append(html.Li(t("ab_licence_kolada", lang)))
    rows = dataset.rows(ind.id)
    urls = sorted({str(r) for r in rows.loc[rows["source"] == "published", "source_ref"]}) if len(rows) else []
    if "figures" in kinds or urls:
        items.append(
            html.Li(
                [
                    t("ab_licence_published", lang),
                    *[html.Div(html.A(u, href=u, target="_blank", rel="noopener", className="url")) for u in urls],
                ]
            )
        )
    if ind.derived:
        items.append(html.Li(f"{'beräknat' if lang == 'sv' else 'computed'}: {ind.formula}"))
    return [html.Ul(items)] if items else []


def _coverage(ind: Indicator, dataset: Dataset, lang: str) -> str:
    rows = dataset.rows(ind.id)
    rows = rows[rows["value"].notna()] if len(rows) else rows
    if rows.empty:
        return t("ab_no_data", lang)
    return t(
        "ab_coverage_text",
        lang,
        first=int(rows["year"].min()),
        last=int(rows["year"].max()),
        n=rows["region_code"].nunique(),
    )


def _retrieved(ind: Indicator, dataset: Dataset) -> str:
    rows = dataset.rows(ind.id)
    stamps = rows["retrieved_at"].dropna() if len(rows) else []
    return fmt_date(str(max(stamps))) if len(stamps) else "–"


def _aggregation(ind: Indicator, lang: str) -> str:
    agg = ind.aggregation
    if agg.method == "sum":
        return t("agg_sum", lang)
    if agg.method == "weighted_mean":
        return t("agg_weighted_mean", lang, weight=agg.weight)
    return t("agg_none", lang, reason=agg.reason(lang) if agg.reason else "")


def indicator_section(ind: Indicator, dataset: Dataset, lang: str) -> html.Section:
    sources = [s.describe() for s in ind.sources] or [f"= {ind.formula}"]
    rows = [
        (t("ab_definition", lang), ind.description(lang)),
        (t("ab_sources", lang), html.Ul([html.Li(s) for s in sources])),
        (t("ab_licence", lang), _licences(ind, dataset, lang)),
        (t("ab_coverage", lang), _coverage(ind, dataset, lang)),
        (t("ab_retrieved", lang), _retrieved(ind, dataset)),
        (t("ab_aggregation", lang), _aggregation(ind, lang)),
    ]
    if ind.notes or ind.breaks:
        rows.append(
            (
                t("ab_notes", lang),
                html.Ul(
                    [html.Li(n(lang)) for n in ind.notes] + [html.Li(f"{b.year}: {b.label(lang)}") for b in ind.breaks]
                ),
            )
        )
    return html.Section(
        [
            html.H3(f"{ind.label(lang)} ({ind.id})"),
            html.Dl([part for k, v in rows for part in (html.Dt(k), html.Dd(v))], className="facts"),
        ],
        className="indicator",
        id=f"om-{ind.id}",
    )


def layout(written: Any = None, **params: Any) -> html.Div:
    lang = norm_lang(params.get("lang"))
    source = data.source()
    dataset = source.dataset()
    state = source.state()
    runs = source.recent_runs(10)
    sections: list = []
    for theme_id, theme in dataset.catalog.themes.items():
        members = [i for i in dataset.catalog.indicators.values() if i.theme == theme_id]
        if members:
            sections.append(html.H2(theme(lang)))
            sections += [indicator_section(i, dataset, lang) for i in members]
    run_rows = [
        (r.get("started_at", ""), r.get("trigger", ""), r.get("status", ""), r.get("dataset_version") or "–")
        for r in runs
    ]
    return html.Div(
        [
            html.H1(t("page_about", lang)),
            html.P(t("ab_intro", lang), className="lead"),
            html.P(
                t("ab_dataset", lang, version=state.version, published=state.published_at, origin=state.origin)
                if state
                else t("data_unavailable", lang),
                id="om-dataset",
            ),
            html.H2(t("ab_licences", lang)),
            html.Ul([html.Li(t(k, lang)) for k in ("ab_licence_scb", "ab_licence_kolada", "ab_licence_published")]),
            html.H2(t("ab_runs", lang)),
            simple_table(
                [t(k, lang) for k in ("ab_run_started", "ab_run_trigger", "ab_run_status", "ab_run_version")],
                run_rows,
                table_id="om-runs",
            )
            if run_rows
            else html.P(t("ab_no_runs", lang)),
            *sections,
        ],
        className="om",
    )


def register(app: dash.Dash) -> None:
    dash.register_page(__name__, path="/om", name="Om data", title="Om data – Nyckeltal Södertörn", layout=layout)
