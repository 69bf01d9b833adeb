"""The command line, run as a user runs it: python -m etl ... against a temporary SQLite store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from etl.catalog import load_catalog
from etl.cli.parser import main

ROOT = Path(__file__).resolve().parents[2]
EIGHT = "0127,0136,0126,0140,0192,0128,0181,0138"
HEADER = "indicator_id,indicator,region_code,region,year,sex,value,unit,status,source,source_ref,retrieved_at"


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store loaded the one public way: `python -m etl snapshot load`."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'store.sqlite'}"
    result = run(url, "snapshot", "load")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("loaded the bundled snapshot as dataset version 1 (")
    again = run(url, "snapshot", "load")
    assert (again.returncode, again.stdout) == (
        0,
        "the store already holds dataset version 1 (snapshot); nothing loaded\n",
    )
    return url


def test_read_commands_never_load_an_empty_store(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    hint = (
        "error: the store is empty (no published dataset): load the bundled snapshot with "
        "`python -m etl snapshot load`, or fetch from the sources with `python -m etl refresh`\n"
    )
    for args in (["status"], ["export", "--indicator", "population"], ["versions"], ["rollback"]):
        result = run(url, *args)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", hint), args
    from etl.store import Store

    store = Store(url)
    store.create_schema()
    assert store.state() is None and store.recent_runs() == []  # nothing was loaded, no run logged
    assert run(url, "status").stderr == hint  # tables but no dataset: the same answer
    store.dispose()


def run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"NYCKELTAL_DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def population_csv(db_url: str) -> list[str]:
    result = run(db_url, "export", "--indicator", "population", "--regions", EIGHT, "--from", "1968", "--to", "2025")
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_export_population_header_and_known_lines(population_csv: list[str]):
    assert population_csv[0] == HEADER
    lines = set(population_csv[1:])
    for line in (
        "population,Folkmängd,0127,Botkyrka,1968,T,21813,personer,ok,SCB,SCB TAB638 BE0101N1,2026-09-13T21:55:39Z",
        "population,Folkmängd,0127,Botkyrka,1968,K,10734,personer,ok,SCB,SCB TAB638 BE0101N1,2026-09-13T21:55:39Z",
        "population,Folkmängd,0127,Botkyrka,1968,M,11079,personer,ok,SCB,SCB TAB638 BE0101N1,2026-09-13T21:55:39Z",
        "population,Folkmängd,0127,Botkyrka,2024,T,95905,personer,ok,SCB,SCB TAB638 BE0101N1,2026-09-13T21:55:39Z",
        "population,Folkmängd,0127,Botkyrka,2025,T,96750,personer,ok,SCB,SCB TAB5557 000007ME,2026-09-13T21:55:40Z",
        "population,Folkmängd,0140,Nykvarn,1998,T,7724,personer,ok,SCB,SCB TAB638 BE0101N1,2026-09-13T21:55:39Z",
    ):
        assert line in lines, line
    # 1968 comes first, in the order T, K, M
    assert population_csv[1].startswith("population,Folkmängd,0127,Botkyrka,1968,T,21813,")
    assert population_csv[2].split(",")[5] == "K" and population_csv[3].split(",")[5] == "M"


def test_export_population_coverage(population_csv: list[str]):
    frame = pd.DataFrame([line.split(",") for line in population_csv[1:]], columns=HEADER.split(","))
    assert list(dict.fromkeys(frame["region_code"])) == EIGHT.split(",")
    for code in EIGHT.split(","):
        mine = frame[(frame["region_code"] == code) & frame["year"].astype(int).between(1968, 2024)]
        assert set(zip(mine["year"].astype(int), mine["sex"], strict=True)) == {
            (y, s) for y in range(1968, 2025) for s in "TKM"
        }, code
    nykvarn = frame[frame["region_code"] == "0140"]
    early = nykvarn[nykvarn["year"].astype(int) < 1998]
    assert len(early) == 30 * 3
    assert set(early["status"]) == {"missing"} and set(early["value"]) == {""}
    assert (nykvarn[nykvarn["year"].astype(int).between(1998, 2024)]["status"] == "ok").all()
    assert set(early["source_ref"]) == {"SCB TAB638 BE0101N1 — kommunen fanns inte (bildades 1999)"}
    # 2025 (TAB5557) has the total only: women and men are rows without a value, with the reason
    late = nykvarn[(nykvarn["year"] == "2025") & nykvarn["sex"].isin(["K", "M"])]
    assert (
        late.loc[:, ["status", "value", "source", "source_ref"]].values.tolist()
        == [["missing", "", "", "inget värde i datamängden"]] * 2
    )


def test_export_commuting_and_tax(db_url: str):
    result = run(db_url, "export", "--indicator", "in_commuters", "--regions", EIGHT, "--from", "1993", "--to", "2021")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + 8 * 29
    assert (
        "in_commuters,Inpendlare,0127,Botkyrka,1993,T,7403,personer,ok,SCB,SCB TAB3267 AM0207H8,2026-09-21T09:45:59Z"
        in lines
    )
    assert (
        "in_commuters,Inpendlare,0127,Botkyrka,2021,T,13400,personer,ok,SCB,SCB TAB5839 00000547,2026-09-21T09:46:02Z"
        in lines
    )
    assert all(",SCB,SCB TAB" in line for line in lines[1:])

    result = run(
        db_url, "export", "--indicator", "tax_rate_total", "--regions", EIGHT, "--from", "2000", "--to", "2026"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + 8 * 27
    assert (
        "tax_rate_total,Total kommunal skattesats,0127,Botkyrka,2000,T,30.7,procent (kr per 100 kr),ok,SCB,SCB TAB2017 OE0101D1,2026-09-14T06:31:25Z"
        in lines
    )
    assert (
        "tax_rate_total,Total kommunal skattesats,0127,Botkyrka,2026,T,32.23,procent (kr per 100 kr),ok,SCB,SCB TAB2017 OE0101D1,2026-09-14T06:31:25Z"
        in lines
    )
    assert (
        "tax_rate_total,Total kommunal skattesats,0136,Haninge,2024,T,32.06,procent (kr per 100 kr),ok,SCB,SCB TAB2017 OE0101D1,2026-09-14T06:31:25Z"
        in lines
    )
    assert all(",SCB,SCB TAB2017 OE0101D1," in line for line in lines[1:])


def test_status_lists_every_indicator(db_url: str):
    result = run(db_url, "status")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Dataset version 1, published ")
    listed = {
        line.split()[0] for line in result.stdout.splitlines() if line and line.split()[0] in load_catalog().indicators
    }
    assert listed == set(load_catalog().indicators)
    assert "population                   SCB        1968–2025 (8/8)" in result.stdout


def test_unknown_indicator_is_a_usage_error(db_url: str):
    result = run(db_url, "export", "--indicator", "nope", "--regions", EIGHT)
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown indicator 'nope'; known: population, ")
    assert result.stdout == ""
    result = run(db_url, "export", "--indicator", "nope", "--sex", "T")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown indicator 'nope'"


def test_xlsx_and_parquet_outputs(db_url: str, tmp_path: Path):
    xlsx, parquet = tmp_path / "pop.xlsx", tmp_path / "pop.parquet"
    for fmt, path in (("xlsx", xlsx), ("parquet", parquet)):
        result = run(
            db_url,
            "export",
            "--indicator",
            "population",
            "--regions",
            "0127",
            "--from",
            "2024",
            "--to",
            "2025",
            "--format",
            fmt,
            "--output",
            str(path),
        )
        assert result.returncode == 0, result.stderr
    for frame in (pd.read_excel(xlsx, sheet_name="data", dtype={"region_code": str}), pd.read_parquet(parquet)):
        assert list(frame.columns) == HEADER.split(",")
        got = {(int(r.year), r.sex): r.value for r in frame.itertuples()}
        assert got[(2024, "T")] == 95905
        assert got[(2025, "T")] == 96750
        assert set(frame["region_code"].astype(str)) == {"0127"}
    needs_output = run(db_url, "export", "--indicator", "population", "--format", "xlsx")
    assert needs_output.returncode == 2 and "needs --output" in needs_output.stderr


@pytest.mark.parametrize("command", [None, "refresh", "status", "export", "snapshot", "settings"])
def test_help_for_every_subcommand(command: str | None, capsys: pytest.CaptureFixture[str]):
    argv = [command, "--help"] if command else ["--help"]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m etl" + (f" {command}" if command else ""))
    if command == "export":
        assert "--indicator" in out and "--format" in out
    if command is None:
        for sub in ("refresh", "status", "export", "snapshot", "settings"):
            assert sub in out


def test_help_as_subprocess(db_url: str):
    result = run(db_url, "export", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: python -m etl export")


@pytest.mark.parametrize(
    ("full", "whole", "sources", "expected"),
    [
        (True, True, ("scb",), ["ages", "flows"]),
        (True, False, ("scb",), []),  # --indicator: the published age structure and flows are carried over
        (False, True, ("scb",), []),  # incremental
        (True, True, ("kolada",), []),  # no SCB adapter, nothing to fetch them from
    ],
)
def test_refresh_fetches_ages_and_flows_only_on_a_full_refresh_of_everything(
    full: bool, whole: bool, sources: tuple[str, ...], expected: list[str]
):
    from etl.cli.refresh import _structures
    from etl.regions import load_regions

    adapters = {name: object() for name in sources}
    assert sorted(_structures(adapters, load_regions(), None, full=full, whole=whole)) == expected
