"""etl.tables.ages and etl.sources.scb_ages: TAB638 single ages -> 5-year bands by sex, on our own fixture in TAB638's real format."""

from __future__ import annotations

import pytest
from tab638_fixture import tab638_doc, tab638_metadata

from etl.catalog import load_catalog
from etl.query_tables import pyramid
from etl.regions import load_regions
from etl.snapshot import load_snapshot_into
from etl.sources.scb_ages import band_of, build_age_request, tidy_age_answer
from etl.tables.ages import BANDS, AgeError, validate_ages


def test_band_of():
    assert [band_of(c) for c in ("0", "4", "5", "57", "99", "100+", "tot", "x")] == [
        "0-4",
        "0-4",
        "5-9",
        "55-59",
        "95-99",
        "100+",
        None,
        None,
    ]
    assert len(BANDS) == 21 and BANDS[0] == "0-4" and BANDS[-1] == "100+"


def test_bands_add_up_to_the_total_per_region():
    ages = tidy_age_answer(tab638_doc({"0127": 95905, "0181": 102000}), "2026-01-01T00:00:00Z")
    assert list(ages.columns) == [
        "region_code",
        "year",
        "sex",
        "age_band",
        "value",
        "status",
        "source",
        "source_ref",
        "retrieved_at",
    ]
    assert len(ages) == 2 * 2 * 21
    assert ages.groupby("region_code")["value"].sum().to_dict() == {"0127": 95905.0, "0181": 102000.0}
    table = pyramid(ages, "0127", 2024)
    assert list(table.index) == list(BANDS) and list(table.columns) == ["K", "M"]
    assert float(table.sum().sum()) == 95905.0
    assert set(ages["status"]) == {"ok"} and ages["source_ref"].iloc[0].startswith("SCB TAB638 BE0101N1")


def test_a_suppressed_cell_makes_its_band_missing_not_zero():
    doc = tab638_doc({"0127": 1000}, missing_cell=("0127", "G", "37", "2"))
    ages = tidy_age_answer(doc, "2026-01-01T00:00:00Z")
    row = ages[(ages["age_band"] == "35-39") & (ages["sex"] == "K")].iloc[0]
    assert row["status"] == "missing" and row["value"] != row["value"]  # NaN
    assert (ages["status"] == "ok").sum() == 41


def test_request_asks_single_ages_not_the_total():
    body = build_age_request(tab638_metadata(), ["0127"], ["2024"])
    sel = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
    assert sel["Alder"][0] == "0" and sel["Alder"][-1] == "100+" and "tot" not in sel["Alder"]
    assert len(sel["Alder"]) == 101 and sel["Kon"] == ["1", "2"] and sel["ContentsCode"] == ["BE0101N1"]
    assert sel["Civilstand"] == ["OG", "G", "SK", "ÄNKL"] and sel["Tid"] == ["2024"]


def test_contract_violations_are_listed():
    ages = tidy_age_answer(tab638_doc({"0127": 10}), "x")
    bad = ages.copy()
    bad.loc[0, "age_band"] = "0-5"
    bad.loc[1, "sex"] = "T"
    with pytest.raises(AgeError, match=r"unknown age band.*sex must be K or M"):
        validate_ages(bad)


def test_ages_publish_atomically_with_observations_and_survive_a_republish(store):
    catalog, regions = load_catalog(), load_regions()
    load_snapshot_into(store, catalog, regions)
    assert store.read_ages().empty
    flows_before = store.read_flows()
    assert len(flows_before) == 17
    _, frame = store.read_observations()
    ages = tidy_age_answer(tab638_doc({"0127": 95905}), "2026-01-01T00:00:00Z")
    store.publish(frame, catalog, regions, origin="test", ages=ages)
    got = store.read_ages()
    assert len(got) == 42 and got["value"].sum() == 95905
    # a publish without ages/flows carries the previous rows over
    store.publish(frame, catalog, regions, origin="test")
    assert len(store.read_ages()) == 42
    assert store.read_flows().equals(flows_before)
