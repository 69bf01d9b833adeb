"""Tests of the Kolada v3 adapter against hand-written fixtures (no network, no real sleeping)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import responses
from responses import matchers

from etl.catalog import SourceRef, load_catalog
from etl.http import HttpClient, SourceError
from etl.regions import load_regions
from etl.schema import OBSERVATION_COLUMNS, check_observations
from etl.sources.base import FetchContext
from etl.sources.kolada import fetch_kolada, parse_kolada_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kolada"
BASE = "https://kolada.test/v3"
KPI_URL = f"{BASE}/data/kpi/N01951/municipality"
BATCH1 = (
    "0000,0001,0114,0115,0117,0120,0123,0125,0126,0127,0128,0136,0138,0139,0140,"
    "0160,0162,0163,0180,0181,0182,0183,0184,0186,0187"
)
BATCH2 = "0188,0191,0192"
URL1 = f"{KPI_URL}/{BATCH1}"
URL2 = f"{KPI_URL}/{BATCH2}"
REF = SourceRef("kolada", {"kpi": "N01951"}, 0)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def indicator():
    return load_catalog().get("population")


@pytest.fixture
def regions():
    return load_regions()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(tmp_path: Path, slept: list[float]) -> HttpClient:
    return HttpClient(source="Kolada", raw_dir=tmp_path, sleep=slept.append)


def ctx_for(regions, messages: list[str] | None = None, **kwargs) -> FetchContext:
    return FetchContext(
        regions=regions, progress=(messages.append if messages is not None else lambda _m: None), **kwargs
    )


def add(url: str, body: str, status: int = 200, page: int | None = None, **kwargs) -> None:
    """Register an answer for `url`; `page` adds the ?page= of a follow-up link."""
    params = {"per_page": "5000", **({"page": str(page)} if page else {})}
    responses.add(
        responses.GET,
        url,
        body=body,
        status=status,
        content_type=kwargs.pop("content_type", "application/json"),
        match=[matchers.query_param_matcher(params)],
        **kwargs,
    )


def sent_urls() -> list[str]:
    return [call.request.url for call in responses.calls]


def value(frame: pd.DataFrame, region: str, year: int, sex: str) -> pd.Series:
    rows = frame[(frame.region_code == region) & (frame.year == year) & (frame.sex == sex)]
    assert len(rows) == 1, f"expected one row for {region} {year} {sex}, got {len(rows)}"
    return rows.iloc[0]


# --- paging, batching, parsing --------------------------------------------------------


@responses.activate
def test_pages_via_next_url_and_batches_of_25(client, indicator, regions, tmp_path):
    add(URL1, fixture("batch1_page1.json"))
    add(URL1, fixture("batch1_page2.json"), page=2)
    add(URL2, fixture("batch2.json"))
    messages: list[str] = []

    result = fetch_kolada(REF, indicator, ctx_for(regions, messages), client=client, base_url=BASE)

    assert sent_urls() == [
        f"{URL1}?per_page=5000",
        f"{URL1}?page=2&per_page=5000",
        f"{URL2}?per_page=5000",
    ]
    assert len(BATCH1.split(",")) == 25 and len(BATCH2.split(",")) == 3
    assert messages == [
        "Kolada N01951: page 1, 25 regions",
        "Kolada N01951: page 2, 25 regions",
        "Kolada N01951: page 1, 3 regions",
    ]
    frame = result.frame
    assert list(frame.columns) == list(OBSERVATION_COLUMNS)
    assert check_observations(frame) == []
    # 0000, 0001, 0127 x2, 0192 with T/K/M; 0136 T+K (M withdrawn); 0126 T/K/M
    assert len(frame) == 5 * 3 + 2 + 3
    assert value(frame, "00", 2024, "T").value == 10500001.0
    assert value(frame, "00", 2024, "K").value == 5240001.0
    assert value(frame, "01", 2024, "M").value == 1250000.0
    assert value(frame, "0127", 2023, "T").value == 94001.0
    assert value(frame, "0127", 2024, "K").value == 47501.0
    assert value(frame, "0192", 2024, "T").value == 29001.0
    assert set(frame.region_code) == {"00", "01", "0126", "0127", "0136", "0192"}  # no group, no Malmö
    assert set(frame.indicator_id) == {"population"}
    assert set(frame.source) == {"Kolada"}
    assert set(frame.source_ref) == {"Kolada N01951"}
    assert result.updated == max(raw.retrieved_at for raw in result.raws)[:10] and result.unchanged is False
    assert [raw.url for raw in result.raws] == sent_urls()
    # every row carries the retrieval time of the page it came from
    assert value(frame, "0127", 2024, "T").retrieved_at == result.raws[0].retrieved_at
    assert value(frame, "0126", 2024, "K").retrieved_at == result.raws[1].retrieved_at
    assert value(frame, "0192", 2024, "M").retrieved_at == result.raws[2].retrieved_at


@responses.activate
def test_pages_via_v2_next_page(client, indicator, regions):
    add(URL1, fixture("v2_page1.json"))
    add(URL1, fixture("v2_page2.json"), page=2)
    add(URL2, fixture("empty.json"))

    result = fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert sent_urls() == [f"{URL1}?per_page=5000", f"{URL1}?page=2&per_page=5000", f"{URL2}?per_page=5000"]
    frame = result.frame
    assert len(frame) == 6
    assert value(frame, "0181", 2024, "T").value == 105001.0
    assert value(frame, "0181", 2023, "M").value == 52500.0
    assert list(frame.year) == [2023, 2023, 2023, 2024, 2024, 2024]
    assert list(frame.sex) == ["T", "K", "M", "T", "K", "M"]


@responses.activate
def test_missing_values_withdrawn_values_and_riket(client, indicator, regions):
    add(URL1, fixture("batch1_page1.json"))
    add(URL1, fixture("batch1_page2.json"), page=2)
    add(URL2, fixture("batch2.json"))

    frame = fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE).frame

    # status "Missing" with null value, and status "Missing" with a value: both missing, NaN, never 0
    haninge_t = value(frame, "0136", 2024, "T")
    assert haninge_t.status == "missing" and math.isnan(haninge_t.value)
    haninge_k = value(frame, "0136", 2024, "K")
    assert haninge_k.status == "missing" and math.isnan(haninge_k.value)
    # isdeleted: true -> dropped
    assert frame[(frame.region_code == "0136") & (frame.sex == "M")].empty
    # empty status but null value -> missing
    huddinge_t = value(frame, "0126", 2024, "T")
    assert huddinge_t.status == "missing" and math.isnan(huddinge_t.value)
    assert value(frame, "0126", 2024, "K").status == "ok"
    assert value(frame, "0126", 2024, "K").value == 57001.0
    # Kolada 0000 -> SCB 00, 0001 -> 01
    assert value(frame, "00", 2024, "T").status == "ok"
    assert value(frame, "01", 2024, "T").value == 2500001.0
    assert "0000" not in set(frame.region_code) and "0001" not in set(frame.region_code)
    assert (frame.loc[frame.status == "ok", "value"].notna()).all()


@responses.activate
def test_genders_filtered_to_indicator_sexes(client, indicator, regions):
    totals_only = dataclasses.replace(indicator, sexes=("T",))
    add(URL1, fixture("batch1_page1.json"))
    add(URL1, fixture("batch1_page2.json"), page=2)
    add(URL2, fixture("batch2.json"))

    frame = fetch_kolada(REF, totals_only, ctx_for(regions), client=client, base_url=BASE).frame

    assert set(frame.sex) == {"T"}
    assert len(frame) == 7
    assert value(frame, "0127", 2024, "T").value == 95001.0

    women_men = dataclasses.replace(indicator, sexes=("K", "M"))
    doc = json.loads(fixture("batch1_page1.json"))
    parsed, link = parse_kolada_page(doc, women_men, regions, "2025-01-01T00:00:00.000000Z", "N01951")
    assert set(parsed.sex) == {"K", "M"}
    assert len(parsed) == 8
    assert link == f"{URL1}?page=2&per_page=5000"


@responses.activate
def test_years_and_since_are_sent_and_years_batched(client, indicator, regions):
    years_a = ",".join(str(y) for y in range(1990, 2015))  # 25 years
    years_b = ",".join(str(y) for y in range(2015, 2025))  # 10 years
    for url in (f"{URL1}/year/{years_a}", f"{URL1}/year/{years_b}", f"{URL2}/year/{years_a}", f"{URL2}/year/{years_b}"):
        responses.add(
            responses.GET,
            url,
            body=fixture("empty.json"),
            content_type="application/json",
            match=[matchers.query_param_matcher({"per_page": "5000", "from_date": "2025-06-01"})],
        )

    ctx = ctx_for(regions, years=(1990, 2024), since="2025-06-01")
    result = fetch_kolada(REF, indicator, ctx, client=client, base_url=BASE)

    assert sent_urls() == [
        f"{URL1}/year/{years_a}?per_page=5000&from_date=2025-06-01",
        f"{URL1}/year/{years_b}?per_page=5000&from_date=2025-06-01",
        f"{URL2}/year/{years_a}?per_page=5000&from_date=2025-06-01",
        f"{URL2}/year/{years_b}?per_page=5000&from_date=2025-06-01",
    ]
    assert result.unchanged is True
    assert result.frame.empty and list(result.frame.columns) == list(OBSERVATION_COLUMNS)
    assert len(result.raws) == 4


@responses.activate
def test_years_outside_the_range_are_dropped_and_changes_are_not_unchanged(client, indicator, regions):
    doc = json.loads(fixture("batch1_page1.json"))
    doc["next_url"] = None  # one page holding 2023 and 2024
    for url, body in ((f"{URL1}/year/2024", json.dumps(doc)), (f"{URL2}/year/2024", fixture("batch2.json"))):
        responses.add(responses.GET, url, body=body, content_type="application/json")

    ctx = ctx_for(regions, years=(2024, 2024), since="2025-06-01")
    result = fetch_kolada(REF, indicator, ctx, client=client, base_url=BASE)

    # something changed since from_date: the KPI is fetched again in full (no from_date)
    assert sent_urls() == [
        f"{URL1}/year/2024?per_page=5000&from_date=2025-06-01",
        f"{URL2}/year/2024?per_page=5000&from_date=2025-06-01",
        f"{URL1}/year/2024?per_page=5000",
        f"{URL2}/year/2024?per_page=5000",
    ]
    assert set(result.frame.year) == {2024}
    assert len(result.frame) == 12  # 0000, 0001, 0127, 0192 x T/K/M; 0127 2023 dropped
    assert result.unchanged is False


@responses.activate
def test_raw_archive_has_a_file_per_page(client, indicator, regions, tmp_path):
    add(URL1, fixture("batch1_page1.json"))
    add(URL1, fixture("batch1_page2.json"), page=2)
    add(URL2, fixture("batch2.json"))

    result = fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    bodies = sorted(tmp_path.glob("kolada/*/*.body"))
    assert len(bodies) == 3
    assert {raw.archive_path for raw in result.raws} == set(bodies)
    for raw in result.raws:
        assert raw.archive_path.read_bytes() == raw.body
        meta = json.loads(raw.archive_path.with_suffix(".request.json").read_text(encoding="utf-8"))
        assert meta["url"] == raw.url and meta["sha256"] == raw.sha256
    assert result.raws[1].archive_path.read_bytes() == fixture("batch1_page2.json").encode("utf-8")


# --- retries -----------------------------------------------------------------------------


@responses.activate
def test_http_500_is_retried(client, indicator, regions, slept):
    add(URL1, "Internal Server Error", status=500, content_type="text/plain")
    add(URL1, fixture("batch2.json").replace("0192", "0127"))
    add(URL2, fixture("batch2.json"))

    frame = fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE).frame

    assert sent_urls() == [f"{URL1}?per_page=5000", f"{URL1}?per_page=5000", f"{URL2}?per_page=5000"]
    assert slept == [1.0]
    assert value(frame, "0127", 2024, "T").value == 29001.0
    assert value(frame, "0192", 2024, "T").value == 29001.0


@responses.activate
def test_429_waits_retry_after(client, indicator, regions, slept):
    add(URL1, '{"title": "Too many requests"}', status=429, headers={"Retry-After": "7"})
    add(URL1, fixture("empty.json"))
    add(URL2, fixture("batch2.json"))

    result = fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert slept == [7.0]
    assert len(responses.calls) == 3
    assert len(result.frame) == 3


# --- bad answers -------------------------------------------------------------------------


def assert_names_kolada(exc: SourceError, request_url: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert message.startswith("Kolada N01951: ")
    assert exc.source == "Kolada" and exc.table == "N01951"
    assert request_url in message


@responses.activate
def test_truncated_body(client, indicator, regions):
    body = fixture("batch1_page1.json")
    add(URL1, body[: body.index('"period": 2024,') + len('"period": 2024,')])

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "truncated JSON" in str(info.value)


@responses.activate
def test_body_shorter_than_content_length(client, indicator, regions):
    body = fixture("batch2.json")
    add(URL1, body, headers={"Content-Length": str(len(body.encode()) + 100)})

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "transfer broke off" in str(info.value) and "100 more expected" in str(info.value)


@responses.activate
def test_html_page_with_status_200(client, indicator, regions):
    add(URL1, "<!DOCTYPE html><html><body><h1>Kolada underhåll</h1></body></html>", content_type="text/html")

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "HTML page" in str(info.value)


@responses.activate
def test_missing_values_key(client, indicator, regions):
    add(URL1, fixture("missing_values_key.json"))

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "lacks the 'values' key" in str(info.value)


@responses.activate
def test_wrong_kpi(client, indicator, regions):
    add(URL1, fixture("wrong_kpi.json"))

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "'N01804' instead of 'N01951'" in str(info.value)


@responses.activate
def test_row_without_period(client, indicator, regions):
    add(URL1, fixture("row_without_period.json"))

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "values[0] lacks 'period'" in str(info.value)


@responses.activate
def test_next_link_loop(client, indicator, regions):
    add(URL1, fixture("loop.json"))
    add(URL1, fixture("loop.json"), page=2)

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?page=2&per_page=5000")
    assert "repeats a page already fetched" in str(info.value)
    assert len(responses.calls) == 2


@responses.activate
def test_same_key_with_different_values(client, indicator, regions):
    add(URL1, fixture("conflict.json"))
    add(URL2, fixture("empty.json"))

    with pytest.raises(SourceError) as info:
        fetch_kolada(REF, indicator, ctx_for(regions), client=client, base_url=BASE)

    assert_names_kolada(info.value, f"GET {URL1}?per_page=5000")
    assert "region 0127 year 2024 sex T answered twice with different values (ok 95001, ok 95002)" in str(info.value)


@responses.activate
def test_same_key_with_the_same_value_is_kept_once_and_reported(client, indicator, regions):
    add(URL1, fixture("repeat.json"))
    add(URL2, fixture("empty.json"))
    messages: list[str] = []

    frame = fetch_kolada(REF, indicator, ctx_for(regions, messages), client=client, base_url=BASE).frame

    assert len(frame) == 1 and value(frame, "0127", 2024, "T").value == 95001.0
    assert "Kolada N01951: 1 row(s) answered twice with the same value, kept once" in messages


def test_parse_without_http(indicator, regions):
    doc = json.loads(fixture("batch2.json"))
    frame, link = parse_kolada_page(doc, indicator, regions, "2025-03-01T10:00:00.000000Z", "N01951")
    assert link is None
    assert list(frame.region_code) == ["0192"] * 3
    assert list(frame.value) == [29001.0, 14501.0, 14500.0]
    assert set(frame.retrieved_at) == {"2025-03-01T10:00:00.000000Z"}
    with pytest.raises(SourceError, match=r"^Kolada N01951: answered with a JSON list"):
        parse_kolada_page([], indicator, regions, "t", "N01951")
