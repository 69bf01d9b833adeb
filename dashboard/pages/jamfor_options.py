"""/jamfor's controls' options: the indicator picker, years, modes, sexes, regions and references."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard import data, gaps
from dashboard.figures import region_colours
from dashboard.i18n import t
from dashboard.picker import coverage_for, picker_options
from dashboard.state import GROUP, MODES, REFERENCES
from etl.keyfigures_table import is_pending
from etl.query import Dataset, allowed_modes


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
