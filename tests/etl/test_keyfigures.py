"""The declared key-figure list (etl/keyfigures.yaml) and the table built from etl.query on the bundled data."""

from __future__ import annotations

import math

import pytest

from etl.catalog import load_catalog
from etl.keyfigures import KeyFiguresError, load_keyfigures, parse_keyfigures
from etl.keyfigures_table import build_table, sort_rows
from etl.query import Dataset, Selection, query

EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")


@pytest.fixture(scope="module")
def table(bundled_dataset: Dataset):
    return bundled_dataset, build_table(bundled_dataset, load_keyfigures(), (), "sv")


def test_the_declared_list_holds_the_offline_and_the_kolada_figures() -> None:
    sections = load_keyfigures()
    keys = [f.key for s in sections for f in s.figures]
    for key in ("population", "population.change", "births", "net_migration", "net_commuting", "tax_rate_total"):
        assert key in keys
    assert [s.theme for s in sections][-6:] == [
        "economy",
        "school",
        "elderly_care",
        "social_services",
        "housing",
        "education_level",
    ]
    directions = {f.key: f.direction for s in sections for f in s.figures if f.direction != "neutral"}
    assert directions == {
        "employment_rate_20_64": "higher_better",
        "unemployment_rate_20_64": "lower_better",
        "year9_eligible_vocational": "higher_better",
        "year9_merit_value": "higher_better",
    }


def test_every_problem_is_listed() -> None:
    doc = {
        "sections": [
            {"theme": "nope", "figures": [{"indicator": "population", "mode": "index"}]},
            {"theme": "tax", "figures": [{"indicator": "unknown"}, {"indicator": "tax_rate_total", "direction": "up"}]},
            {
                "theme": "labour",
                "figures": [
                    {"indicator": "in_commuters", "sex": "K"},
                    {"indicator": "births"},
                    {"indicator": "births"},
                ],
            },
        ]
    }
    with pytest.raises(KeyFiguresError) as err:
        parse_keyfigures(doc, load_catalog())
    message = str(err.value)
    for part in (
        "section nope: theme 'nope' is not a theme of the catalog",
        "figure population: mode 'index' is not one of value, change",
        "figure unknown: not an indicator of the catalog",
        "figure tax_rate_total: direction 'up' is not one of higher_better, lower_better, neutral",
        "figure in_commuters: sex 'K' is not one of T",
        "figure births: declared twice (births)",
    ):
        assert part in message


def test_cells_are_the_query_newest_values_with_rank_change_and_county(table) -> None:
    dataset, kt = table
    row = kt.row("population")
    assert row.year == 2025 and kt.columns == (*EIGHT, "sodertorn", "01", "00")
    pop = query(dataset, Selection("population", (*EIGHT, "sodertorn"), 2024, 2025))
    now = dict(zip(pop[pop.year == 2025].region_code, pop[pop.year == 2025].value, strict=True))
    before = dict(zip(pop[pop.year == 2024].region_code, pop[pop.year == 2024].value, strict=True))
    for code in (*EIGHT, "sodertorn"):
        assert row.cells[code].value == now[code] and row.cells[code].change == now[code] - before[code]
    assert row.cells["0126"].rank == 1 and row.cells["0140"].rank == 8 and row.cells["0126"].ranked == 8
    assert row.cells["sodertorn"].rank is None
    # each cell is compared with the county's value of the cell's own year (births 2024: the county has one)
    births = kt.row("births")
    county = query(dataset, Selection("births", ("01",), 2024, 2024))
    assert births.year == 2024 and county["value"].iloc[0] == 25657 and births.cells["01"].value == 25657
    b = query(dataset, Selection("births", (*EIGHT, "sodertorn"), 2024, 2024))
    assert dict(zip(b.region_code, b.value, strict=True)) == {c: births.cells[c].value for c in (*EIGHT, "sodertorn")}
    assert births.cells["sodertorn"].value == 5107 and births.cells["0126"].value == 1099
    assert {births.cells[c].vs_county for c in (*EIGHT, "sodertorn")} == {-1}
    assert births.cells["01"].vs_county is None and births.cells["00"].vs_county is None
    # growth: the query's change mode; the county has no 2025 population, so no comparison that year
    growth = kt.row("population.change")
    pop_change = query(dataset, Selection("population", ("0138", "01"), 2024, 2025, mode="change"))
    at = {(r.region_code, r.year): r for r in pop_change.itertuples()}
    assert growth.year == 2025 and growth.cells["0138"].value == at[("0138", 2025)].value
    assert at[("01", 2025)].status == "missing" and math.isnan(at[("01", 2025)].value)
    assert growth.cells["01"].year == 2024 and growth.cells["01"].value == at[("01", 2024)].value
    assert {growth.cells[c].vs_county for c in (*EIGHT, "sodertorn")} == {None}
    # a value older than the row's year keeps its year and gets no rank
    change = kt.row("population_change")
    assert change.year == 2024 and change.cells["0192"].year == 2019 and change.cells["0192"].rank is None
    assert change.cells["0127"].ranked == 4


def test_missing_cells_say_why(table) -> None:
    dataset, kt = table
    assert kt.row("in_commuters").cells["sodertorn"].reason == "not_computed"
    assert "intern" in kt.row("in_commuters").cells["sodertorn"].detail
    # Södertörn's employment rate is a mean weighted by population_20_64, which no member has in the data
    employment = kt.row("employment_rate_20_64")
    assert employment.year == 2024 and all(employment.cells[c].value is not None for c in EIGHT)
    assert employment.cells["sodertorn"].value is None and employment.cells["sodertorn"].reason == "member_missing"
    group = query(dataset, Selection("employment_rate_20_64", ("sodertorn",), 2024, 2024))
    assert group["status"].iloc[0] == "missing"
    assert group["source_ref"].iloc[0].endswith("saknar värde för minst en av kommunerna")
    # the store holds no county or national employment rate at all: no data, not a value the source withheld
    assert employment.cells["01"].reason == "no_data" and employment.cells["00"].reason == "no_data"
    assert (query(dataset, Selection("employment_rate_20_64", ("01",), 2020, 2024))["source"] == "").all()
    merit = kt.row("year9_merit_value")
    assert merit.pending and {c.reason for c in merit.cells.values()} == {"pending"}
    assert all(c.value is None for c in merit.cells.values())  # never a zero


def test_sorting_by_a_municipality_rank(table) -> None:
    _, kt = table
    commuting = next(b for b in kt.blocks if b.theme == "commuting").rows
    assert [r.figure.key for r in sort_rows(commuting, "0181")] == ["net_commuting", "in_commuters", "out_commuters"]
    assert [r.figure.key for r in sort_rows(commuting, "0181", descending=True)] == [
        "out_commuters",
        "in_commuters",
        "net_commuting",
    ]
    assert sort_rows(commuting, None) == list(commuting)
