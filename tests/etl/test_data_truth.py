"""Data truth for issue 15: births, net migration and median income are SCB's recorded values for
every municipality and year; a municipality that did not exist is missing with the reason, never 0;
the county is the exact sum of its municipalities and equals SCB's published county figure; every
requested region and year gets a row; sources name their publisher, malformed URLs are refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from etl.catalog import CatalogError, load_catalog, parse_catalog
from etl.checks import check_source_urls
from etl.query import Dataset, Selection, query
from etl.regions import load_regions, parse_regions
from etl.schema import empty_observations
from etl.snapshot import read_observations_csv
from etl.sources import jsonstat
from etl.sources.figures import pick_figures, publisher, read_figure_files
from etl.transform import county_sum, mark_before_existence
from etl.urls import url_problem
from etl.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "data" / "snapshot" / "observations.csv"
EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")
NINE = ",".join((*EIGHT, "01"))
HEADER = "indicator_id,indicator,region_code,region,year,sex,value,unit,status,source,source_ref,retrieved_at"


def _cli(db_url: str, *args: str) -> str:
    env = os.environ | {"NYCKELTAL_DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the bundled snapshot loaded by the deploy step (read commands never load one)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('truth') / 'store.sqlite'}"
    _cli(url, "snapshot", "load")
    return url


def _recorded(reference_dir: Path, table: str) -> pd.DataFrame:
    """The recorded SCB body of `table` (the one data file) as cells: Region, Tid, Kon, value."""
    (path,) = sorted((reference_dir / "scb" / table / "sv").glob("*.stockholms-lan-trimmed.json"))
    cells = jsonstat.to_frame(json.loads(path.read_text(encoding="utf-8"))["response"])
    assert cells["status"].isna().all()
    return cells


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _expected_by_sex(cells: pd.DataFrame) -> dict[tuple[str, int, str], float]:
    """(region, year, sex) -> SCB's value, T = K + M (Kon 1 = men, 2 = women)."""
    out: dict[tuple[str, int, str], float] = {}
    for r in cells.itertuples():
        out[(r.Region, int(r.Tid), {"1": "M", "2": "K"}[r.Kon])] = float(r.value)
    for (region, year, sex), v in list(out.items()):
        if sex == "K":
            out[(region, year, "T")] = v + out[(region, year, "M")]
    return out


@pytest.mark.parametrize(
    ("indicator", "table", "first"),
    [("births", "TAB1264", 1968), ("net_migration", "TAB1212", 1997)],
)
def test_export_is_scb_value_for_every_municipality_and_year(
    db_url: str, reference_dir: Path, indicator: str, table: str, first: int
):
    """`python -m etl export --indicator births --regions <the eight>,01 --from 1968 --to 2024`."""
    text = _cli(db_url, "export", "--indicator", indicator, "--regions", NINE, "--from", str(first), "--to", "2024")
    assert text.splitlines()[0] == HEADER
    rows = _csv(text)
    expected = _expected_by_sex(_recorded(reference_dir, table))
    years = range(first, 2025)
    assert len(rows) == 9 * len(years) * 3  # a row for every region, year and sex asked
    ref = {"births": "SCB TAB1264 BE0101E2", "net_migration": "SCB TAB1212 BE0101AZ"}[indicator]
    for r in rows[rows["region_code"] != "01"].itertuples():
        year = int(r.year)
        if r.region_code == "0140" and year < 1999:  # SCB gives 0: Nykvarn did not exist
            assert expected[(r.region_code, year, r.sex)] == 0
            assert (r.value, r.status, r.source) == ("", "missing", "SCB")
            assert r.source_ref == f"{ref} — kommunen fanns inte (bildades 1999)"
        else:
            assert float(r.value) == expected[(r.region_code, year, r.sex)], (r.region_code, year, r.sex)
            assert (r.status, r.source, r.source_ref) == ("ok", "SCB", ref)
    # the county: the sum of the municipalities that existed (25 before 1999, 26 from 1999)
    county_codes = load_regions().municipalities(county="01")
    for r in rows[rows["region_code"] == "01"].itertuples():
        year = int(r.year)
        members = [c for c in county_codes if c != "0140" or year >= 1999]
        assert float(r.value) == sum(expected[(c, year, r.sex)] for c in members)
        assert (r.status, r.source) == ("computed", "computed")
        assert r.source_ref == f"sum of the county's {len(members)} municipalities ({ref})"


def test_births_export_exact_lines(db_url: str):
    text = _cli(
        db_url, "export", "--indicator", "births", "--regions", "0138,0140,01", "--from", "1998", "--to", "1999"
    )
    assert text.splitlines() == [
        HEADER,
        "births,Födda,0138,Tyresö,1998,T,484,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0138,Tyresö,1998,K,231,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0138,Tyresö,1998,M,253,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0138,Tyresö,1999,T,495,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0138,Tyresö,1999,K,243,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0138,Tyresö,1999,M,252,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0140,Nykvarn,1998,T,,personer,missing,SCB,SCB TAB1264 BE0101E2 — kommunen fanns inte (bildades 1999),2026-09-18T13:48:42Z",
        "births,Födda,0140,Nykvarn,1998,K,,personer,missing,SCB,SCB TAB1264 BE0101E2 — kommunen fanns inte (bildades 1999),2026-09-18T13:48:42Z",
        "births,Födda,0140,Nykvarn,1998,M,,personer,missing,SCB,SCB TAB1264 BE0101E2 — kommunen fanns inte (bildades 1999),2026-09-18T13:48:42Z",
        "births,Födda,0140,Nykvarn,1999,T,74,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0140,Nykvarn,1999,K,44,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,0140,Nykvarn,1999,M,30,personer,ok,SCB,SCB TAB1264 BE0101E2,2026-09-18T13:48:42Z",
        "births,Födda,01,Stockholms län,1998,T,20815,personer,computed,computed,sum of the county's 25 municipalities (SCB TAB1264 BE0101E2),",
        "births,Födda,01,Stockholms län,1998,K,10134,personer,computed,computed,sum of the county's 25 municipalities (SCB TAB1264 BE0101E2),",
        "births,Födda,01,Stockholms län,1998,M,10681,personer,computed,computed,sum of the county's 25 municipalities (SCB TAB1264 BE0101E2),",
        "births,Födda,01,Stockholms län,1999,T,20863,personer,computed,computed,sum of the county's 26 municipalities (SCB TAB1264 BE0101E2),",
        "births,Födda,01,Stockholms län,1999,K,10158,personer,computed,computed,sum of the county's 26 municipalities (SCB TAB1264 BE0101E2),",
        "births,Födda,01,Stockholms län,1999,M,10705,personer,computed,computed,sum of the county's 26 municipalities (SCB TAB1264 BE0101E2),",
    ]


def test_median_income_16plus_for_all_eight(db_url: str, reference_dir: Path):
    text = _cli(
        db_url, "export", "--indicator", "median_income_16plus", "--regions", ",".join((*EIGHT, "sodertorn")),
        "--from", "1999", "--to", "2024", "--lang", "en",
    )  # fmt: skip
    rows = _csv(text)
    cells = _recorded(reference_dir, "TAB3554")
    expected = {(r.Region, int(r.Tid)): float(r.value) for r in cells.itertuples()}
    mine = rows[rows["region_code"] != "sodertorn"]
    assert len(mine) == 8 * 26
    for r in mine.itertuples():
        assert float(r.value) == expected[(r.region_code, int(r.year))]
        assert (r.unit, r.status, r.source, r.source_ref) == ("thousand SEK", "ok", "SCB", "SCB TAB3554 HE0110J8")
    assert "0138,Tyresö,2024,T,385.4,thousand SEK,ok,SCB,SCB TAB3554 HE0110J8," in text
    # no Södertörn median: a row per year, missing, with the reason
    group = rows[rows["region_code"] == "sodertorn"]
    assert len(group) == 26 and set(group["status"]) == {"missing"} and set(group["value"]) == {""}
    assert set(group["source_ref"]) == {
        "Södertörn: not computed (A median for Södertörn cannot be computed from the municipalities' medians "
        "(a median of medians is not a median); it needs every resident's income.)"
    }


def test_median_incomes_are_apart_and_say_so():
    catalog = load_catalog()
    new, old = catalog.get("median_income_16plus"), catalog.get("median_income_20_64")
    assert new.theme == old.theme == "income" and catalog.themes["income"].sv == "Inkomst"
    assert (new.unit.id, old.unit.id) == ("tsek", "sek")
    for lang in ("sv", "en"):
        assert "N00906" in new.description(lang) and "TAB3554" in old.description(lang)
    assert "median av medianer" in new.aggregation.reason("sv")
    assert "median of medians" in new.aggregation.reason("en")


def test_county_sum_equals_scbs_published_county_figures(reference_dir: Path):
    """Where figures/ holds Stockholms län's own figure, the computed sum equals it: every figure SCB
    published; of the other publishers' copies only Stockholm city's 2017 page differs (2 303 417 there,
    2 308 143 in TAB638's 26 municipalities: its page is not SCB's)."""
    obs = read_observations_csv(SNAPSHOT)
    figures = read_figure_files(reference_dir / "figures")
    names = {"population": "population", "births": "births", "net_migration_total": "net_migration"}
    compared, differ = [], []
    for f in figures[(figures["region_code"] == "01") & figures["indicator"].isin(names)].itertuples():
        mine = obs[
            (obs["indicator_id"] == names[f.indicator])
            & (obs["region_code"] == "01")
            & (obs["year"] == int(f.year))
            & (obs["sex"] == f.sex)
        ]
        assert len(mine) == 1 and mine["status"].iloc[0] == "computed", (f.indicator, f.year)
        pub = publisher(f.source_url)
        if float(mine["value"].iloc[0]) == float(f.value):
            compared.append((f.indicator, int(f.year), pub.name if pub else None))
        else:
            differ.append((f.indicator, int(f.year), pub.name if pub else None))
    scb = sorted(c for c in compared if c[2] == "SCB")
    assert scb == [("births", 2024, "SCB"), ("net_migration_total", 2024, "SCB"), ("population", 2024, "SCB")]
    assert differ == [("population", 2017, "Stockholms stad")]
    births = obs[(obs["indicator_id"] == "births") & (obs["region_code"] == "01") & (obs["year"] == 2024)]
    assert births.set_index("sex")["value"].to_dict() == {"K": 12546.0, "M": 13111.0, "T": 25657.0}


def test_county_never_summed_for_commuting():
    catalog = load_catalog()
    for ind in catalog.indicators.values():
        if ind.theme == "commuting":
            assert all(s.kind != "county_sum" for s in ind.sources), ind.id
    doc = load_yaml((ROOT / "etl" / "catalog.yaml").read_text(encoding="utf-8"))
    commuting = next(i for i in doc["indicators"] if i["id"] == "in_commuters")
    commuting["aggregation"] = {"method": "sum"}
    commuting["sources"] = [*commuting["sources"], {"county_sum": {}}]
    with pytest.raises(CatalogError, match="no county sum for commuting"):
        parse_catalog(doc)


def test_county_sum_needs_every_municipality_that_existed():
    regions, ind = load_regions(), load_catalog().get("births")
    members = regions.municipalities(county="01")

    def frame(year: int, codes: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "indicator_id": "births", "region_code": codes, "year": year, "sex": "T", "value": 10.0,
                "status": "ok", "source": "SCB", "source_ref": "SCB TAB1264 BE0101E2", "retrieved_at": "x",
            }
        )  # fmt: skip

    without_nykvarn = [c for c in members if c != "0140"]
    assert county_sum(frame(1998, without_nykvarn), ind, regions)["value"].tolist() == [250.0]
    assert county_sum(frame(1999, without_nykvarn), ind, regions).empty  # Nykvarn existed: incomplete
    assert county_sum(frame(1999, members), ind, regions)["value"].tolist() == [260.0]
    # a table not named in `of` (e.g. CKM-perturbed TAB6640) is not summed
    assert county_sum(frame(1999, members), ind, regions, of=("SCB TAB1212 ",)).empty


def test_validity_years_make_every_indicator_missing_before_the_municipality_existed():
    """The rule is declared once (regions.yaml valid_from) and holds for every indicator of every table."""
    regions, catalog = load_regions(), load_catalog()
    obs = read_observations_csv(SNAPSHOT)
    nykvarn = obs[obs["region_code"] == "0140"]
    for ind_id, rows in nykvarn.groupby("indicator_id"):
        first = regions.get("0140").first_year(catalog.get(str(ind_id)).measured)
        early = rows[rows["year"] < first]
        assert early["value"].isna().all() and set(early["status"]) <= {"missing"}, ind_id
    assert (nykvarn[(nykvarn["indicator_id"] == "births") & (nykvarn["year"] < 1999)]["status"] == "missing").all()
    assert nykvarn[(nykvarn["indicator_id"] == "population") & (nykvarn["year"] == 1998)]["value"].notna().all()
    # Knivsta (0330, Uppsala län, formed 1 January 2003) given as 0 by SCB: the same rule
    doc = load_yaml((ROOT / "etl" / "regions.yaml").read_text(encoding="utf-8"))
    doc["regions"].append(
        {"code": "0330", "kolada": "0330", "level": "municipality", "county": "03",
         "name": {"sv": "Knivsta", "en": "Knivsta"}, "valid_from": 2003}
    )  # fmt: skip
    with_knivsta = parse_regions(doc)
    cells = pd.DataFrame(
        {
            "indicator_id": ["births", "births", "population", "population"],
            "region_code": "0330", "year": [2002, 2003, 2001, 2002], "sex": "T", "value": [0.0, 180.0, 0.0, 14000.0],
            "status": "ok", "source": "SCB", "source_ref": "test", "retrieved_at": "x",
        }
    )  # fmt: skip
    marked = mark_before_existence(cells, with_knivsta, {"births": "during_year", "population": "year_end"})
    assert marked["status"].tolist() == ["missing", "ok", "missing", "ok"]
    assert marked["value"].isna().tolist() == [True, False, True, False]
    with pytest.raises(ValueError, match="valid_from"):
        parse_regions({**doc, "regions": [{**doc["regions"][0], "since": 1998}, *doc["regions"][1:]]})


def test_missing_rows_for_every_region_and_year_asked(bundled_dataset: Dataset):
    sel = Selection("births", ("0140", "0136"), 1997, 1999, "T")
    rows = query(bundled_dataset, sel, "en")
    got = [
        [r.region_code, int(r.year), None if pd.isna(r.value) else r.value, r.status, r.source_ref]
        for r in rows.itertuples()
    ]
    assert got == [
        ["0140", 1997, None, "missing", "SCB TAB1264 BE0101E2 — municipality did not exist (formed 1999)"],
        ["0140", 1998, None, "missing", "SCB TAB1264 BE0101E2 — municipality did not exist (formed 1999)"],
        ["0140", 1999, 74.0, "ok", "SCB TAB1264 BE0101E2"],
        ["0136", 1997, 788.0, "ok", "SCB TAB1264 BE0101E2"],
        ["0136", 1998, 824.0, "ok", "SCB TAB1264 BE0101E2"],
        ["0136", 1999, 809.0, "ok", "SCB TAB1264 BE0101E2"],
    ]
    # a reference with no value at all (Riket births 2023) is a row too, saying so
    riket = query(bundled_dataset, Selection("births", ("00",), 2023, 2024, "T"), "sv")
    assert riket.loc[:, ["year", "status", "source", "source_ref"]].astype(str).values.tolist() == [
        ["2023", "missing", "", "inget värde i datamängden"],
        ["2024", "ok", "SCB", riket["source_ref"].iloc[1]],
    ]
    assert riket["source_ref"].iloc[1].startswith("https://scb.se/")


def test_sources_name_the_publisher_and_urls_are_well_formed():
    obs = read_observations_csv(SNAPSHOT)
    assert check_source_urls(obs) == []
    assert not obs["source_ref"].str.contains("github.com|issuu.com\\./", regex=True).any()
    assert "published" not in set(obs["source"])
    riket = obs[(obs["indicator_id"] == "population") & (obs["region_code"] == "00") & obs["year"].between(2016, 2019)]
    assert set(riket["source"]) == {"SCB"} and riket["source_ref"].str.startswith("https://www.scb.se/").all()
    secondary = obs[obs["source"].str.endswith("(secondary)")]
    assert set(secondary["source"]) == {
        "Tyresö kommun (secondary)", "Mariefreds Tidning (secondary)", "Mitt i (secondary)", "Vi i Tyresö (secondary)",
    }  # fmt: skip
    # a secondary figure stands only where no SCB table has the value: none of them for births or net migration
    assert not secondary["indicator_id"].isin(["births", "net_migration", "median_income_16plus"]).any()
    riket_2008 = obs[(obs["indicator_id"] == "population") & (obs["region_code"] == "00") & (obs["year"] == 2008)]
    assert riket_2008["source"].tolist() == ["Tyresö kommun (secondary)"]


def test_malformed_url_is_a_validation_error():
    assert url_problem("https://issuu.com./tyreso/docs/tyresoisiffror2012") == "host 'issuu.com.' ends with a dot"
    assert url_problem("https://issuu.com/tyreso/docs/tyreso_i_siffror_2009") is None
    assert url_problem("https://www.haninge.se/fakta (table 3, rounded)") is None  # URL + what on the page
    assert url_problem("https://no.wikipedia.org/wiki/x y") is not None
    bad = empty_observations()
    bad.loc[0] = ["population", "00", 2011, "T", 9482855.0, "ok", "Tyresö kommun", "https://issuu.com./tyreso/x", None]
    (problem,) = check_source_urls(bad)
    assert problem.startswith("population region 00 year 2011: malformed source URL 'https://issuu.com./tyreso/x'")
    figures = pd.DataFrame(
        {
            "region_code": ["00", "00"], "indicator": "population", "year": [2011, 2008], "sex": "T",
            "value": [9482855, 9256347],
            "source_url": ["https://issuu.com./tyreso/docs/a", "https://issuu.com/tyreso/docs/b"],
        }
    )  # fmt: skip
    chosen, problems = pick_figures(figures, "population", load_catalog().get("population"), 3, {"00"})
    assert chosen["year"].tolist() == [2008] and chosen["source"].tolist() == ["Tyresö kommun (secondary)"]
    assert problems == [
        "population 00 2011 T: rejected, malformed URL 'https://issuu.com./tyreso/docs/a' "
        "(host 'issuu.com.' ends with a dot)"
    ]
