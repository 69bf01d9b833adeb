"""The catalog and the regions: the project's files load, and bad catalogs fail naming the indicator."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from etl.catalog import AGGREGATIONS, CATALOG_FILE, CatalogError, load_catalog, parse_catalog
from etl.regions import REGIONS_FILE, RegionsError, load_regions, parse_regions

SODERTORN = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")


def test_catalog_loads_with_labels_units_and_rules():
    catalog = load_catalog()
    assert len(catalog.indicators) >= 20
    for ind in catalog.indicators.values():
        assert ind.label.sv and ind.label.en, ind.id
        assert ind.description.sv and ind.description.en, ind.id
        assert ind.unit.id in catalog.units, ind.id
        assert ind.unit.label.sv and ind.unit.label.en, ind.id
        assert ind.aggregation.method in AGGREGATIONS, ind.id
        assert ind.theme in catalog.themes, ind.id
        if ind.aggregation.method == "weighted_mean":
            assert ind.aggregation.weight in catalog.indicators, ind.id
        if ind.aggregation.method == "none":
            assert ind.aggregation.reason is not None and ind.aggregation.reason.sv and ind.aggregation.reason.en, (
                ind.id
            )
        assert ind.derived or ind.sources, ind.id
    pop = catalog.get("population")
    assert pop.unit.id == "persons" and pop.sexes == ("T", "K", "M") and pop.aggregation.method == "sum"
    tax = catalog.get("tax_rate_total")
    assert (tax.aggregation.method, tax.aggregation.weight, tax.aggregation.weight_lag) == (
        "weighted_mean",
        "population",
        1,
    )
    assert catalog.get("in_commuters").aggregation.method == "none"
    assert catalog.get("net_commuting").formula_terms() == [(1, "in_commuters"), (-1, "out_commuters")]
    assert catalog.get("day_population").formula_terms() == [(1, "live_and_work"), (1, "in_commuters")]
    with pytest.raises(KeyError, match="unknown indicator 'nope'"):
        catalog.get("nope")


def small_doc() -> dict[str, Any]:
    """A minimal valid catalog document: two stored indicators and one derived."""
    return {
        "themes": {"population": {"sv": "Befolkning", "en": "Population"}},
        "units": {
            "persons": {"sv": "personer", "en": "persons", "min": 0, "max": 1000000, "decimals": 0, "count": True},
            "tax_percent": {"sv": "procent", "en": "per cent", "min": 0, "max": 50, "decimals": 2, "count": False},
        },
        "indicators": [
            _indicator("population", "Folkmängd", "Population", "Folkbokförda", "Residents", "persons", "sum")
            | {"sources": [{"figures": {"indicator": "population"}}, {"county_sum": {}}]},
            _indicator("tax_rate", "Skattesats", "Tax rate", "Skatt", "Tax", "tax_percent", "weighted_mean")
            | {
                "aggregation": {"method": "weighted_mean", "weight": "population", "weight_lag": 1},
                "sources": [{"kolada": {"kpi": "N00900"}}],
            },
            _indicator("doubled", "Dubbel", "Double", "Två gånger", "Twice", "persons", "sum")
            | {"derive": {"formula": "population + population"}},
        ],
    }


def _indicator(ind: str, sv: str, en: str, about_sv: str, about_en: str, unit: str, method: str) -> dict[str, Any]:
    """One catalog entry of theme population, total only (T), without its sources."""
    return {
        "id": ind,
        "theme": "population",
        "label": {"sv": sv, "en": en},
        "description": {"sv": about_sv, "en": about_en},
        "unit": unit,
        "sexes": ["T"],
        "aggregation": {"method": method},
    }


def test_small_catalog_is_valid():
    catalog = parse_catalog(small_doc())
    assert list(catalog.indicators) == ["population", "tax_rate", "doubled"]
    assert [i.id for i in catalog.derived()] == ["doubled"]
    assert catalog.get("tax_rate").aggregation.weight_lag == 1


def _broken(change) -> dict[str, Any]:
    doc = copy.deepcopy(small_doc())
    change(doc)
    return doc


def _set(ind: int, key: str, value: Any):
    def change(doc: dict[str, Any]) -> None:
        doc["indicators"][ind][key] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(0, "unit", "furlongs"), "indicator population: unit 'furlongs' is not declared"),
        (
            _set(1, "aggregation", {"method": "weighted_mean"}),
            "indicator tax_rate: weighted_mean needs a named weight indicator",
        ),
        (
            _set(1, "sources", [{"kolada": {"kpi": "N00900"}}, {"county_sum": {}}]),
            "indicator tax_rate: a county may only be computed for indicators that aggregate by sum",
        ),
        (
            _set(2, "derive", {"formula": "population - ghost"}),
            "indicator doubled: formula uses unknown indicator 'ghost'",
        ),
        (_set(1, "id", "population"), "indicator population: declared twice"),
        (
            _set(1, "aggregation", {"method": "weighted_mean", "weight": "ghost"}),
            "indicator tax_rate: weight 'ghost' is not an indicator",
        ),
        (_set(0, "label", {"sv": "Folkmängd"}), "indicator population label: needs both sv and en text"),
        (_set(0, "aggregation", {"method": "none"}), "indicator population: aggregation none needs a reason"),
    ],
    ids=[
        "unknown-unit",
        "weighted-mean-without-weight",
        "county-sum-not-sum",
        "derived-unknown-input",
        "duplicate-id",
        "unknown-weight",
        "missing-en-label",
        "none-without-reason",
    ],
)
def test_bad_catalog_names_the_indicator(change, message):
    with pytest.raises(CatalogError) as info:
        parse_catalog(_broken(change))
    assert message in str(info.value)


def test_bad_catalog_lists_every_problem_at_once():
    def change(doc: dict[str, Any]) -> None:
        doc["indicators"][0]["unit"] = "furlongs"
        doc["indicators"][1]["aggregation"] = {"method": "weighted_mean"}

    with pytest.raises(CatalogError) as info:
        parse_catalog(_broken(change))
    text = str(info.value)
    assert "indicator population: unit 'furlongs'" in text
    assert "indicator tax_rate: weighted_mean needs a named weight" in text


def test_project_catalog_file_round_trips():
    doc = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    assert list(parse_catalog(doc).indicators) == list(load_catalog().indicators)


def test_regions_codes_are_strings_with_leading_zeros():
    regions = load_regions()
    for code, region in regions.regions.items():
        assert isinstance(code, str) and code == region.code
        assert code.isdigit() and len(code) in (2, 4)
    assert regions.get("00").level == "country"
    assert regions.get("01").level == "county"
    assert regions.get("0127").name("sv") == "Botkyrka"
    assert regions.get("0140").valid_from == 1999
    assert regions.get("0140").first_year("during_year") == 1999  # births, moves: from 1 January 1999
    assert regions.get("0140").first_year("year_end") == 1998  # population on 31 December 1998, new borders
    assert regions.get("0127").first_year("during_year") is None
    assert len(regions.municipalities(county="01")) == 26
    assert all(c.startswith("01") and len(c) == 4 for c in regions.municipalities(county="01"))
    assert regions.scb_code("0001") == "01"


def test_sodertorn_has_exactly_the_eight():
    group = load_regions().sodertorn
    assert group.id == "sodertorn"
    assert group.members == SODERTORN
    assert all(isinstance(m, str) for m in group.members)


def test_bad_regions_fail():
    doc = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))
    numeric = copy.deepcopy(doc)
    numeric["regions"].append({"code": 127, "level": "municipality", "name": {"sv": "x", "en": "x"}})
    with pytest.raises(RegionsError, match="must be 2 or 4 digits as a string"):
        parse_regions(numeric)
    short = copy.deepcopy(doc)
    short["groups"] = [g | {"members": g["members"][:7]} if g["id"] == "sodertorn" else g for g in short["groups"]]
    with pytest.raises(RegionsError, match="eight municipalities"):
        parse_regions(short)


def _scb_source(**params: Any):
    def change(doc: dict[str, Any]) -> None:
        base = {"regions": "municipalities", "select": {"Tid": "*"}}
        doc["indicators"][0]["sources"] = [{"scb": base | params}]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _scb_source(contents="X1"),
            "needs exactly one of 'table' (a v2 id) or 'find' (a table finder)",
        ),
        (
            _scb_source(table="TAB1", find="ArRegPend1", contents="X1"),
            "needs exactly one of 'table' (a v2 id) or 'find' (a table finder)",
        ),
        (_scb_source(find="ArRegPend9", contents="X1"), "unknown table finder 'ArRegPend9'; known: ArRegPend1"),
        (_scb_source(find={"query": "pendling"}, contents="X1"), "find lacks 'folder'"),
        (
            _scb_source(find={"query": "p", "folder": "AM0210F", "label": "(unclosed"}, contents="X1"),
            "find: '(unclosed' is not a regular expression",
        ),
        (
            _scb_source(find="ArRegPend1", contents="X1", contents_label="bostad"),
            "needs exactly one of 'contents' (a code) or 'contents_label' (its label text)",
        ),
        (_scb_source(find="ArRegPend1", contents_label=[]), "contents_label must be a text or a list of texts"),
        (
            _scb_source(find="ArRegPend1", contents_label="x", sex={"variable": "Kon", "labels": {"X": ["totalt"]}}),
            "sex labels must map T, K or M to label texts",
        ),
    ],
    ids=["neither", "both-tables", "unknown-finder", "no-folder", "bad-regex", "both-contents", "empty-label", "sex"],
)
def test_bad_scb_finder_entries(change, message):
    with pytest.raises(CatalogError) as info:
        parse_catalog(_broken(change))
    assert "indicator population: scb source #1: " + message in str(info.value)


def test_finder_entry_is_valid_and_described():
    doc = _broken(
        _scb_source(find={"name": "BAS", "query": ["a", "b"], "folder": "AM0210F"}, contents_label=["x", "y"])
    )
    ref = parse_catalog(doc).get("population").sources[0]
    assert ref.describe() == 'SCB [BAS] "x" | "y"'


def test_bas_fills_after_rams_before_kolada():
    catalog = load_catalog()
    for ind, label in [
        ("in_commuters", "bostad utanför kommunen men arbetsställe i kommunen"),
        ("out_commuters", "bostad i kommunen men arbetsställe utanför kommunen"),
        ("live_and_work", "bostad och arbetsställe i kommunen"),
    ]:
        described = [s.describe() for s in catalog.get(ind).sources]
        bas = f'SCB [ArRegPend1] "{label}"'
        assert described.index(bas) == described.index(next(d for d in described if "TAB5839" in d)) + 1
        if ind != "live_and_work":
            assert described[described.index(bas) + 1].startswith("Kolada ")
    breaks = {b.year: b.label("en") for b in catalog.get("in_commuters").breaks}
    assert breaks[2022] == "SCB's BAS (a different method from RAMS); Kolada as the second source"


@pytest.mark.parametrize("name", ["catalog.yaml", "regions.yaml", "published_sources.yaml"])
def test_declared_yaml_read_alike_by_the_c_and_the_python_loader(name: str) -> None:
    from etl.yamlfile import SafeLoader, load_yaml

    text = (CATALOG_FILE.parent / name).read_text(encoding="utf-8")
    assert SafeLoader is yaml.CSafeLoader  # PyYAML's wheels bring libyaml: the fast loader is the one used
    assert load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_plausibility_bounds_are_declared_per_unit_and_checked():
    catalog = load_catalog()
    assert (catalog.units["persons"].jump_warn, catalog.units["persons"].jump_fail) == (0.05, 0.5)
    assert (catalog.units["percent"].jump_warn, catalog.units["percent"].jump_fail) == (0.1, 0.5)
    assert catalog.units["persons_signed"].jump_fail is None  # net changes cross zero: no bound

    def change(doc: dict[str, Any]) -> None:
        doc["units"]["persons"] |= {"jump_warn": 0.6, "jump_fail": 0.5}
        doc["units"]["tax_percent"] |= {"jump_fail": "much"}

    with pytest.raises(CatalogError) as info:
        parse_catalog(_broken(change))
    text = str(info.value)
    assert "unit persons: jump_warn 0.6 is larger than jump_fail 0.5" in text
    assert "unit tax_percent: jump_fail must be a positive number (a share of the published value), not 'much'" in text
