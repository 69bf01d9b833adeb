"""etl.flows: published flows, the snapshot's flows.csv, the SCB pair-table adapter (etl.sources.scb_flows) and region commuting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import flows
from etl.http import SourceError
from etl.query_tables import region_commuting
from etl.snapshot import FLOWS_FILE, build_snapshot
from etl.sources import scb_flows
from etl.tables.flows import FLOWS, FlowError, validate_flows

COMMITTED = Path(__file__).resolve().parents[2] / "data" / "snapshot" / FLOWS_FILE


def test_published_flows_read(reference_dir: Path):
    frame, names = flows.read_figures(reference_dir / "figures" / flows.FIGURES_FILE)
    assert len(frame) == 17 and list(frame.columns) == list(FLOWS.column_names)
    pair = frame[(frame["from_code"] == "0127") & (frame["to_code"] == "0180")].iloc[0]
    assert (pair["year"], pair["value"], pair["status"], pair["source"]) == (2015, 15311.0, "ok", "published")
    assert "statistik.stockholm.se" in pair["source_ref"]
    assert names["0480"] == "Nyköping"


def test_snapshot_flows_rebuilt_identically(reference_dir: Path, tmp_path: Path):
    build_snapshot(reference_dir, tmp_path)
    assert (tmp_path / FLOWS_FILE).read_bytes() == COMMITTED.read_bytes()
    back = flows.read_flows_csv(COMMITTED)
    assert (
        back["value"].sum()
        == 15311
        + 4531
        + 16562
        + 4685
        + 24655
        + 13334
        + 763
        + 116
        + 3310
        + 447
        + 2583
        + 339
        + 7084
        + 4896
        + 11228
        + 2039
        + 685
    )


def test_contract_problems_listed():
    bad = pd.DataFrame(
        [
            ["0127", "0127", 2015, "T", 1.0, "ok", "x", "x", None],
            ["0127", "0180", 2015, "T", -5.0, "ok", "x", "x", None],
            ["0127", "0180", 2015, "T", 5.0, "ok", "x", "x", None],
        ],
        columns=list(FLOWS.column_names),
    )
    with pytest.raises(FlowError) as err:
        validate_flows(bad)
    text = str(err.value)
    assert "to itself" in text and "negative flow" in text and "duplicate flow 0127->0180" in text


def _pair_metadata() -> dict:
    dims = {
        "Bostadskommun": ["0127", "0180", "0181"],
        "Arbetsstallekommun": ["0127", "0180", "0181"],
        "Kon": ["1", "2", "4"],
        "ContentsCode": ["AM0207AC"],
        "Tid": ["2017", "2018"],
    }
    return {
        "id": list(dims),
        "dimension": {n: {"category": {"index": {c: i for i, c in enumerate(v)}}} for n, v in dims.items()},
    }


def test_pair_table_request_and_answer():
    spec = scb_flows.FlowTable("PendlKomA04", "AM0207AC")
    reqs = scb_flows.build_flow_requests(spec, _pair_metadata(), ["0127", "0181"], ["0127", "0180", "0181"], 6)
    assert [r.selection["Bostadskommun"] for r in reqs] == [["0127"], ["0181"]]
    assert reqs[0].selection["Kon"] == ["4"] and reqs[0].selection["Tid"] == ["2017", "2018"]
    # an answer in JSON-stat 2.0 for the first request: 0127 -> (0127, 0180, 0181) x 2 years
    doc = {
        "class": "dataset",
        "id": ["Bostadskommun", "Arbetsstallekommun", "Kon", "ContentsCode", "Tid"],
        "size": [1, 3, 1, 1, 2],
        "dimension": {
            "Bostadskommun": {"category": {"index": {"0127": 0}}},
            "Arbetsstallekommun": {"category": {"index": {"0127": 0, "0180": 1, "0181": 2}}},
            "Kon": {"category": {"index": {"4": 0}}},
            "ContentsCode": {"category": {"index": {"AM0207AC": 0}}},
            "Tid": {"category": {"index": {"2017": 0, "2018": 1}}},
        },
        "value": [30000, 30100, 15000, 15100, None, 800],
        "status": {"4": ".."},
    }
    tidy = scb_flows.tidy_flow_answer(doc, spec, reqs[0], "2026-01-01T00:00:00Z")
    assert tidy[["from_code", "to_code", "year", "value", "status"]].values.tolist()[:2] == [
        ["0127", "0180", 2017, 15000.0, "ok"],
        ["0127", "0180", 2018, 15100.0, "ok"],
    ]
    missing = tidy[(tidy["to_code"] == "0181") & (tidy["year"] == 2017)].iloc[0]
    assert missing["status"] == "missing" and pd.isna(missing["value"])
    assert len(tidy) == 4  # the same-municipality cells are not flows


def test_pair_table_with_renamed_dimension_fails_loudly():
    meta = _pair_metadata()
    meta["id"] = ["Bostad", "Arbetsstallekommun", "Kon", "ContentsCode", "Tid"]
    with pytest.raises(SourceError, match="no home municipality dimension"):
        scb_flows.build_flow_requests(scb_flows.FlowTable("PendlKomA04", "AM0207AC"), meta, ["0127"], ["0180"], 1000)


def test_region_commuting_counts_internal_flows_once():
    rows = [
        ["A", "B", 2015, "T", 100.0],
        ["B", "A", 2015, "T", 40.0],
        ["A", "X", 2015, "T", 500.0],
    ]
    frame = pd.DataFrame([[*r, "ok", "s", "s", None] for r in rows], columns=list(FLOWS.column_names))
    rc = region_commuting(frame, ["A", "B"], 2015, {"A": 300.0, "B": 200.0}, {"A": 700.0, "B": 90.0})
    assert (rc.in_commuters, rc.out_commuters, rc.internal, rc.complete) == (360.0, 650.0, 140.0, True)
    # without every pair the region's own figures are not given (never the municipal sum)
    partial = region_commuting(frame.iloc[[0, 2]], ["A", "B"], 2015, {"A": 300.0, "B": 200.0}, {})
    assert (partial.in_commuters, partial.complete) == (None, False)


# ---------------------------------------------------------------- pair tables found at run time
DISCOVERY = Path(__file__).resolve().parent.parent / "fixtures" / "scb" / "discovery"


def test_pair_tables_are_finders_in_order_with_bas_from_2022():
    names = [(s.finder.name, s.from_year) for s in scb_flows.SCB_FLOW_TABLES]
    assert names == [
        ("AM0207PendlKomA9303", None),
        ("AM0207PendlKomA04", None),
        ("AM0207PendlKomA04N", None),
        ("ArRegPend2", 2022),
    ]


def test_found_pair_table_resolved_by_label_and_years():
    import json

    meta = json.loads((DISCOVERY / "TAB9914_metadata.json").read_text(encoding="utf-8"))
    table = scb_flows.resolve_flow_table(scb_flows.SCB_FLOW_TABLES[-1], "TAB9914", meta)
    assert (table.table, table.contents, table.sex_total, table.from_year) == ("TAB9914", "00009914", "1+2", 2022)
    reqs = scb_flows.build_flow_requests(table, meta, ["0127", "0136"], ["0127", "0136"], 150000)
    assert len(reqs) == 1 and reqs[0].selection["Tid"] == ["2022", "2023", "2024"]
    assert reqs[0].selection["Kon"] == ["1+2"] and reqs[0].cells() == 2 * 2 * 3
    # a table with several contents must be told which one, by label
    meta["dimension"]["ContentsCode"]["category"]["index"]["X"] = 1
    meta["dimension"]["ContentsCode"]["category"]["label"]["X"] = "Andel"
    with pytest.raises(SourceError, match=r"2 contents \(00009914 'Förvärvsarbetande 15-74 år'; X 'Andel'\)"):
        scb_flows.resolve_flow_table(scb_flows.SCB_FLOW_TABLES[-1], "TAB9914", meta)


def test_published_figures_fill_where_scb_has_no_value():
    def frame(rows, source):
        return pd.DataFrame(
            [[a, b, y, "T", v, "missing" if v is None else "ok", source, source, None] for a, b, y, v in rows],
            columns=list(FLOWS.column_names),
        )

    scb = frame([("0127", "0180", 2015, 15000.0), ("0136", "0180", 2015, None)], "SCB")
    published = frame(
        [("0127", "0180", 2015, 15311.0), ("0136", "0180", 2015, 16562.0), ("0181", "0180", 2015, 1.0)], "published"
    )
    out = flows.combine(scb, published)
    got = {(r.from_code, r.year): (r.value, r.source) for r in out.itertuples()}
    assert got == {
        ("0127", 2015): (15000.0, "SCB"),  # SCB wins
        ("0136", 2015): (16562.0, "published"),  # SCB marks it missing: the published figure stays
        ("0181", 2015): (1.0, "published"),  # SCB has no row
    }


def test_all_county_pairs_fit_scb_max_cells():
    from etl.regions import load_regions

    county = load_regions().municipalities(county="01")
    dims = {
        "Bostadskommun": county,
        "Arbetsstallekommun": county,
        "Kon": ["1", "2", "4"],
        "ContentsCode": ["C"],
        "Tid": [str(y) for y in range(2004, 2019)],
    }
    meta = {
        "id": list(dims),
        "dimension": {n: {"category": {"index": {c: i for i, c in enumerate(v)}}} for n, v in dims.items()},
    }
    table = scb_flows.FlowTable("TAB", "C")
    # SCB's /config: maxDataCells 150 000; 26 x 26 pairs x 15 years = 10 140 cells, one request
    reqs = scb_flows.build_flow_requests(table, meta, county, county, 150000)
    assert [r.cells() for r in reqs] == [26 * 26 * 15]
    # a smaller limit splits by home municipality, never above the limit
    small = scb_flows.build_flow_requests(table, meta, county, county, 1000)
    assert len(small) == 13 and max(r.cells() for r in small) == 780 and sum(r.cells() for r in small) == 10140
