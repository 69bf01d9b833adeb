"""The publishers and licences behind a set of export rows, said once for every export writer
(the dashboard's downloads, their XLSX "om" sheet, the API's bundle README and the CLI's XLSX)."""

from __future__ import annotations

import pandas as pd

from etl.catalog import Catalog

SECONDARY_MARKS = (" (secondary)", " (sekundär källa)", " (secondary source)")
TEXT = {
    "others": {"sv": "villkor enligt utgivaren (länk i source_ref)", "en": "publisher's terms (link in source_ref)"},
    "computed": {
        "sv": "beräknat av nyckeltal ur källorna ovan",
        "en": "computed by nyckeltal from the sources above",
    },
    "none": {"sv": "inga värden", "en": "no values"},
}


def licence_items(rows: pd.DataFrame, catalog: Catalog, lang: str = "sv") -> list[tuple[str, str]]:
    """(publishers, licence) pairs for the distinct sources of `rows` that carry a value: SCB and
    Kolada with their licences, the other publishers together under their own terms, computed last."""
    if not len(rows):
        return []
    valued = rows[rows["value"].notna()] if "value" in rows.columns else rows
    sources = [str(s) for s in dict.fromkeys(valued["source"].dropna().astype(str)) if str(s)]
    items: list[tuple[str, str]] = []
    for name in ("SCB", "Kolada"):
        if name in sources:
            lic = catalog.licences.get(name, {})
            items.append((name, f"{lic.get('name', '')} {lic.get('url', '')}".strip()))
    others = sorted(s for s in sources if s not in ("SCB", "Kolada", "computed"))
    if others:
        items.append((", ".join(others), TEXT["others"][lang]))
    if "computed" in sources:
        items.append(("nyckeltal", TEXT["computed"][lang]))
    return items


def licence_line(rows: pd.DataFrame, catalog: Catalog, lang: str = "sv") -> str:
    """One short line: 'SCB: CC0 1.0; Kolada: CC BY 4.0; Tyresö kommun (sekundär källa): …'."""
    items = licence_items(rows, catalog, lang)
    return "; ".join(f"{who}: {terms}" for who, terms in items) if items else TEXT["none"][lang]
