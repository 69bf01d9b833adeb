"""The SCB PxWebApi 2.0 adapter against small hand-written JSON-stat 2.0 fixtures.

No network and no real sleeping: `responses` answers the HTTP calls (except the
connection-refused case, which uses a closed loopback port), and every pause goes
to a fake clock.
"""

from __future__ import annotations

import copy
import json
import math
import socket
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from etl.catalog import SourceRef, load_catalog
from etl.http import HttpClient, RateLimit, SourceError
from etl.regions import load_regions
from etl.schema import OBSERVATION_COLUMNS, check_observations
from etl.sources.base import FetchContext
from etl.sources.scb import ScbSource

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scb"
BASE = "http://scb.test/api/v2"
CONFIG_URL = f"{BASE}/config"
META_URL = f"{BASE}/tables/TAB638/metadata"
DATA_URL = f"{BASE}/tables/TAB638/data"
DATA_REQUEST = f"POST {DATA_URL}?lang=sv&outputFormat=json-stat2"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def only_regions(body: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """The fixture data body cut to some regions (Region is the first dimension)."""
    out = copy.deepcopy(body)
    region = out["dimension"]["Region"]["category"]
    all_codes = sorted(region["index"], key=region["index"].__getitem__)
    per_region = len(body["value"]) // len(all_codes)
    values, status = [], {}
    for new_i, code in enumerate(codes):
        old_i = all_codes.index(code)
        for k in range(per_region):
            values.append(body["value"][old_i * per_region + k])
            flag = (body.get("status") or {}).get(str(old_i * per_region + k))
            if flag:
                status[str(new_i * per_region + k)] = flag
    region["index"] = {c: i for i, c in enumerate(codes)}
    region["label"] = {c: region["label"][c] for c in codes}
    out["size"][0] = len(codes)
    out["value"] = values
    out["status"] = status
    return out


class FakeClock:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def indicator():
    return load_catalog().get("population")


@pytest.fixture
def ref(indicator) -> SourceRef:
    first = indicator.sources[0]
    assert first.params["table"] == "TAB638" and first.params["regions"] == "municipalities"
    return first


@pytest.fixture
def ctx() -> FetchContext:
    return FetchContext(regions=load_regions())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_source(clock: FakeClock, retries: int = 2, raw_dir: Path | None = None) -> ScbSource:
    return ScbSource(
        base_url=BASE, client=HttpClient(source="SCB", raw_dir=raw_dir, retries=retries, sleep=clock.sleep)
    )


def add_config(config: dict[str, Any] | None = None) -> None:
    responses.add(responses.GET, CONFIG_URL, json=config or load("config.json"))


def add_metadata(meta: dict[str, Any] | None = None) -> None:
    responses.add(responses.GET, META_URL, json=meta or load("TAB638_metadata.json"))


def data_calls() -> list[Any]:
    return [c for c in responses.calls if c.request.url.startswith(DATA_URL)]


# --------------------------------------------------------------------------- tidy values


@responses.activate
def test_tidy_values_sum_civil_status_and_total_from_sexes(ref, indicator, ctx, clock, tmp_path):
    add_config()
    add_metadata()
    responses.add(
        responses.POST, DATA_URL, json=load("TAB638_data.json"), headers={"Date": "Fri, 21 Feb 2025 07:00:00 GMT"}
    )
    result = make_source(clock, raw_dir=tmp_path)(ref, indicator, ctx)
    frame = result.frame
    assert list(frame.columns) == list(OBSERVATION_COLUMNS)
    assert check_observations(frame) == []
    assert result.updated == "2025-02-21T07:00:00Z"
    got = {(r.region_code, r.year, r.sex): (r.value, r.status) for r in frame.itertuples()}
    nan_keys = {k for k, (v, _s) in got.items() if isinstance(v, float) and math.isnan(v)}
    assert nan_keys == {("0136", 2024, "M"), ("0136", 2024, "T")}
    assert got[("0136", 2024, "M")][1] == "missing"
    assert got[("0136", 2024, "T")][1] == "missing"
    expected = {
        ("0127", 2023, "M"): 1100.0,
        ("0127", 2023, "K"): 2200.0,
        ("0127", 2023, "T"): 3300.0,
        ("0127", 2024, "M"): 1210.0,
        ("0127", 2024, "K"): 2310.0,
        ("0127", 2024, "T"): 3520.0,
        ("0136", 2023, "M"): 330.0,
        ("0136", 2023, "K"): 440.0,
        ("0136", 2023, "T"): 770.0,
        ("0136", 2024, "K"): 442.0,
    }
    assert {k: v for k, (v, _s) in got.items() if k not in nan_keys} == expected
    assert all(got[k][1] == "ok" for k in expected)
    assert len(frame) == 12
    assert set(frame["indicator_id"]) == {"population"}
    assert set(frame["source"]) == {"SCB"}
    assert set(frame["source_ref"]) == {"SCB TAB638 BE0101N1"}
    assert set(frame["retrieved_at"]) == {"2025-02-21T07:00:00Z"}
    # metadata + one data answer, each archived with its request
    assert len(result.raws) == 2
    assert result.raws[1].archive_path is not None and result.raws[1].archive_path.exists()


@responses.activate
def test_post_body_and_url(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    responses.add(responses.POST, DATA_URL, json=load("TAB638_data.json"))
    make_source(clock)(ref, indicator, ctx)
    meta_calls = [c for c in responses.calls if c.request.url.startswith(META_URL)]
    assert [c.request.url for c in meta_calls] == [f"{META_URL}?lang=sv"]
    (call,) = data_calls()
    assert call.request.method == "POST"
    assert call.request.url == f"{DATA_URL}?lang=sv&outputFormat=json-stat2"
    assert json.loads(call.request.body) == {
        "selection": [
            {"variableCode": "Region", "valueCodes": ["0127", "0136"]},
            {"variableCode": "Civilstand", "valueCodes": ["OG", "G"]},
            {"variableCode": "Alder", "valueCodes": ["tot"]},
            {"variableCode": "Kon", "valueCodes": ["1", "2"]},
            {"variableCode": "Tid", "valueCodes": ["2023", "2024"]},
            {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
        ]
    }
    assert clock.slept == []


# --------------------------------------------------------------------------- limits from /config


@responses.activate
def test_requests_split_by_max_data_cells(ref, indicator, ctx, clock):
    config = load("config.json") | {"maxDataCells": 8}  # the whole selection is 16 cells
    add_config(config)
    add_metadata()
    body = load("TAB638_data.json")
    responses.add(responses.POST, DATA_URL, json=only_regions(body, ["0127"]))
    responses.add(responses.POST, DATA_URL, json=only_regions(body, ["0136"]))
    result = make_source(clock)(ref, indicator, ctx)
    sent = [json.loads(c.request.body)["selection"] for c in data_calls()]
    assert [s[0] for s in sent] == [
        {"variableCode": "Region", "valueCodes": ["0127"]},
        {"variableCode": "Region", "valueCodes": ["0136"]},
    ]
    for s in sent:
        cells = math.prod(len(item["valueCodes"]) for item in s)
        assert cells == 8
    frame = result.frame.set_index(["region_code", "year", "sex"])["value"]
    assert frame[("0127", 2024, "T")] == 3520.0
    assert frame[("0136", 2023, "T")] == 770.0
    assert math.isnan(frame[("0136", 2024, "T")])
    assert len(result.frame) == 12


@responses.activate
def test_rate_limit_from_config_is_obeyed(ref, indicator, ctx, clock):
    config = load("config.json") | {"maxDataCells": 4, "maxCallsPerTimeWindow": 2, "timeWindow": 10}
    add_config(config)
    add_metadata()
    body = load("TAB638_data.json")
    # 16 cells at 4 per request: split per region, then per year -> four data requests
    for region in ("0127", "0136"):
        for _year in (2023, 2024):
            responses.add(responses.POST, DATA_URL, json=only_regions(body, [region]))
    source = make_source(clock)
    source.config()
    limit = source.http.rate_limit
    assert (limit.calls, limit.window) == (2, 10.0)
    limit.clock = clock
    source(ref, indicator, ctx)
    # metadata + 4 data calls = 5 calls at 2 per 10 s: wait twice for a full window
    assert len(data_calls()) == 4
    assert clock.slept == [10.0, 10.0]


def test_rate_limit_alone():
    clock = FakeClock()
    limit = RateLimit(calls=3, window=5.0, clock=clock, sleep=clock.sleep)
    for _ in range(7):
        limit.wait()
    assert clock.slept == [5.0, 5.0]
    assert RateLimit().calls == 0  # no limit until /config says so


@responses.activate
def test_429_with_retry_after_then_success(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    responses.add(
        responses.POST, DATA_URL, status=429, headers={"Retry-After": "7"}, json={"title": "Too many requests"}
    )
    responses.add(responses.POST, DATA_URL, json=load("TAB638_data.json"))
    result = make_source(clock)(ref, indicator, ctx)
    assert clock.slept == [7.0]
    assert len(data_calls()) == 2
    assert len(result.frame) == 12


# --------------------------------------------------------------------------- failures, one line each


def assert_one_line(err: SourceError, *parts: str) -> str:
    text = str(err)
    assert "\n" not in text
    assert text.startswith("SCB TAB638: ")
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    return text


def test_connection_refused_over_real_http(clock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v2/tables/TAB638/metadata"
    client = HttpClient(source="SCB", retries=1, timeout=5, sleep=clock.sleep)
    with pytest.raises(SourceError) as info:
        client.get(url, table="TAB638", params={"lang": "sv"})
    text = assert_one_line(
        info.value, "could not connect (connection refused)", "gave up after 2 attempts", f"GET {url}?lang=sv"
    )
    assert (
        text
        == f"SCB TAB638: could not connect (connection refused); gave up after 2 attempts (request: GET {url}?lang=sv)"
    )
    assert clock.slept == [1.0]


@responses.activate
def test_timeout(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    responses.add(responses.POST, DATA_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    source = make_source(clock, retries=2)
    source.http.timeout = 3
    with pytest.raises(SourceError) as info:
        source(ref, indicator, ctx)
    assert_one_line(
        info.value, "no answer within 3 s", "gave up after 3 attempts", DATA_REQUEST, '"variableCode":"Region"'
    )
    assert len(data_calls()) == 3
    assert clock.slept == [1.0, 2.0]


@responses.activate
def test_http_500_after_retries(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    responses.add(responses.POST, DATA_URL, status=500, body="oops")
    with pytest.raises(SourceError) as info:
        make_source(clock, retries=2)(ref, indicator, ctx)
    assert_one_line(info.value, "HTTP 500", "gave up after 3 attempts", DATA_REQUEST)
    assert len(data_calls()) == 3
    assert clock.slept == [1.0, 2.0]


@responses.activate
def test_http_404_problem_json(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    problem = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Table TAB638 has no such selection",
    }
    responses.add(
        responses.POST, DATA_URL, status=404, body=json.dumps(problem), content_type="application/problem+json"
    )
    with pytest.raises(SourceError) as info:
        make_source(clock)(ref, indicator, ctx)
    assert_one_line(info.value, "HTTP 404", "Not Found; Table TAB638 has no such selection", DATA_REQUEST)
    assert len(data_calls()) == 1  # a 4xx is not retried
    assert clock.slept == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("this is not json at all", "answered with a body that is not JSON"),
        ("__TRUNCATED__", "answered with a truncated JSON body"),
        (
            "<!DOCTYPE html>\n<html><body><h1>Service Unavailable</h1></body></html>",
            "answered with an HTML page instead of JSON",
        ),
    ],
    ids=["not-json", "truncated", "html-200"],
)
@responses.activate
def test_bad_bodies_with_status_200(ref, indicator, ctx, clock, body, expected):
    if body == "__TRUNCATED__":
        full = (FIXTURES / "TAB638_data.json").read_text(encoding="utf-8")
        body = full[: full.index('"value"') + 20]
    add_config()
    add_metadata()
    responses.add(responses.POST, DATA_URL, body=body, status=200, content_type="application/json")
    with pytest.raises(SourceError) as info:
        make_source(clock)(ref, indicator, ctx)
    assert_one_line(info.value, expected, DATA_REQUEST)


@responses.activate
def test_renamed_dimension(ref, indicator, ctx, clock):
    meta = load("TAB638_metadata.json")
    meta["id"] = ["Kön" if d == "Kon" else d for d in meta["id"]]
    meta["dimension"]["Kön"] = meta["dimension"].pop("Kon")
    add_config()
    add_metadata(meta)
    with pytest.raises(SourceError) as info:
        make_source(clock)(ref, indicator, ctx)
    assert_one_line(info.value, "dimension 'Kon' not found", "Kön", "GET /tables/TAB638/metadata")
    assert data_calls() == []


@responses.activate
def test_region_missing_from_answer(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    responses.add(responses.POST, DATA_URL, json=only_regions(load("TAB638_data.json"), ["0127"]))
    with pytest.raises(SourceError) as info:
        make_source(clock)(ref, indicator, ctx)
    assert_one_line(info.value, "region(s) 0136 missing from the answer", DATA_REQUEST)


@responses.activate
def test_unknown_contents_code(ref, indicator, ctx, clock):
    add_config()
    add_metadata()
    bad = SourceRef(ref.kind, ref.params | {"contents": "BE0101XX"}, ref.position)
    with pytest.raises(SourceError) as info:
        make_source(clock)(bad, indicator, ctx)
    assert_one_line(info.value, "contents code 'BE0101XX' not found", "/tables/TAB638/metadata")
    assert data_calls() == []
