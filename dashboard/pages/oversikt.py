"""/ (Översikt): the latest headline figures for Södertörn and each municipality, with a summary each."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from dash import dcc, html

from dashboard import data
from dashboard.figures import ranks, region_colours
from dashboard.i18n import fmt_number, fmt_percent, norm_lang, t
from dashboard.page_kit import Page
from dashboard.sources_text import source_ref_text
from dashboard.state import GROUP
from etl.freshness import expected_year
from etl.query import Dataset, QueryError, Selection, query
from etl.urls import is_url, url_part

REFS = ("01", "00")
PAGE = Page(__name__, path="/", name="Översikt", title="Nyckeltal Södertörn", nav="nav_overview", order=0)


@dataclass(frozen=True)
class Figure:
    value: float | None
    year: int | None
    source: str
    url: str | None = None
    old: bool = False  # from a year older than the indicator's cadence expects by now (shown with its year)


def _source_label(row: Any, lang: str) -> tuple[str, str | None]:
    if is_url(str(row.source_ref)):  # a published figure: its publisher, linked to the page
        return str(row.source), url_part(str(row.source_ref))
    if row.source == "computed":
        return ("beräknad" if lang == "sv" else "computed"), None
    return source_ref_text(str(row.source_ref), lang) if str(row.source_ref) else str(row.source), None


def latest(frame: pd.DataFrame, code: str, lang: str, year: int | None = None) -> Figure:
    """The region's value in `year`, or its latest year with a value."""
    rows = frame[(frame["region_code"] == code) & frame["value"].notna()]
    if year is not None:
        rows = rows[rows["year"] == year]
    if rows.empty:
        return Figure(None, year, "")
    row = next(rows.sort_values("year").tail(1).itertuples(index=False))
    label, url = _source_label(row, lang)
    return Figure(float(row.value), int(row.year), label, url)


def _safe_query(dataset: Dataset, sel: Selection, lang: str) -> pd.DataFrame:
    try:
        return query(dataset, sel, lang)
    except QueryError:
        return pd.DataFrame(columns=["region_code", "year", "value", "source", "source_ref", "status", "region"])


def dated(fig: Figure, cadence_months: int, now: datetime) -> Figure:
    """`fig` marked old when its year is before the newest year its source's cadence expects by `now`."""
    return replace(
        fig, old=fig.value is not None and fig.year is not None and fig.year < expected_year(cadence_months, now)
    )


def overview_figures(dataset: Dataset, lang: str, now: datetime | None = None) -> dict[str, Any]:
    """Headline figures per region code (the eight, Södertörn, 01, 00) and the growth ranking; each figure
    marked `old` when its year is older than its indicator's cadence expects at `now` (default: now)."""
    now = now or datetime.now(UTC)
    cadence = {i.id: i.cadence_months for i in dataset.catalog.indicators.values()}
    members = tuple(dataset.regions.groups[GROUP].members)
    codes = (GROUP, *members, *REFS)
    pop = _safe_query(dataset, Selection("population", codes), lang)
    # the latest year with a value for every one of the eight
    complete = pop[pop["region_code"].isin(members) & pop["value"].notna()].groupby("year")["region_code"].nunique()
    year = int(complete[complete == len(members)].index.max()) if len(complete) else None
    growth = _safe_query(dataset, Selection("population", codes, mode="change"), lang)
    commuting = _safe_query(dataset, Selection("net_commuting", (GROUP, *members)), lang)
    tax = _safe_query(dataset, Selection("tax_rate_total", (GROUP, *members, *REFS)), lang)
    out: dict[str, dict[str, Figure]] = {}
    for code in codes:
        p = latest(pop, code, lang, year)
        prev = latest(pop, code, lang, year - 1 if year else None)
        out[code] = {
            "population": dated(p, cadence["population"], now),
            "change": dated(
                Figure(
                    p.value - prev.value if p.value is not None and prev.value is not None else None,
                    year,
                    p.source,
                    p.url,
                ),
                cadence["population"],
                now,
            ),
            "growth": dated(latest(growth, code, lang, year), cadence["population"], now),
            "net_commuting": dated(latest(commuting, code, lang), cadence["net_commuting"], now),
            "tax": dated(latest(tax, code, lang), cadence["tax_rate_total"], now),
        }
    growth_rank = ranks({c: out[c]["growth"].value for c in members})
    return {"year": year, "figures": out, "rank": growth_rank, "members": members}


def summary_sentence(name: str, fig: dict[str, Figure], county: Figure, rank: int | None, lang: str) -> str:
    g = fig["growth"]
    if g.value is None or rank is None:
        return t("ov_summary_none", lang, name=name, year=g.year or "–")
    key = "ov_summary" if g.value >= 0 else "ov_summary_shrink"
    if county.value is None:  # no comparison with a missing figure: the sentence says it is missing
        return t(key + "_no_county", lang, name=name, growth=fmt_percent(abs(g.value), 1, lang), year=g.year, rank=rank)
    diff = g.value - county.value
    relation = t("ov_same", lang) if abs(diff) < 0.05 else t("ov_above" if diff > 0 else "ov_below", lang)
    return t(
        key,
        lang,
        name=name,
        growth=fmt_percent(abs(g.value), 1, lang),
        year=g.year,
        rank=rank,
        relation=relation,
        county=fmt_percent(county.value, 1, lang),
    )


def _stat(label: str, value: str, fig: Figure, lang: str, extra: str | None = None) -> html.Div:
    source = html.A(fig.source, href=fig.url, target="_blank", rel="noopener") if fig.url else fig.source
    meta = (
        [str(fig.year) if fig.year else t("ov_missing", lang), " · ", source]
        if fig.value is not None
        else [t("ov_missing", lang)]
    )
    if fig.old:  # an old year says so beside the figure, not only in its small print
        value = [value, html.Span(t("ov_latest_year", lang, year=fig.year), className="stat-age")]
    parts = [html.Div(label, className="stat-label"), html.Div(value, className="stat-value")]
    if extra:
        parts.append(html.Div(extra, className="stat-extra"))
    parts.append(html.Div(meta, className="stat-meta"))
    return html.Div(parts, className="stat")


def card(dataset: Dataset, code: str, info: dict[str, Any], lang: str, colour: str) -> html.Div:
    figs = info["figures"][code]
    county, country = info["figures"]["01"], info["figures"]["00"]
    name = dataset.regions.groups[GROUP].name(lang) if code == GROUP else dataset.regions.name(code, lang)
    change = figs["change"].value
    stats = [
        _stat(
            t("ov_population", lang),
            fmt_number(figs["population"].value, 0, lang),
            figs["population"],
            lang,
            extra=(t("ov_change", lang) + " " + fmt_number(change, 0, lang, sign=True)) if change is not None else None,
        ),
        _stat(
            t("ov_growth", lang),
            fmt_percent(figs["growth"].value, 1, lang, sign=True),
            figs["growth"],
            lang,
            extra=t(
                "ov_growth_vs",
                lang,
                county=fmt_percent(county["growth"].value, 1, lang, sign=True),
                country=fmt_percent(country["growth"].value, 1, lang, sign=True),
            ),
        ),
        _stat(
            t("ov_net_commuting", lang),
            fmt_number(figs["net_commuting"].value, 0, lang, sign=True),
            figs["net_commuting"],
            lang,
        ),
        _stat(t("ov_tax", lang), fmt_percent(figs["tax"].value, 2, lang), figs["tax"], lang),
    ]
    if code == GROUP:
        summary = t("ov_aggregate", lang)
    else:
        summary = summary_sentence(name, figs, county["growth"], info["rank"].get(code), lang)
    regions = code if code != GROUP else GROUP
    href = f"/jamfor?indicator=population&regions={regions}&ref=01&lang={lang}"
    return html.Section(
        [
            html.H2([html.Span(className="swatch", style={"background": colour}), name]),
            html.P(summary, className="summary"),
            html.Div(stats, className="stats"),
            dcc.Link(t("ov_open_compare", lang) + " →", href=href, className="more"),
        ],
        className="card" + (" card-group" if code == GROUP else ""),
        id=f"ov-{code}",
    )


def layout(written: Any = None, **params: Any) -> html.Div:
    lang = norm_lang(params.get("lang"))
    dataset = data.dataset()
    info = overview_figures(dataset, lang)
    colours = region_colours(info["members"])
    return html.Div(
        [
            html.H1(t("page_overview", lang)),
            html.P(t("ov_intro", lang), className="lead"),
            html.Div(
                [card(dataset, code, info, lang, colours[code]) for code in (GROUP, *info["members"])],
                className="cards",
            ),
        ],
        className="oversikt",
    )
