"""Sources and the ETL's source notes in the page's language (dashboard.sources_text)."""

from __future__ import annotations

from dashboard.sources_text import source_description, source_name, source_ref_text
from etl.catalog import load_catalog

FLOW_REF = (
    'http://statistik.stockholm.se/sheet001.htm (Stockholms stad statistik, table "Ut- och inpendling 2015", '
    "Källa: SCB/Sweco, updated 2017-07-05)"
)


def test_source_kinds_in_both_languages() -> None:
    sources: dict = {}
    for s in load_catalog().indicators["population"].sources:
        sources.setdefault(s.kind, s)  # the first of each kind
    assert source_description(sources["figures"], "sv") == "publicerade tal (population)"
    assert source_description(sources["figures"], "en") == "published figures (population)"
    assert source_description(sources["county_sum"], "sv") == "beräknat: länet = summan av dess kommuner"
    assert source_description(sources["scb"], "sv") == "SCB, tabell TAB638 (BE0101N1)"
    assert source_description(sources["kolada"], "en") == "Kolada, KPI N01951"


def test_source_column_and_notes() -> None:
    assert [source_name(s, "sv") for s in ("SCB", "Kolada", "published", "computed")] == [
        "SCB",
        "Kolada",
        "publicerat tal",
        "beräknat",
    ]
    assert source_name("published", "en") == "published figure" and source_name("csv:x", "sv") == "csv:x"
    assert source_ref_text("sum of the county's 26 municipalities (SCB TAB638 BE0101N1)", "sv") == (
        "summa av länets 26 kommuner (SCB TAB638 BE0101N1)"
    )
    assert source_ref_text(FLOW_REF, "sv").endswith(
        'tabell "Ut- och inpendling 2015", Källa: SCB/Sweco, uppdaterad 2017-07-05)'
    )
    assert source_ref_text(FLOW_REF, "en").endswith(
        'table "Ut- och inpendling 2015", Source: SCB/Sweco, updated 2017-07-05)'
    )
