"""Issue 18's Kolada themes: offline they wait for the first refresh (never zeros); a refresh against a
loopback Kolada v3 emulation (tests/etl/kolada_emulator.py, invented test values) publishes them, and
/nyckeltal, /jamfor and /om show them; a KPI id Kolada does not know fails the refresh, naming it."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dashboard import data
from dashboard.api import indicators_doc
from dashboard.pages import jamfor, nyckeltal, om
from etl.catalog import SourceRef, load_catalog
from etl.http import HttpClient
from etl.query import Selection, query
from etl.refresh import refresh
from etl.regions import load_regions
from etl.snapshot import ensure_published
from etl.sources.kolada import fetch_kolada
from etl.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "etl"))
from kolada_emulator import KoladaEmulator

EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")
# the catalog entries whose KPIs the emulator serves
SERVED = {
    "result_per_inhabitant": "N03107",
    "year9_merit_value": "N15507",
    "elderly_care_cost_80": "N20048",
    "net_cost_financial_assistance": "N31008",
    "dwellings_completed": "N07917",
    "post_secondary_25_64": "N01982",
}


def find(tree: Any, wanted_id: str) -> Any:
    """The component with id `wanted_id` in a Dash layout."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if getattr(node, "id", None) == wanted_id:
            return node
        children = getattr(node, "children", None)
        if children is not None:
            stack.append(children)
    raise AssertionError(f"no component {wanted_id!r}")


def text(tree: Any) -> str:
    if isinstance(tree, str | int | float):
        return str(tree)
    if isinstance(tree, list | tuple):
        return " ".join(text(c) for c in tree)
    return text(getattr(tree, "children", None) or "")


def kolada_adapter(base_url: str, raw_dir: Path):
    client = HttpClient(source="Kolada", raw_dir=raw_dir, retries=0)
    return lambda ref, indicator, ctx: fetch_kolada(ref, indicator, ctx, client=client, base_url=base_url)


@pytest.fixture
def store(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ensure_published(store)
    previous = data._SOURCE
    data.configure(store.url)
    yield store
    data._SOURCE = previous
    store.dispose()


def option(options: list[dict], value: str) -> tuple[dict, str, str]:
    """The picker's option for `value`, with the name and the coverage its label shows."""
    (found,) = [o for o in options if o["value"] == value]
    name, covered = found["label"].children
    return found, text(name), text(covered)


def cells(layout: Any, key: str) -> list:
    return [c for c in find(layout, f"kf-row-{key}").children[1:]]


def test_offline_they_wait_for_the_first_refresh(store: Store) -> None:
    page = nyckeltal.layout(lang="sv")
    for key in [*SERVED, "equity_ratio"]:
        (only,) = cells(page, key)  # one cell across all columns
        assert text(only) == "hämtas vid första uppdateringen" and only.colSpan == 11
    # the picker lists them, disabled, as waiting; /jamfor says so for a link to one; /om likewise
    options = jamfor.indicator_options(data.dataset(), "en", with_pending=True)
    merit, name, covered = option(options, "year9_merit_value")
    assert merit["disabled"] and (name, covered) == (
        "Year-9 merit value (home municipality)",
        "fetched at the first refresh",
    )
    assert merit["label"].title == "Year-9 merit value (home municipality) (fetched at the first refresh)"
    assert "jf-pending" in json.dumps(
        jamfor.layout(indicator="year9_merit_value", lang="sv").to_plotly_json(), default=str
    )
    section = find(om.layout(lang="en"), "om-year9_merit_value")
    assert "fetched at the first refresh" in text(section)
    # the catalog in the API says so too
    docs = {d["id"]: d for d in indicators_doc(data.dataset())["indicators"]}
    assert docs["year9_merit_value"]["pending"]["en"] == "fetched at the first refresh"
    assert docs["year9_merit_value"]["coverage"] is None and docs["population"]["pending"] is None
    # and nothing of them is in the published data: no value, no zero
    assert all(data.dataset().years(i) is None for i in SERVED)


def test_a_refresh_against_kolada_publishes_them(store: Store, tmp_path: Path) -> None:
    catalog, regions = load_catalog(), load_regions()
    before = store.state().version
    with KoladaEmulator() as base_url:
        outcome = refresh(
            store, catalog, regions, {"kolada": kolada_adapter(base_url, tmp_path / "raw")}, indicators=list(SERVED)
        )
    assert outcome.status == "published", outcome.error
    assert store.state().version == before + 1
    dataset = data.dataset()
    assert dataset.version == before + 1
    merit = query(dataset, Selection("year9_merit_value", EIGHT, 2024, 2024))
    assert merit["value"].tolist() == [201.0, 204.0, 207.0, 210.0, 213.0, 216.0, 219.0, 222.0]
    assert set(merit["source_ref"]) == {"Kolada N15507"}
    girls = query(dataset, Selection("year9_merit_value", ("0127",), 2024, 2024, sex="K"))
    assert girls["value"].tolist() == [202.0]
    # Kolada's unweighted group G96274 (999 in the test data) is never stored, nor shown as Södertörn
    for indicator in SERVED:
        rows = dataset.rows(indicator)
        assert set(rows["region_code"]) <= {*EIGHT, "01", "00"} and not (rows["value"] == 999.0).any()
        first, last = dataset.years(indicator)
        group = query(dataset, Selection(indicator, ("sodertorn",), first, last))
        assert len(group) and not (group["value"] == 999.0).any()
    # Södertörn by the declared weight: kronor per inhabitant weighted by the population on 31 December
    result = query(dataset, Selection("result_per_inhabitant", (*EIGHT, "sodertorn"), 2023, 2023))
    pop = query(dataset, Selection("population", EIGHT, 2023, 2023))
    expected = float(np.dot(result["value"][:8], pop["value"]) / pop["value"].sum())
    assert result["value"].iloc[8] == pytest.approx(expected, rel=1e-12)
    merit_group = query(dataset, Selection("year9_merit_value", ("sodertorn",), 2024, 2024))
    assert merit_group["value"].isna().all() and merit_group["status"].tolist() == ["missing"]

    # /nyckeltal: the values, the ranks, Nykvarn's missing 2024 shown with its year 2023, the reasons
    page = nyckeltal.layout(lang="sv")
    row = cells(page, "year9_merit_value")
    assert [float(c.to_plotly_json()["props"]["data-value"]) for c in row[:8]] == merit["value"].tolist()
    assert text(row[0]).startswith("201,0") and "8 av 8" in text(row[0]) and "+1,0" in text(row[0])
    assert text(row[7]).startswith("222,0") and "1 av 8" in text(row[7])
    assert text(row[8]).startswith("beräknas inte")  # Södertörn: the catalog's reason
    nykvarn = cells(page, "result_per_inhabitant")[3]
    assert "(2023)" in text(nykvarn) and float(nykvarn.to_plotly_json()["props"]["data-value"]) == 1300.0
    (waiting,) = cells(page, "equity_ratio")  # not served: still waiting
    assert text(waiting) == "hämtas vid första uppdateringen"

    # /jamfor: the figure is offered and shown, with no waiting notice
    options = jamfor.indicator_options(dataset, "sv", with_pending=True)
    merit_option, name, covered = option(options, "year9_merit_value")
    assert not merit_option["disabled"] and (name, covered) == ("Meritvärde åk 9 (hemkommun)", "2023–2024")
    view = jamfor.layout(indicator="year9_merit_value", regions="0127,0138", lang="sv")
    table = json.loads(find(view, "jf-table").to_plotly_json()["props"]["data-table"])
    assert ["Botkyrka", "2024", "201,0", "ok", "Kolada"] in table["rows"]
    assert ["Tyresö", "2024", "222,0", "ok", "Kolada"] in table["rows"]
    assert "jf-pending" not in json.dumps(view.to_plotly_json(), default=str)


def test_a_kpi_id_kolada_does_not_know_is_a_refresh_error_naming_it(store: Store, tmp_path: Path) -> None:
    catalog, regions = load_catalog(), load_regions()
    wrong = dataclasses.replace(catalog.get("equity_ratio"), sources=(SourceRef("kolada", {"kpi": "N99999"}, 0),))
    catalog = dataclasses.replace(catalog, indicators={**catalog.indicators, "equity_ratio": wrong})
    before = store.state()
    with KoladaEmulator() as base_url:
        outcome = refresh(
            store,
            catalog,
            regions,
            {"kolada": kolada_adapter(base_url, tmp_path / "raw")},
            indicators=["year9_merit_value", "equity_ratio"],
        )
    assert outcome.status == "failed" and outcome.exit_code == 1
    assert outcome.error.startswith("Kolada N99999: ")
    assert "Kolada does not know the KPI 'N99999'" in outcome.error and "/kpi/N99999" in outcome.error
    assert outcome.per_indicator["equity_ratio"]["status"] == "failed"
    assert store.state() == before  # nothing published
