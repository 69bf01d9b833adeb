"""An analyst's own CSV indicator: declared in an extra catalog, validated, exported."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from etl.catalog import load_catalog
from etl.http import SourceError
from etl.regions import load_regions
from etl.sources.csvfile import parse_csv_text

ROOT = Path(__file__).resolve().parents[2]

CSV_TEXT = (
    "indicator_id,indicator,region_code,region,year,sex,value,unit,status,source,source_ref,retrieved_at\n"
    "libraries,Bibliotek,0127,Botkyrka,2023,T,6,antal,ok,Botkyrka kommun,https://example.org/bibliotek,2024-01-10\n"
    "libraries,Bibliotek,0127,Botkyrka,2024,T,,antal,missing,Botkyrka kommun,https://example.org/bibliotek,\n"
    "other,Annat,0127,Botkyrka,2024,T,99,antal,ok,x,y,\n"
)

EXTRA_CATALOG = """
indicators:
  - id: libraries
    theme: population
    label: {sv: '=HYPERLINK("http://evil.example","Bibliotek")', en: Libraries}
    description: {sv: Antal folkbibliotek., en: Number of public libraries.}
    unit: persons
    sexes: [T]
    aggregation: {method: sum}
    sources:
      - csv: {path: PATH}
"""


def _indicator():
    cat = load_catalog()
    return cat.get("population")


def test_parse_keeps_each_rows_source_and_marks_missing():
    ind = _indicator()
    text = CSV_TEXT.replace("libraries", "population")
    frame = parse_csv_text(text, ind, set(load_regions().regions), "mine.csv")
    assert list(frame["year"]) == [2023, 2024]
    assert frame.loc[0, "value"] == 6.0 and frame.loc[0, "source"] == "Botkyrka kommun"
    assert frame.loc[0, "source_ref"] == "https://example.org/bibliotek"
    assert math.isnan(frame.loc[1, "value"]) and frame.loc[1, "status"] == "missing"


def test_swedish_excel_csv_with_decimal_comma():
    text = "\ufeffregion_code;year;sex;value\n0181;2024;T;12,5\n"
    frame = parse_csv_text(text, _indicator(), set(load_regions().regions), "sv.csv")
    assert frame.loc[0, "value"] == 12.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("region_code,year,sex\n0127,2024,T\n", "missing column(s) value"),
        ("region_code,year,sex,value\n9999,2024,T,1\n", "sv.csv line 2"),
        ("region_code,year,sex,value\n0127,2024,X,1\n", "sex 'X'"),
        ("region_code,year,sex,value\n0127,20x4,T,1\n", "year '20x4'"),
        ("region_code,year,sex,value\n0127,2024,T,abc\n", "value 'abc' is not a number"),
    ],
)
def test_bad_csv_names_file_and_problem(text, message):
    with pytest.raises(SourceError) as err:
        parse_csv_text(text, _indicator(), set(load_regions().regions), "sv.csv")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_extra_catalog_csv_indicator_end_to_end(tmp_path):
    """Refresh with only the csv source publishes the analyst's rows; the export neutralises a formula label."""
    data = tmp_path / "libraries.csv"
    data.write_text(CSV_TEXT, encoding="utf-8")
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_CATALOG.replace("PATH", str(data)), encoding="utf-8")
    env = {
        "NYCKELTAL_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}",
        "NYCKELTAL_EXTRA_CATALOG": str(extra),
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        [sys.executable, "-m", "etl", "refresh", "--source", "csv", "--indicator", "libraries", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = subprocess.run(
        [sys.executable, "-m", "etl", "export", "--indicator", "libraries", "--regions", "0127"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1].startswith(
        'libraries,"\'=HYPERLINK(""http://evil.example"",""Bibliotek"")",0127,Botkyrka,2023,T,6,personer,ok,Botkyrka kommun,https://example.org/bibliotek,2024-01-10'
    )
    assert lines[2].startswith("libraries,")
    assert ",2024,T,,personer,missing," in lines[2]
