"""Södertörn and county rules checked against hand-computed values of the bundled data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etl.query import Dataset, Selection, query

# Published 31 Dec population (SCB TAB638), from data/snapshot/observations.csv
POP_2024 = {
    "0127": 95905,
    "0136": 100895,
    "0126": 114304,
    "0140": 12342,
    "0192": 30579,
    "0128": 17507,
    "0181": 102911,
    "0138": 49179,
}
POP_2023 = {
    "0127": 95592,
    "0136": 99751,
    "0126": 113920,
    "0140": 12107,
    "0192": 30311,
    "0128": 17451,
    "0181": 102519,
    "0138": 49173,
}
# Total local tax rate 2024 (SCB TAB2017 OE0101D1)
TAX_2024 = {
    "0127": 32.53,
    "0136": 32.06,
    "0126": 31.85,
    "0140": 32.35,
    "0192": 32.23,
    "0128": 32.05,
    "0181": 32.53,
    "0138": 31.88,
}


def one(dataset: Dataset, indicator: str, regions: tuple[str, ...], year: int, sex: str = "T") -> pd.DataFrame:
    return query(dataset, Selection(indicator, regions, year, year, sex))


def test_population_sum_2024(bundled_dataset: Dataset):
    assert sum(POP_2024.values()) == 523622
    members = one(bundled_dataset, "population", tuple(POP_2024), 2024)
    assert dict(zip(members["region_code"], members["value"], strict=True)) == {
        k: float(v) for k, v in POP_2024.items()
    }
    rows = one(bundled_dataset, "population", ("sodertorn",), 2024)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["value"] == 523622.0
    assert row["status"] == "computed"
    assert row["source"] == "computed"
    assert row["region"] == "Södertörn" or "Södertörn" in row["region"]
    assert row["source_ref"] == "Södertörn: summa av 8 kommuner"


def test_population_sum_2023_and_by_sex(bundled_dataset: Dataset):
    assert one(bundled_dataset, "population", ("sodertorn",), 2023)["value"].iloc[0] == 520824.0
    k = one(bundled_dataset, "population", ("sodertorn",), 2024, "K")["value"].iloc[0]
    m = one(bundled_dataset, "population", ("sodertorn",), 2024, "M")["value"].iloc[0]
    assert k + m == 523622.0


def test_tax_rate_weighted_by_previous_year_population(bundled_dataset: Dataset):
    members = one(bundled_dataset, "tax_rate_total", tuple(TAX_2024), 2024)
    assert dict(zip(members["region_code"], members["value"], strict=True)) == TAX_2024
    assert sum(POP_2023.values()) == 520824
    numerator = sum(TAX_2024[c] * POP_2023[c] for c in POP_2023)
    assert numerator == pytest.approx(16766444.66, abs=1e-6)
    expected = 16766444.66 / 520824  # 32.19215063...
    row = one(bundled_dataset, "tax_rate_total", ("sodertorn",), 2024).iloc[0]
    assert row["value"] == pytest.approx(expected, rel=1e-12)
    assert round(row["value"], 4) == 32.1922
    assert row["status"] == "computed"
    assert row["source_ref"] == "Södertörn: medel av 8 kommuner vägt med population (1 år tidigare)"
    # not the unweighted mean
    assert row["value"] != pytest.approx(sum(TAX_2024.values()) / 8, rel=1e-6)


def test_in_commuters_not_aggregated(bundled_dataset: Dataset):
    rows = query(bundled_dataset, Selection("in_commuters", ("sodertorn",), 1993, 2021, "T"))
    assert list(rows["year"]) == list(range(1993, 2022))
    assert rows["value"].isna().all()
    assert set(rows["status"]) == {"missing"}
    reason = bundled_dataset.catalog.get("in_commuters").aggregation.reason
    assert set(rows["source_ref"]) == {f"Södertörn: beräknas inte ({reason('sv')})"}
    assert "intern för Södertörn" in reason("sv")
    en = query(bundled_dataset, Selection("in_commuters", ("sodertorn",), 2021, 2021, "T"), lang="en")
    assert "internal to Södertörn" in en["source_ref"].iloc[0]


def test_county_population_is_sum_of_26_where_not_published(bundled_dataset: Dataset):
    municipalities = bundled_dataset.regions.municipalities(county="01")
    assert len(municipalities) == 26
    frame = bundled_dataset.rows("population")
    frame = frame[frame["sex"] == "T"]
    for year in (1968, 1998, 2023):
        parts = frame[frame["region_code"].isin(municipalities) & (frame["year"] == year)]
        assert len(parts) == 26
        # before 1998 Nykvarn (0140) was part of Södertälje: missing, its people counted there
        lacking = set(parts.loc[parts["value"].isna(), "region_code"])
        assert lacking == ({"0140"} if year < 1998 else set())
        county = one(bundled_dataset, "population", ("01",), year).iloc[0]
        assert county["value"] == parts["value"].sum()
        assert county["status"] == "computed"
        # the municipalities that existed that year: 25 before Nykvarn (regions.yaml valid_from 1999;
        # population is a state on 31 December, reported on the new borders from 1998)
        n = 25 if year < 1998 else 26
        assert county["source_ref"] == f"sum of the county's {n} municipalities (SCB TAB638 BE0101N1)"
    assert one(bundled_dataset, "population", ("01",), 2023)["value"].iloc[0] == 2454821.0
    # the county is the computed sum; it equals SCB's own published county figure for 2024
    county = one(bundled_dataset, "population", ("01",), 2024).iloc[0]
    assert (county["value"], county["status"], county["source"]) == (2473307.0, "computed", "computed")


def test_group_missing_when_a_member_lacks_a_value(bundled_dataset: Dataset):
    # deaths 2022: only some of the eight have a value, so Södertörn has none, and says why
    rows = one(bundled_dataset, "deaths", ("sodertorn",), 2022)
    assert rows["status"].iloc[0] == "missing" and math.isnan(rows["value"].iloc[0])
    assert rows["source_ref"].iloc[0] == "Södertörn: summa av 8 kommuner — saknar värde för minst en av kommunerna"


def test_group_sums_the_members_that_existed(bundled_dataset: Dataset):
    # before Nykvarn existed (regions.yaml valid_from 1999) its area is in Södertälje's figures:
    # the other seven make the whole of Södertörn (population on 31 Dec from 1998, births from 1999)
    seven = ["0127", "0136", "0126", "0192", "0128", "0181", "0138"]
    for ind, year, n in (("population", 1997, 7), ("population", 1998, 8), ("births", 1998, 7), ("births", 1999, 8)):
        row = one(bundled_dataset, ind, ("sodertorn",), year).iloc[0]
        members = seven if n == 7 else [*seven, "0140"]
        parts = one(bundled_dataset, ind, tuple(members), year)
        assert row["value"] == parts["value"].sum() and row["status"] == "computed", (ind, year)
        assert row["source_ref"] == f"Södertörn: summa av {n} kommuner"
