"""The declared key-figure list (etl/keyfigures.yaml) and the table built from etl.query on the bundled data."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.catalog import load_catalog
from etl.keyfigures import KeyFiguresError, load_keyfigures, parse_keyfigures
from etl.keyfigures_table import build_table, sort_rows
from etl.query import Dataset, Selection, query
from etl.regions import load_regions
from etl.snapshot import read_observations_csv

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "snapshot" / "observations.csv"
EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")


@pytest.fixture(scope="module")
def table():
    dataset = Dataset(1, read_observations_csv(SNAPSHOT), load_catalog(), load_regions())
    return dataset, build_table(dataset, load_keyfigures(), (), "sv")


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
                "figures": [{"indicator": "births", "sex": "K"}, {"indicator": "births"}, {"indicator": "births"}],
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
        "figure births: sex 'K' is not one of T",
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
    # growth: the query's change mode, compared with the county the same year
    growth = kt.row("population.change")
    county = query(dataset, Selection("population", ("01",), 2025, 2025, mode="change"))["value"].iloc[0]
    assert growth.cells["0138"].vs_county == (1 if round(growth.cells["0138"].value, 1) > round(county, 1) else -1)
    # a value older than the row's year keeps its year and gets no rank
    change = kt.row("population_change")
    assert change.year == 2024 and change.cells["0192"].year == 2019 and change.cells["0192"].rank is None
    assert change.cells["0127"].ranked == 4


def test_missing_cells_say_why(table) -> None:
    _, kt = table
    assert kt.row("in_commuters").cells["sodertorn"].reason == "not_computed"
    assert "intern" in kt.row("in_commuters").cells["sodertorn"].detail
    assert kt.row("births").cells["sodertorn"].reason == "member_missing"
    assert kt.row("births").cells["0192"].reason == "no_data"
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
