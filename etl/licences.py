"""The one licence text: the publishers and licences behind a set of export rows, or behind an indicator,
said once for every export (the dashboard's downloads and their XLSX "om" sheet, the API's indicator
documents and bundle README, the CLI's XLSX)."""

from __future__ import annotations

import json

import pandas as pd

from etl.catalog import Catalog, Indicator, Text

SECONDARY_MARKS = (" (secondary)", " (sekundär källa)", " (secondary source)")
OTHERS = Text("villkor enligt utgivaren (länk i source_ref)", "publisher's terms (link in source_ref)")
COMPUTED = Text("beräknat av nyckeltal ur källorna ovan", "computed by nyckeltal from the sources above")
NONE = Text("inga värden", "no values")


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
        items.append((", ".join(others), OTHERS(lang)))
    if "computed" in sources:
        items.append(("nyckeltal", COMPUTED(lang)))
    return items


def licence_lines(rows: pd.DataFrame, catalog: Catalog, lang: str = "sv") -> list[str]:
    """'SCB: CC0 1.0 https://…', one line per item of licence_items."""
    return [f"{who}: {terms}" for who, terms in licence_items(rows, catalog, lang)]


def licence_line(rows: pd.DataFrame, catalog: Catalog, lang: str = "sv") -> str:
    """One short line: 'SCB: CC0 1.0; Kolada: CC BY 4.0; Tyresö kommun (sekundär källa): …'."""
    return "; ".join(licence_lines(rows, catalog, lang)) or NONE(lang)


def licence_rows(label: str, rows: pd.DataFrame, catalog: Catalog, lang: str = "sv") -> list[tuple[str, str]]:
    """An XLSX "om" sheet's licence rows: ('`label`: publisher', terms), one per item of licence_items."""
    return [(f"{label}: {who}", terms) for who, terms in licence_items(rows, catalog, lang)]


def indicator_licences(ind: Indicator, catalog: Catalog, seen: frozenset[str] = frozenset()) -> list[dict[str, str]]:
    """The licences behind an indicator (source, name, url): its sources', or for a derived one its terms'."""
    lic = catalog.licences
    out: list[dict[str, str]] = []
    if ind.derived:
        for _, term in ind.formula_terms():
            if term in catalog.indicators and term not in seen:
                out += indicator_licences(catalog.indicators[term], catalog, seen | {ind.id})
    for src in ind.sources:
        name = "SCB" if src.kind == "county_sum" else src.source_name
        entry = lic.get(name, {"name": "as stated by the file's publisher", "url": ""})
        out.append({"source": name, "name": entry.get("name", ""), "url": entry.get("url", "")})
    unique = {json.dumps(e, sort_keys=True): e for e in out}
    return list(unique.values())
