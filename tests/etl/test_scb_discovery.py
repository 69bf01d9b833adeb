"""Finding SCB tables at run time (etl.sources.scb_discovery) over real loopback HTTP.

The fixtures in tests/fixtures/scb/discovery are our own, in PxWebApi 2.0's formats: a
/tables search answer in two pages (with a decoy in another folder and a discontinued
twin of the BAS table), JSON-stat 2.0 metadata whose ContentsCode labels are SCB's texts,
and data answers; the numbers are invented. They are served by etl.recorded.ReplayServer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from etl.catalog import SourceRef, load_catalog
from etl.http import HttpClient, SourceError
from etl.recorded import RecordedSet, Recording, ReplayServer
from etl.refresh import online_structures, refresh
from etl.regions import load_regions
from etl.scb_finders import FINDERS
from etl.snapshot import load_snapshot_into
from etl.sources.base import FetchContext
from etl.sources.figures import FiguresSource
from etl.sources.scb import ScbSource
from etl.sources.scb_discovery import parse_tables_page, pick_table
from etl.store import Store

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "scb" / "discovery"
STAMP = "2026-03-02T07:00:00Z"
TABLES = ("TAB9901", "TAB9911", "TAB9912", "TAB9913", "TAB9914")
CATALOG = load_catalog()
REGIONS = load_regions()


def discovery_recordings(pages: tuple[Path, Path] | None = None) -> list[Recording]:
    """Config, both search pages, and metadata + data of every fixture table."""
    pages = pages or (FIX / "tables_page1.json", FIX / "tables_page2.json")
    recs = [Recording.from_body("config", FIX / "config.json", "")]
    recs += [Recording.from_body("tables", p, STAMP, page=n) for n, p in enumerate(pages, start=1)]
    for tab in TABLES:
        recs.append(Recording.from_body("metadata", FIX / f"{tab}_metadata.json", STAMP, table=tab))
        recs.append(Recording.from_body("data", FIX / f"{tab}_data.json", STAMP, table=tab))
    return recs


def moved(tmp_path: Path, table: str, folder: str = "AM0210G") -> tuple[Path, Path]:
    """Both search pages with `table` moved to another folder (as if SCB reorganised it)."""
    out = []
    for n in (1, 2):
        doc = json.loads((FIX / f"tables_page{n}.json").read_text(encoding="utf-8"))
        for t in doc["tables"]:
            if t["id"] == table:
                t["paths"][0][-1] = {"id": folder, "label": "Ny mapp"}
        path = tmp_path / f"moved_page{n}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        out.append(path)
    return out[0], out[1]


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer(RecordedSet(discovery_recordings())) as srv:
        yield srv


def source(url: str, raw_dir: Path | None = None) -> ScbSource:
    return ScbSource(base_url=url, client=HttpClient("SCB", raw_dir=raw_dir, retries=0, sleep=lambda _s: None))


def bas_ref(indicator: str) -> SourceRef:
    return next(s for s in CATALOG.get(indicator).sources if s.kind == "scb" and s.params.get("find"))


def one_line_error(excinfo: pytest.ExceptionInfo[SourceError]) -> str:
    text = str(excinfo.value)
    assert "\n" not in text
    return text


# --------------------------------------------------------------------------- pure


def test_pick_reads_every_page_and_skips_decoys():
    candidates = []
    for n in (1, 2):
        found, pages = parse_tables_page(json.loads((FIX / f"tables_page{n}.json").read_text()), "GET /tables")
        assert pages == 2
        candidates += found
    assert len(candidates) == 8
    picked = {name: pick_table(f, candidates, "GET /tables").id for name, f in FINDERS.items()}
    assert picked == {
        "ArRegPend1": "TAB9901",  # not TAB9902 (folder AM0210B) nor TAB9903 (discontinued)
        "ArRegPend2": "TAB9914",
        "AM0207PendlKomA9303": "TAB9911",
        "AM0207PendlKomA04": "TAB9912",
        "AM0207PendlKomA04N": "TAB9913",  # not TAB9904 (same folder and years, no bostad/arbetsställe variables)
    }


# --------------------------------------------------------------------------- over HTTP


def test_one_match_gives_rows_with_the_found_table_and_code(server: ReplayServer, tmp_path: Path):
    scb = source(server.url, raw_dir=tmp_path)
    ctx = FetchContext(regions=REGIONS)
    result = scb(bas_ref("in_commuters"), CATALOG.get("in_commuters"), ctx)
    frame = result.frame
    assert set(frame["source_ref"]) == {"SCB TAB9901 00009901"}
    assert set(frame["retrieved_at"]) == {STAMP} and set(frame["sex"]) == {"T"}
    values = frame.set_index(["region_code", "year"])["value"].to_dict()
    assert len(values) == 15  # the three municipalities the table has x 2020-2024
    assert values[("0127", 2020)] == 15000.0 and values[("0127", 2022)] == 15300.0
    assert values[("0181", 2024)] == 21600.0
    # the search was read page by page, then the table's metadata and one data request (Kon 'totalt' = '1+2')
    searches = [line for line in server.log if line.startswith("GET /api/v2/tables?")]
    assert any("pageNumber=1" in s for s in searches) and any("pageNumber=2" in s for s in searches)
    posts = [line for line in server.log if line.startswith("POST ")]
    assert len(posts) == 1 and '"Kon": ["1+2"]' in posts[0] and '"ContentsCode": ["00009901"]' in posts[0]
    # every answer is archived, the search pages included, and the resolution is cached for the refresh
    assert len(result.raws) == len(searches) + 2
    scb(bas_ref("live_and_work"), CATALOG.get("live_and_work"), ctx)
    assert len([line for line in server.log if line.startswith("GET /api/v2/tables?")]) == len(searches)


def test_contents_chosen_by_label_ignoring_case_and_spaces(server: ReplayServer):
    scb = source(server.url)
    ctx = FetchContext(regions=REGIONS)
    out = scb(bas_ref("out_commuters"), CATALOG.get("out_commuters"), ctx).frame
    live = scb(bas_ref("live_and_work"), CATALOG.get("live_and_work"), ctx).frame
    assert set(out["source_ref"]) == {"SCB TAB9901 00009902"}  # labelled "Bostad i kommunen men …"
    assert set(live["source_ref"]) == {"SCB TAB9901 00009903"}  # labelled "bostad och arbetsställe  i kommunen"
    suppressed = out[(out["region_code"] == "0136") & (out["year"] == 2024)].iloc[0]
    assert suppressed["status"] == "missing" and pd.isna(suppressed["value"])
    assert live.set_index(["region_code", "year"]).loc[("0136", 2021), "value"] == 20150.0


def test_no_match_names_the_search_and_the_candidates(tmp_path: Path):
    recorded = RecordedSet(discovery_recordings(moved(tmp_path, "TAB9901")))
    with ReplayServer(recorded) as srv, pytest.raises(SourceError) as info:
        source(srv.url)(bas_ref("in_commuters"), CATALOG.get("in_commuters"), FetchContext(regions=REGIONS))
    text = one_line_error(info)
    assert text.startswith("SCB ArRegPend1: table finder ArRegPend1 (search 'ArRegPend1' | 'pendlare kommungräns'")
    assert "matched no table (SCB renamed or moved it?)" in text
    assert "TAB9903 'Förvärvsarbetande pendlare 15-74 år över kommungräns (BAS)" in text and ": discontinued" in text
    assert "update the finder in etl/scb_finders.py or the catalog" in text


def test_two_matches_name_them_all(server: ReplayServer):
    loose = {"name": "BAS-pendling", "query": "pendling", "folder": "AM0210F", "first_year": 2020, "discontinued": None}
    ref = SourceRef("scb", bas_ref("in_commuters").params | {"find": loose}, 3)
    with pytest.raises(SourceError) as info:
        source(server.url)(ref, CATALOG.get("in_commuters"), FetchContext(regions=REGIONS))
    text = one_line_error(info)
    assert "table finder BAS-pendling (search 'pendling', folder AM0210F) matched 3 tables, expected one:" in text
    assert "TAB9901" in text and "TAB9903" in text and "TAB9914" in text
    assert "make the finder stricter" in text


def test_missing_contents_label_lists_the_labels(server: ReplayServer):
    ref = SourceRef("scb", bas_ref("in_commuters").params | {"contents_label": "bostad i en annan kommun"}, 3)
    with pytest.raises(SourceError) as info:
        source(server.url)(ref, CATALOG.get("in_commuters"), FetchContext(regions=REGIONS))
    text = one_line_error(info)
    assert text.startswith("SCB TAB9901: no ContentsCode labelled 'bostad i en annan kommun'; the table has ")
    assert "00009901 'bostad utanför kommunen men arbetsställe i kommunen'" in text
    assert "request: GET /tables/TAB9901/metadata" in text


# --------------------------------------------------------------------------- a refresh


def _refresh(store: Store, url: str, reference_dir: Path):
    scb = source(url)
    structures = online_structures({"scb": scb}, REGIONS, store, full=True, whole=True)
    return refresh(
        store,
        CATALOG,
        REGIONS,
        {"scb": scb, "figures": FiguresSource(directory=reference_dir / "figures")},
        indicators=["in_commuters", "out_commuters", "live_and_work"],
        structures={"flows": structures["flows"]},
    )


def _with_reference(reference_dir: Path, pages: tuple[Path, Path] | None = None) -> RecordedSet:
    """Our fixtures (their config first: maxDataCells 60) plus the recorded RAMS answers."""
    return RecordedSet(discovery_recordings(pages) + RecordedSet.load(reference_dir).recordings)


def _obs(frame: pd.DataFrame, indicator: str, region: str, year: int) -> tuple[float, str]:
    row = frame[(frame.indicator_id == indicator) & (frame.region_code == region) & (frame.year == year)]
    row = row[row.sex == "T"].iloc[0]
    return row["value"], row["source_ref"]


def _flow(flows: pd.DataFrame, a: str, b: str, year: int) -> tuple[float, str]:
    row = flows[(flows.from_code == a) & (flows.to_code == b) & (flows.year == year)].iloc[0]
    return row["value"], row["source_ref"]


def test_refresh_publishes_bas_behind_rams_and_the_pair_flows(store: Store, reference_dir: Path):
    load_snapshot_into(store, CATALOG, REGIONS)
    _, before = store.read_observations()
    with ReplayServer(_with_reference(reference_dir)) as srv:
        outcome = _refresh(store, srv.url, reference_dir)
        log = list(srv.log)
    assert outcome.status == "published", outcome.error
    _, after = store.read_observations()
    # RAMS stays primary up to 2021 (also where BAS has 2020-2021); BAS fills 2022 on
    rams_2021 = _obs(before, "in_commuters", "0127", 2021)
    assert rams_2021[1] == "SCB TAB5839 00000547"
    assert _obs(after, "in_commuters", "0127", 2021) == rams_2021
    assert _obs(after, "in_commuters", "0127", 2020)[1] == "SCB TAB5839 00000547"
    assert _obs(after, "in_commuters", "0127", 2022) == (15300.0, "SCB TAB9901 00009901")
    assert _obs(after, "out_commuters", "0181", 2023) == (16450.0, "SCB TAB9901 00009902")
    assert _obs(after, "live_and_work", "0136", 2024) == (20600.0, "SCB TAB9901 00009903")
    assert _obs(after, "net_commuting", "0127", 2022)[0] == 15300.0 - 29300.0  # derived from the BAS rows
    # flows: each pair table for its years, BAS from 2022 only, the published 2015 figures kept where SCB has none
    flows = store.read_flows()
    assert _flow(flows, "0127", "0136", 2003) == (1213.0, "SCB TAB9911 AM9911A1")
    assert _flow(flows, "0127", "0136", 2015) == (1225.0, "SCB TAB9912 AM9912A1")
    assert _flow(flows, "0127", "0136", 2021) == (1231.0, "SCB TAB9913 00009913")
    assert _flow(flows, "0127", "0136", 2022) == (1239.0, "SCB TAB9914 00009914")
    assert _flow(flows, "0181", "0127", 2024) == (3141.0, "SCB TAB9914 00009914")
    assert _flow(flows, "0127", "0180", 2015)[0] == 15311.0  # published, SCB's fixture has no Stockholm
    assert len(flows[flows.source == "SCB"]) == 6 * (11 + 15 + 3 + 3)  # 6 ordered pairs, no same-municipality cells
    assert len(flows[flows.source == "published"]) == 17
    # within maxDataCells (60): the 1993-2003 table (3 x 11 cells per home municipality) is asked one home at a time
    assert len([line for line in log if line.startswith("POST /api/v2/tables/TAB9911/data")]) == 3
    assert outcome.per_indicator["(flows)"] == {"status": "fetched", "rows": len(flows)}


@pytest.mark.parametrize(("table", "what"), [("TAB9901", "ArRegPend1"), ("TAB9914", "ArRegPend2")])
def test_failing_search_keeps_the_published_data(store: Store, reference_dir: Path, tmp_path: Path, table, what):
    load_snapshot_into(store, CATALOG, REGIONS)
    state, (version, frame), flows = store.state(), store.read_observations(), store.read_flows()
    with ReplayServer(_with_reference(reference_dir, moved(tmp_path, table))) as srv:
        outcome = _refresh(store, srv.url, reference_dir)
    assert outcome.status == "failed" and outcome.exit_code == 1
    assert f"SCB {what}: table finder {what} " in outcome.error and "matched no table" in outcome.error
    assert store.state() == state
    assert store.read_observations()[0] == version and store.read_observations()[1].equals(frame)
    assert store.read_flows().equals(flows)
    run = store.recent_runs(1)[0]
    assert run["status"] == "failed" and what in run["error"]


def test_found_table_with_an_extra_dimension_fails_before_asking_for_data():
    from etl.sources.scb_discovery import resolve_params

    meta = json.loads((FIX / "TAB9901_metadata.json").read_text(encoding="utf-8"))
    meta["id"].insert(1, "Alder")
    meta["dimension"]["Alder"] = {
        "label": "ålder",
        "category": {"index": {"15-74": 0}, "label": {"15-74": "15-74 år"}},
        "extension": {"elimination": False},
    }
    with pytest.raises(SourceError) as info:
        resolve_params(bas_ref("in_commuters").params, "TAB9901", meta)
    assert one_line_error(info) == (
        "SCB TAB9901: dimension(s) Alder cannot be left out (not eliminable); select them in the catalog entry"
        " (request: GET /tables/TAB9901/metadata)"
    )
    ok = resolve_params(bas_ref("in_commuters").params | {"select": {"Tid": "*", "Alder": ["15-74"]}}, "TAB9901", meta)
    assert ok["select"] == {"Tid": "*", "Alder": ["15-74"], "Kon": ["1+2"]} and ok["contents"] == "00009901"
