"""/om (Om data): every indicator's definition, sources, licence and coverage; dataset version, the last runs and each indicator's freshness."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import html

from dashboard import data
from dashboard.api_params import Limits
from dashboard.components import simple_table
from dashboard.i18n import TEXTS, fmt_date, fmt_number, fmt_time, norm_lang, t
from dashboard.page_kit import Page
from dashboard.sources_text import source_description
from etl.catalog import Indicator
from etl.freshness import assess_all, run_counts
from etl.keyfigures_table import is_pending
from etl.query import Dataset
from etl.urls import is_url, url_part

# live: the runs table and the source stamps change with a failed refresh, without a new dataset version
PAGE = Page(
    __name__, path="/om", name="Om data", title="Om data – Nyckeltal Södertörn", nav="nav_about", order=6, live=True
)


def _licences(ind: Indicator, dataset: Dataset, lang: str) -> list:
    kinds = {s.kind for s in ind.sources}
    items: list = []
    if "scb" in kinds or "county_sum" in kinds:
        items.append(html.Li(t("ab_licence_scb", lang)))
    if "kolada" in kinds:
        items.append(html.Li(t("ab_licence_kolada", lang)))
    rows = dataset.rows(ind.id)
    urls = sorted({url_part(r) for r in rows["source_ref"].dropna().astype(str) if is_url(r)}) if len(rows) else []
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
        pending = is_pending(dataset, ind, data.fetched_indicators())
        return t("kf_pending", lang) if pending else t("ab_no_data", lang)
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
    sources = [source_description(s, lang) for s in ind.sources] or [t("src_formula", lang, formula=ind.formula)]
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
            html.H3([ind.label(lang), " (", html.Code(breakable_id(ind.id)), ")"]),
            html.Dl([part for k, v in rows for part in (html.Dt(k), html.Dd(v))], className="facts"),
        ],
        className="indicator",
        id=f"om-{ind.id}",
    )


def breakable_id(identifier: str) -> list:
    """An identifier that may wrap after each underscore (a phone breaks `net_cost_compulsory_school` there,
    not inside a word): its parts with a <wbr> after every "_"; the text stays the same."""
    head, *rest = identifier.split("_")
    parts: list = [head]
    for piece in rest:
        parts[-1] += "_"
        parts += [html.Wbr(), piece]
    return parts


def _origin(origin: str, lang: str) -> str:
    """Where the published dataset came from, in the page's language (unknown origins as stored)."""
    key = f"origin_{origin}"
    return t(key, lang) if key in TEXTS[norm_lang(lang)] else origin


def _status_text(run: dict[str, Any], lang: str) -> str:
    key = f"run_status_{run.get('status')}"
    return t(key, lang) if key in TEXTS[lang] else str(run.get("status"))


def runs_section(runs: list[dict[str, Any]], lang: str) -> Any:
    """The last runs: when, why, outcome, what each did to the indicators and rows, and any error."""
    if not runs:
        return html.P(t("ab_no_runs", lang))
    rows = []
    for r in runs:
        c = run_counts(r.get("details") or {})
        trigger = f"run_trigger_{r.get('trigger')}"
        problem = (r.get("error") or "").strip().splitlines() or [r.get("validation") or ""]
        rows.append(
            (
                fmt_time(r.get("started_at")),
                fmt_time(r.get("finished_at")) or t("ab_run_unfinished", lang),
                t(trigger, lang) if trigger in TEXTS[lang] else r.get("trigger", ""),
                html.Span(_status_text(r, lang), className=f"run-status run-{r.get('status')}"),
                r.get("dataset_version") or "–",
                t("ab_run_indicators_text", lang, **{k: c[k] for k in ("fetched", "unchanged", "failed")}),
                t(
                    "ab_run_rows_text",
                    lang,
                    added=c["rows_added"],
                    changed=c["rows_changed"],
                    removed=c["rows_removed"],
                ),
                problem[0][:300],
            )
        )
    keys = (
        "ab_run_started",
        "ab_run_finished",
        "ab_run_trigger",
        "ab_run_status",
        "ab_run_version",
        "ab_run_indicators",
        "ab_run_rows",
        "ab_run_problem",
    )
    return simple_table([t(k, lang) for k in keys], rows, table_id="om-runs")


def freshness_section(dataset: Dataset, source_updated: dict[str, dict[str, str]], lang: str) -> list:
    """Every indicator's newest year, the year expected by now, the source's update stamp, and stale or not."""
    fresh = assess_all(dataset.catalog, dataset.observations, source_updated, datetime.now(UTC))
    fetched = data.fetched_indicators()
    pending = {i.id for i in dataset.catalog.indicators.values() if is_pending(dataset, i, fetched)}
    rows = []
    for ind in dataset.catalog.indicators.values():
        f = fresh[ind.id]
        key = (
            "fresh_no_data" if f.state == "no_data" else f"fresh_stale_{f.reason}" if f.state == "stale" else "fresh_ok"
        )
        if f.state == "no_data" and ind.id in pending:
            key = "kf_pending"
        rows.append(
            (
                f"{ind.label(lang)} ({ind.id})",
                f.latest_year or "–",
                f.expected_year,
                fmt_date(f.source_updated) if f.source_updated else "–",
                fmt_date(f.retrieved_at) if f.retrieved_at else "–",
                html.Span(t(key, lang), className=f"fresh fresh-{f.state}"),
            )
        )
    stale = sum(1 for f in fresh.values() if f.state == "stale")
    keys = (
        "ab_indicator",
        "ab_fresh_latest",
        "ab_fresh_expected",
        "ab_fresh_source_updated",
        "ab_retrieved",
        "ab_fresh_state",
    )
    return [
        html.H2(t("ab_freshness", lang)),
        html.P(t("ab_freshness_intro", lang)),
        html.P(t("ab_stale_count", lang, n=stale, total=len(fresh)), id="om-stale-count"),
        simple_table([t(k, lang) for k in keys], rows, table_id="om-freshness"),
    ]


API_EXAMPLE = "/api/v1/observations.csv?indicator=population&regions=sodertorn,0127&from=2000&to=2024&sep=;&decimal=,"


def api_section(lang: str) -> list:
    """The data API in brief: endpoints, an example link, the limits (details in docs/exports-and-api.md)."""
    limits = Limits.from_settings()
    endpoints = [
        ("/api/v1/indicators", "ab_api_indicators"),
        ("/api/v1/regions", "ab_api_regions"),
        ("/api/v1/observations.csv | .json", "ab_api_observations"),
        ("/api/v1/bundle.zip", "ab_api_bundle"),
    ]
    return [
        html.H2(t("ab_api", lang), id="om-api"),
        html.P(t("ab_api_intro", lang)),
        html.Ul([html.Li([html.Code(path), " – ", t(key, lang)]) for path, key in endpoints]),
        html.P([t("ab_api_example", lang), " ", html.A(html.Code(API_EXAMPLE), href=API_EXAMPLE, className="url")]),
        html.P(
            t(
                "ab_api_limits",
                lang,
                **{
                    name: fmt_number(value, 0, lang)
                    for name, value in (
                        ("indicators", limits.max_indicators),
                        ("regions", limits.max_regions),
                        ("rows", limits.max_rows),
                    )
                },
            )
        ),
    ]


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
    try:
        source_updated = source.store.source_updated()
    except Exception:  # the page still shows the data when the stamps cannot be read
        source_updated = {}
    return html.Div(
        [
            html.H1(t("page_about", lang)),
            html.P(t("ab_intro", lang), className="lead"),
            html.P(
                t(
                    "ab_dataset",
                    lang,
                    version=state.version,
                    published=fmt_time(state.published_at),
                    origin=_origin(state.origin, lang),
                )
                if state
                else t("data_unavailable", lang),
                id="om-dataset",
            ),
            *api_section(lang),
            html.H2(t("ab_licences", lang)),
            html.Ul([html.Li(t(k, lang)) for k in ("ab_licence_scb", "ab_licence_kolada", "ab_licence_published")]),
            html.H2(t("ab_runs", lang)),
            runs_section(runs, lang),
            *freshness_section(dataset, source_updated, lang),
            *sections,
        ],
        className="om",
    )
