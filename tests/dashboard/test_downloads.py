"""Downloads: exactly the rows on screen, as Swedish-Excel CSV, plain CSV and XLSX."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from dashboard.downloads import export, file_name, slug
from dashboard.pages.jamfor import ts_selection
from dashboard.state import context_from, parse_query
from etl.exporters import swedish_excel_csv, xlsx_bytes
from etl.query import Dataset, query

LINK = "http://127.0.0.1:8050/jamfor?indicator=population&regions=0127&from=2023&to=2024&year=2024&mode=value&sex=T&ref=&lang=sv"
HEADER = "indicator_id;indicator;region_code;region;year;sex;value;unit;status;source;source_ref;retrieved_at"


def _state(dataset: Dataset, q: str):
    return parse_query(q, context_from(dataset))


def test_swedish_csv_exact_bytes(bundled_dataset: Dataset) -> None:
    state = _state(
        bundled_dataset, "?indicator=population&regions=0127&from=2023&to=2024&year=2024&mode=value&sex=T&ref=&lang=sv"
    )
    rows = query(bundled_dataset, ts_selection(state), "sv")
    name, content = export(rows, bundled_dataset.catalog, state, LINK, "csv_sv")
    assert name == "folkmangd_0127_2023-2024_excel.csv"
    expected = (
        "\ufeffTitel: Folkmängd\r\n"
        "Enhet: personer\r\n"
        "Visning: Värde\r\n"
        "Licens: SCB: CC0 1.0 https://creativecommons.org/publicdomain/zero/1.0/\r\n"
        f"Länk: {LINK}\r\n"
        f"{HEADER}\r\n"
        "population;Folkmängd;0127;Botkyrka;2023;T;95592;personer;ok;SCB;SCB TAB638 BE0101N1;2026-09-13T21:55:39Z\r\n"
        "population;Folkmängd;0127;Botkyrka;2024;T;95905;personer;ok;SCB;SCB TAB638 BE0101N1;2026-09-13T21:55:39Z\r\n"
    ).encode()
    assert content == expected


def test_decimal_comma_and_empty_missing(bundled_dataset: Dataset) -> None:
    state = _state(
        bundled_dataset, "?indicator=population&regions=0140&from=1996&to=1999&mode=index&base=1999&ref=&lang=en"
    )
    rows = query(bundled_dataset, ts_selection(state), "en")
    name, content = export(rows, bundled_dataset.catalog, state, "L", "csv_sv")
    assert name == "population_0140_1996-1999_excel.csv"
    lines = content.decode("utf-8-sig").split("\r\n")
    data = [ln.split(";") for ln in lines if ln.startswith("population;")]
    assert [d[6] for d in data] == [
        "",
        "",
        f"{7724 / 7876 * 100:.10g}".replace(".", ","),
        "100",
    ]  # missing is empty, never 0
    assert data[2][6] == "98,07008634"
    state = _state(bundled_dataset, "?indicator=population&regions=0127&from=2023&to=2024&mode=change&ref=&lang=sv")
    rows = query(bundled_dataset, ts_selection(state), "sv")
    _, content = export(rows, bundled_dataset.catalog, state, "L", "csv_sv")
    value = [ln.split(";") for ln in content.decode("utf-8-sig").split("\r\n") if ln.startswith("population;")][-1][6]
    assert value == f"{(95905 / 95592 - 1) * 100:.10g}".replace(".", ",")


def test_plain_csv_matches_rows(bundled_dataset: Dataset) -> None:
    state = _state(bundled_dataset, "?indicator=population&regions=0127,sodertorn&from=2020&to=2024&ref=01&lang=en")
    rows = query(bundled_dataset, ts_selection(state), "en")
    name, content = export(rows, bundled_dataset.catalog, state, "L", "csv")
    assert name == "population_0127-sodertorn-01_2020-2024.csv"
    back = pd.read_csv(io.BytesIO(content), skiprows=5, dtype={"region_code": str})
    assert list(back.columns) == list(rows.columns)
    assert back["value"].tolist() == rows["value"].tolist()
    assert back["region_code"].tolist() == rows["region_code"].tolist()


def test_xlsx_same_rows(bundled_dataset: Dataset) -> None:
    state = _state(bundled_dataset, "?indicator=population&regions=0127,0181&from=2020&to=2024&ref=01&lang=sv")
    rows = query(bundled_dataset, ts_selection(state), "sv")
    name, content = export(rows, bundled_dataset.catalog, state, LINK, "xlsx")
    assert name == "folkmangd_0127-0181-01_2020-2024.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(content))
    sheet = list(wb["data"].iter_rows(values_only=True))
    assert list(sheet[0]) == list(rows.columns)
    assert len(sheet) - 1 == len(rows)
    for got, want in zip(sheet[1:], rows.itertuples(index=False), strict=True):
        assert got[2] == want.region_code and got[4] == want.year and got[6] == want.value
    about = {r[0]: r[1] for r in wb["om"].iter_rows(min_row=2, values_only=True)}
    assert about["Titel"] == "Folkmängd" and about["Länk"] == LINK
    # one item a row: each publisher's licence on its own row
    assert about["Licens: SCB"] == "CC0 1.0 https://creativecommons.org/publicdomain/zero/1.0/"
    assert about["Licens: nyckeltal"] == "beräknat av nyckeltal ur källorna ovan"  # the county's computed sum


def test_formula_neutralised() -> None:
    rows = pd.DataFrame({"indicator": ['=HYPERLINK("http://evil","x")'], "value": [1.5]})
    csv = swedish_excel_csv(rows, ["=cmd"]).decode("utf-8-sig")
    assert csv.splitlines()[0] == "'=cmd"
    assert csv.splitlines()[2] == '"\'=HYPERLINK(""http://evil"",""x"")";1,5'
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(rows, [("Länk", "=HYPERLINK(1)")])))
    assert wb["data"]["A2"].value == '\'=HYPERLINK("http://evil","x")'
    assert wb["data"]["A2"].data_type == "s"
    assert wb["om"]["B2"].value == "'=HYPERLINK(1)"


def test_slug_and_file_name(bundled_dataset: Dataset) -> None:
    assert slug("Folkmängd") == "folkmangd"
    assert slug("Nettopendling (in − ut)") == "nettopendling_in_ut"
    state = _state(bundled_dataset, "?indicator=population&regions=0127,0181&from=2000&to=2024")
    assert file_name("Befolkning", state, ".csv") == "befolkning_0127-0181_2000-2024.csv"


def test_the_two_csv_files_and_the_xlsx_have_distinct_names(bundled_dataset: Dataset) -> None:
    """Saved one after the other, no file becomes "(1)": the Excel one says so in its name."""
    state = _state(bundled_dataset, "?indicator=population&regions=0127&from=2000&to=2025&lang=sv")
    rows = query(bundled_dataset, ts_selection(state), "sv")
    names = [export(rows, bundled_dataset.catalog, state, "L", fmt)[0] for fmt in ("csv_sv", "csv", "xlsx")]
    assert names == [
        "folkmangd_0127_2000-2025_excel.csv",
        "folkmangd_0127_2000-2025.csv",
        "folkmangd_0127_2000-2025.xlsx",
    ]
