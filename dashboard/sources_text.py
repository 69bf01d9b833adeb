"""Sources, source kinds and the ETL's source notes in the page's language (issue 16).

The ETL writes a few fixed English phrases into the data (a county computed as the sum of its
municipalities, "table …, updated …" of a published figure) and the catalog describes its sources in
English ("published figures (population)"); the API passes those through untouched (machine data), the
pages show them in Swedish or English. ETL_PHRASES declares the English words the ETL and the catalog
produce, so that the language test (tests/browser/test_language.py) looks for them on Swedish pages. Pure.
"""

from __future__ import annotations

import re

from dashboard.i18n import TEXTS, norm_lang, t
from etl.catalog import SourceRef
from etl.catalog_sources import scb_contents_text, scb_table_text

# the English words of etl.catalog.SourceRef.describe(), etl.transform's county sum and the published
# figures' source notes (etl/published_sources.yaml, data/snapshot/flows.csv)
ETL_PHRASES = (
    "published figures",
    "computed: county = sum of its municipalities",
    "sum of the county's municipalities",
    "table",
    "updated",
    "report year",
)

_COUNTY_SUM = re.compile(r"^sum of the county's (\d+) municipalities \((.*)\)$")
_SV = (
    (re.compile(r"\btable (?=[\"“])"), "tabell "),
    (re.compile(r"\bupdated (?=\d)"), "uppdaterad "),
    (re.compile(r"\breport year (?=\d)"), "rapportår "),
)
_EN = ((re.compile(r"\bKälla: "), "Source: "),)


def source_description(src: SourceRef, lang: str) -> str:
    """'SCB, tabell TAB638 (BE0101N1)', 'publicerade tal (population)', 'beräknat: länet = summan av dess kommuner'."""
    p = src.params
    if src.kind == "scb":
        return t("src_scb", lang, table=scb_table_text(p), contents=scb_contents_text(p))
    if src.kind == "kolada":
        return t("src_kolada", lang, kpi=p["kpi"])
    if src.kind == "figures":
        return t("src_figures", lang, indicator=p["indicator"])
    if src.kind == "csv":
        return t("src_csv", lang, path=p["path"])
    return t("src_county_sum", lang)


def source_name(source: str, lang: str) -> str:
    """A value's source as the table's Källa/Source column shows it: SCB, Kolada, publicerat tal, beräknat."""
    key = f"source_{source}"
    return t(key, lang) if key in TEXTS[norm_lang(lang)] else source


def source_ref_text(ref: str, lang: str) -> str:
    """The ETL's source note of a value in `lang` (the quoted titles of sources stay as published)."""
    text = str(ref)
    match = _COUNTY_SUM.match(text)
    if match:
        return t("ref_county_sum", lang, n=match.group(1), ref=source_ref_text(match.group(2), lang))
    for pattern, replacement in _SV if norm_lang(lang) == "sv" else _EN:
        text = pattern.sub(replacement, text)
    return text
