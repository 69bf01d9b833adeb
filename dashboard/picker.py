"""The indicator picker's options (issue 16): grouped by the catalog's themes in catalog order, each
indicator with its coverage for the eight municipalities, searchable by name, theme and id.

New themes and indicators in etl/catalog.yaml appear without code changes. An indicator without data
offline is listed, disabled, with "saknas offline" / "missing offline". Pure: catalog and coverage in,
dcc.Dropdown options out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
from dash import html

from dashboard.i18n import t
from etl.catalog import Catalog

THEME_PREFIX = "__theme_"
OPTION_HEIGHT = 46  # px: the name on one line, the coverage under it
MENU_HEIGHT = 46 * 9 + 20  # nine entries at once


def coverage_for(dataset, indicator: str, members: Sequence[str]) -> tuple[int, int] | None:
    """The first and last year with a value for any of `members` (the eight), or None."""
    rows = dataset.rows(indicator)
    if rows is None or not len(rows):
        return None
    mask = np.asarray(rows["region_code"].isin(list(members))) & np.asarray(rows["value"].notna())
    years = rows.loc[mask, "year"]
    return (int(years.min()), int(years.max())) if len(years) else None


def coverage_text(years: tuple[int, int] | None, lang: str, pending: bool = False) -> str:
    """ "1968–2025"; a figure without data: "saknas offline", or for a Kolada figure no refresh has fetched
    yet "hämtas vid första uppdateringen"."""
    if years is None:
        return t("kf_pending" if pending else "picker_missing", lang)
    first, last = years
    return str(first) if first == last else t("picker_coverage", lang, first=first, last=last)


def picker_options(
    catalog: Catalog,
    coverage: Mapping[str, tuple[int, int] | None],
    lang: str,
    pending: Collection[str] = (),
) -> list[dict]:
    """A disabled heading per theme, then the theme's indicators (label, and coverage for the eight;
    `pending`: figures fetched at the first refresh)."""
    options: list[dict] = []
    for theme_id, theme in catalog.themes.items():
        members = [i for i in catalog.indicators.values() if i.theme == theme_id]
        if not members:
            continue
        theme_name = theme(lang)
        options.append(
            {
                "label": html.Span(theme_name, className="picker-theme"),
                "value": THEME_PREFIX + theme_id,
                "disabled": True,
                "search": theme_name,
            }
        )
        for ind in members:
            years = coverage.get(ind.id)
            label = ind.label(lang)
            covered = coverage_text(years, lang, ind.id in pending)
            options.append(
                {
                    "label": html.Span(
                        [
                            html.Span(label, className="picker-name"),
                            html.Span(covered, className="picker-coverage"),
                        ],
                        className="picker-option" + (" picker-missing" if years is None else ""),
                        title=f"{label} ({covered})",
                    ),
                    "value": ind.id,
                    "disabled": years is None,
                    "search": f"{label} {theme_name} {ind.id}",
                }
            )
    return options
