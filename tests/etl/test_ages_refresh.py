"""The age structure fetched online (TAB638 single ages) and published with a refresh."""

from __future__ import annotations

import json

import responses

from etl.catalog import load_catalog
from etl.http import HttpClient
from etl.refresh import refresh
from etl.regions import load_regions
from etl.snapshot import load_snapshot_into
from etl.sources.figures import FiguresSource
from etl.sources.scb import ScbSource
from etl.sources.scb_ages import fetch_scb_ages
from tests.etl.tab638_fixture import tab638_doc

BASE = "http://scb.test/api/v2"
TOTALS = {"0127": 95905, "0181": 104440}


def _metadata() -> dict:
    doc = tab638_doc(TOTALS, "2023")
    doc["dimension"]["Tid"]["category"] = {"index": {"2023": 0, "2024": 1}, "label": {"2023": "2023", "2024": "2024"}}
    doc["size"][-1] = 2
    doc.pop("value")
    return doc


def _data(request):
    body = json.loads(request.body)
    sel = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
    assert len(sel["Tid"]) == 1, "the request must be split by year to stay within maxDataCells"
    regions = {r: TOTALS[r] - (1000 if sel["Tid"][0] == "2023" else 0) for r in sel["Region"]}
    return 200, {"Content-Type": "application/json"}, json.dumps(tab638_doc(regions, sel["Tid"][0]))


def _mock() -> None:
    # 2 regions x 4 civil statuses x 101 ages x 2 sexes = 1 616 cells a year; 2 000 allowed: one year per request
    config = {"apiVersion": "2.3.2", "maxDataCells": 2000, "maxCallsPerTimeWindow": 30, "timeWindow": 10}
    responses.add(responses.GET, f"{BASE}/config", json=config)
    responses.add(responses.GET, f"{BASE}/tables/TAB638/metadata", json=_metadata())
    responses.add_callback(responses.POST, f"{BASE}/tables/TAB638/data", callback=_data)


@responses.activate
def test_fetch_splits_by_year_and_bands_add_up(tmp_path):
    _mock()
    scb = ScbSource(base_url=BASE, client=HttpClient("SCB", raw_dir=tmp_path, sleep=lambda _s: None))
    ages = fetch_scb_ages(scb, ["0127", "0181", "9999"])  # a region the table lacks is skipped
    posts = [c for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == 2
    totals = ages.groupby(["region_code", "year"])["value"].sum().to_dict()
    assert totals == {
        ("0127", 2023): 94905.0,
        ("0127", 2024): 95905.0,
        ("0181", 2023): 103440.0,
        ("0181", 2024): 104440.0,
    }
    assert sorted(set(ages["age_band"]))[:3] == ["0-4", "10-14", "100+"]
    assert set(ages["status"]) == {"ok"} and set(ages["source_ref"]) == {
        "SCB TAB638 BE0101N1 (single ages summed into 5-year bands)"
    }


@responses.activate
def test_refresh_publishes_ages_with_the_observations(store):
    _mock()
    catalog, regions = load_catalog(), load_regions()
    load_snapshot_into(store, catalog, regions)
    before = store.read_observations()[1]
    scb = ScbSource(base_url=BASE, client=HttpClient("SCB", raw_dir=None, sleep=lambda _s: None))
    outcome = refresh(
        store,
        catalog,
        regions,
        {"figures": FiguresSource(carried=before)},
        indicators=["deaths"],  # deaths carried over from the published figures; the age structure is new
        structures={"ages": lambda _ctx: fetch_scb_ages(scb, ["0127", "0181"])},
    )
    assert outcome.status == "published", outcome.error
    ages = store.read_ages()
    assert ages[(ages.region_code == "0127") & (ages.year == 2024)]["value"].sum() == 95905.0
    assert store.read_observations()[1].equals(before)


def test_full_refresh_of_everything_fetches_ages_and_flows(tmp_path):
    from etl.refresh import online_structures
    from etl.store import Store

    scb = ScbSource(base_url=BASE, client=HttpClient("SCB", raw_dir=None, sleep=lambda _s: None))
    store, regions = Store(f"sqlite:///{tmp_path / 's.sqlite'}"), load_regions()
    assert set(online_structures({"scb": scb}, regions, store, full=True, whole=True)) == {"ages", "flows"}
    # an incremental refresh, a chosen indicator or no SCB adapter: the published ones are carried over
    assert online_structures({"scb": scb}, regions, store, full=False, whole=True) == {}
    assert online_structures({"scb": scb}, regions, store, full=True, whole=False) == {}
    assert online_structures({}, regions, store, full=True, whole=True) == {}
    store.dispose()
