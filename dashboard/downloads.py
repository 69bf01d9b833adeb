"""What the download buttons send: exactly the rows on screen, written by etl.exporters (the one export
writer) with the licence text of etl.licences.

Pure: a query() frame, the catalog and the view state in, (file name, bytes) out.
"""

from __future__ import annotations

import pandas as pd

from dashboard.filenames import download_name, slug, stem
from dashboard.i18n import t
from dashboard.state import ViewState
from etl.catalog import Catalog
from etl.exporters import export_body
from etl.licences import licence_line, licence_rows
from etl.query import MODE_UNITS

FORMATS = {"csv_sv": ".csv", "csv": ".csv", "xlsx": ".xlsx"}
__all__ = ["FORMATS", "export", "file_name", "licence_text", "preamble", "slug", "unit_label"]


def file_name(label: str, state: ViewState, ext: str) -> str:
    """e.g. 'folkmangd_0127-0181_2000-2024.csv' (`ext` as given; export() names files by format)."""
    return stem(label, state.all_regions, state.year_from, state.year_to) + ext


def licence_text(rows: pd.DataFrame, catalog: Catalog, lang: str) -> str:
    """The distinct publishers and licences behind `rows` in one short line (etl.licences)."""
    return licence_line(rows, catalog, lang)


def unit_label(catalog: Catalog, state: ViewState) -> str:
    ind = catalog.indicators[state.indicator]
    return MODE_UNITS[state.mode][state.lang] if state.mode in MODE_UNITS else ind.unit.label(state.lang)


def preamble(rows: pd.DataFrame, catalog: Catalog, state: ViewState, link: str) -> list[tuple[str, str]]:
    """The lines above the table. A file holding several indicators (e.g. /befolkning's components
    and index) names them all and points to the unit column instead of claiming one unit."""
    lang = state.lang
    ids = list(dict.fromkeys(rows["indicator_id"].astype(str))) if len(rows) else []
    if len(ids) > 1:
        title = ", ".join(catalog.indicators[i].label(lang) if i in catalog.indicators else i for i in ids)
        unit = t("dl_about_unit_per_row", lang)
    else:
        title = catalog.indicators[state.indicator].label(lang)
        unit = unit_label(catalog, state)
    return [
        (t("dl_about_title", lang), title),
        (t("dl_about_unit", lang), unit),
        (
            t("dl_about_mode", lang),
            t(f"mode_{state.mode}", lang) + (f" ({state.base})" if state.mode == "index" else ""),
        ),
        (t("dl_about_licence", lang), licence_text(rows, catalog, lang)),
        (t("dl_about_link", lang), link),
    ]


def about_rows(about: list[tuple[str, str]], rows: pd.DataFrame, catalog: Catalog, lang: str) -> list[tuple[str, str]]:
    """The XLSX "om" sheet: one item a row; the licence line becomes one row per publisher."""
    label = t("dl_about_licence", lang)
    out: list[tuple[str, str]] = []
    for key, text in about:
        if key == label:
            out += licence_rows(label, rows, catalog, lang) or [(key, text)]
        else:
            out.append((key, text))
    return out


def export(rows: pd.DataFrame, catalog: Catalog, state: ViewState, link: str, fmt: str) -> tuple[str, bytes]:
    """(file name, content) of `rows` as `fmt` (csv_sv | csv | xlsx)."""
    about = preamble(rows, catalog, state, link)
    label = catalog.indicators[state.indicator].label(state.lang)
    name = download_name(stem(label, state.all_regions, state.year_from, state.year_to), fmt)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "xlsx":
        return name, export_body(rows, fmt, about=about_rows(about, rows, catalog, state.lang))
    return name, export_body(rows, fmt, preamble=[f"{k}: {v}" for k, v in about])
