"""The refresh orchestrator with fake in-process adapters, on both store backends."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest

from etl.catalog import Indicator, SourceRef, load_catalog
from etl.http import SourceError
from etl.outcome import EXIT_FAILED, EXIT_OK, EXIT_VALIDATION
from etl.refresh import refresh
from etl.regions import load_regions
from etl.schema import OBSERVATION_COLUMNS, empty_observations, normalise_observations
from etl.sources.base import FetchContext, SourceResult
from etl.store import Store

CATALOG = load_catalog()
REGIONS = load_regions()
STAMP = "2026-09-14T06:31:25Z"


def rows(
    indicator: str, values: dict[tuple[str, int, str], float | None], source: str = "SCB", ref: str = "SCB TEST"
) -> pd.DataFrame:
    records = []
    for (region, year, sex), value in values.items():
        status = "missing" if value is None else "ok"
        records.append((indicator, region, year, sex, value, status, source, ref, STAMP))
    return normalise_observations(pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS)))


class FakeScb:
    """An adapter answering each (table, contents, regions) catalog entry from a dict."""

    def __init__(
        self, answers: dict[tuple[str, str, str], Callable[[Indicator], pd.DataFrame]], fail: Exception | None = None
    ):
        self.answers = answers
        self.fail = fail
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, ref: SourceRef, indicator: Indicator, ctx: FetchContext) -> SourceResult:
        key = (ref.params.get("table", ""), ref.params.get("contents", ""), ref.params["regions"])
        self.calls.append(key)
        if self.fail is not None:
            raise self.fail
        make = self.answers.get(key)
        frame = make(indicator) if make else empty_observations()
        return SourceResult(frame, updated="2025-02-21T07:00:00Z")


def tax_answers(rates: dict[tuple[str, int], float]) -> FakeScb:
    values = {(r, y, "T"): v for (r, y), v in rates.items()}
    return FakeScb(
        {("TAB2017", "OE0101D1", "municipalities"): lambda ind: rows(ind.id, values, ref="SCB TAB2017 OE0101D1")}
    )


BASE_RATES = {("0127", 2023): 32.28, ("0127", 2024): 32.53, ("0136", 2023): 32.06, ("0136", 2024): 32.06}


def publish_base(store: Store):
    outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_answers(BASE_RATES)}, indicators=["tax_rate_total"])
    assert outcome.status == "published", outcome.error
    return outcome


def snapshot_of(store: Store) -> tuple:
    state = store.state()
    version, frame = store.read_observations()
    return state, version, frame


def test_refresh_publishes(store: Store):
    outcome = publish_base(store)
    assert outcome.exit_code == EXIT_OK
    assert outcome.state.version == 1 and outcome.state.row_count == 4
    version, frame = store.read_observations()
    assert version == 1
    got = {(r.region_code, r.year): r.value for r in frame.itertuples()}
    assert got == BASE_RATES
    assert set(frame["source_ref"]) == {"SCB TAB2017 OE0101D1"}
    (run,) = store.recent_runs()
    assert (run["status"], run["dataset_version"], run["error"]) == ("published", 1, None)
    assert run["details"]["indicators"]["tax_rate_total"]["rows_added"] == 4
    assert store.source_updated()["tax_rate_total"] == {"SCB TAB2017 OE0101D1": "2025-02-21T07:00:00Z"}


def test_source_error_fails_and_keeps_published(store: Store):
    publish_base(store)
    before = snapshot_of(store)
    error = SourceError(
        "SCB",
        "TAB2017",
        "POST http://scb.test/api/v2/tables/TAB2017/data?lang=sv",
        "HTTP 500 Internal Server Error; gave up after 5 attempts",
    )
    outcome = refresh(store, CATALOG, REGIONS, {"scb": FakeScb({}, fail=error)}, indicators=["tax_rate_total"])
    assert outcome.status == "failed"
    assert outcome.exit_code == EXIT_FAILED != 0
    assert outcome.error == str(error)
    after = snapshot_of(store)
    assert after[0] == before[0]  # version, stamp, content_sha256, row count, origin
    assert after[0].content_sha256 == before[0].content_sha256
    assert after[1] == before[1] == 1
    pd.testing.assert_frame_equal(after[2], before[2])
    run = store.recent_runs(1)[0]
    assert run["status"] == "failed"
    assert run["finished_at"] is not None
    assert (
        run["error"]
        == "SCB TAB2017: HTTP 500 Internal Server Error; gave up after 5 attempts (request: POST http://scb.test/api/v2/tables/TAB2017/data?lang=sv)"
    )


def test_validation_failure_names_indicator_region_year_rule(store: Store):
    publish_base(store)
    before = snapshot_of(store)
    bad = dict(BASE_RATES) | {("0127", 2024): 99.0}
    outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_answers(bad)}, indicators=["tax_rate_total"])
    assert outcome.status == "failed"
    assert outcome.exit_code == EXIT_VALIDATION
    expected = "tax_rate_total region 0127 year 2024 sex T: value 99 outside the range 0–50 of unit tax_percent (source SCB TAB2017 OE0101D1)"
    assert outcome.gates.failures == [expected]
    assert expected in outcome.error
    assert snapshot_of(store)[0] == before[0]
    run = store.recent_runs(1)[0]
    assert run["status"] == "failed" and expected in run["error"]


def test_coverage_shrink_fails_unless_allowed(store: Store):
    publish_base(store)
    before = snapshot_of(store)
    fewer = {k: v for k, v in BASE_RATES.items() if k[1] == 2024}
    outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_answers(fewer)}, indicators=["tax_rate_total"])
    assert outcome.status == "failed" and outcome.exit_code == EXIT_VALIDATION
    assert outcome.gates.failures == [
        "tax_rate_total region 0127 years 2023: coverage would shrink (1 value(s) published now, none in the new data)",
        "tax_rate_total region 0136 years 2023: coverage would shrink (1 value(s) published now, none in the new data)",
    ]
    assert snapshot_of(store)[0] == before[0]
    allowed = refresh(
        store, CATALOG, REGIONS, {"scb": tax_answers(fewer)}, indicators=["tax_rate_total"], allow_shrink=True
    )
    assert allowed.status == "published" and allowed.exit_code == EXIT_OK
    assert allowed.state.version == 2 and allowed.state.row_count == 2
    assert len(allowed.gates.warnings) >= 2


def test_precedence_second_source_fills_only_gaps(store: Store):
    first = {("0127", 2023, "T"): 95592.0, ("0127", 2024, "T"): None, ("0136", 2023, "T"): 99751.0}
    second = {
        ("0127", 2023, "T"): 1.0,
        ("0127", 2024, "T"): 95905.0,
        ("0127", 2025, "T"): 96750.0,
        ("0136", 2023, "T"): 2.0,
    }
    scb = FakeScb(
        {
            ("TAB638", "BE0101N1", "municipalities"): lambda ind: rows(ind.id, first, ref="SCB TAB638 BE0101N1"),
            ("TAB5557", "000007ME", "municipalities"): lambda ind: rows(ind.id, second, ref="SCB TAB5557 000007ME"),
        }
    )

    def figures(ref: SourceRef, ind: Indicator, ctx: FetchContext) -> SourceResult:
        url = "https://www.scb.se/some-page" if ref.params["max_rank"] == 1 else "https://www.haninge.se/fakta"
        return SourceResult(
            rows(
                ind.id,
                {("0136", 2023, "T"): 3.0, ("0136", 2022, "T"): 99000.0 + ref.params["max_rank"]},
                source="published",
                ref=url,
            )
        )

    outcome = refresh(store, CATALOG, REGIONS, {"scb": scb, "figures": figures}, indicators=["population"])
    assert outcome.status == "published", outcome.error
    assert scb.calls == [
        ("TAB638", "BE0101N1", "municipalities"),
        ("TAB5557", "000007ME", "municipalities"),
        ("TAB638", "BE0101N1", "references"),
        ("TAB5557", "000007ME", "references"),
    ]
    _, frame = store.read_observations()
    got = {(r.region_code, r.year): (r.value, r.source, r.source_ref) for r in frame.itertuples()}
    assert got == {
        ("0127", 2023): (95592.0, "SCB", "SCB TAB638 BE0101N1"),
        ("0127", 2024): (95905.0, "SCB", "SCB TAB5557 000007ME"),
        ("0127", 2025): (96750.0, "SCB", "SCB TAB5557 000007ME"),
        ("0136", 2022): (99001.0, "published", "https://www.scb.se/some-page"),
        ("0136", 2023): (99751.0, "SCB", "SCB TAB638 BE0101N1"),
    }


def test_derived_indicators_recomputed(store: Store):
    def answer(values: dict[str, float]) -> Callable[[Indicator], pd.DataFrame]:
        return lambda ind: rows(ind.id, {(r, 2021, "T"): v for r, v in values.items()})

    scb = FakeScb(
        {
            ("TAB3267", "AM0207H8", "municipalities"): answer({"0127": 20000.0, "0136": 15000.0}),  # in
            ("TAB3267", "AM0207H9", "municipalities"): answer({"0127": 30000.0, "0136": 25000.0}),  # out
            ("TAB3267", "AM0207H7", "municipalities"): answer({"0127": 12000.0, "0136": 14000.0}),  # live and work
        }
    )
    outcome = refresh(
        store, CATALOG, REGIONS, {"scb": scb}, indicators=["in_commuters", "out_commuters", "live_and_work"]
    )
    assert outcome.status == "published", outcome.error
    _, frame = store.read_observations()
    derived = frame[frame["status"] == "computed"]
    got = {(r.indicator_id, r.region_code): (r.value, r.source, r.source_ref) for r in derived.itertuples()}
    assert got == {
        ("net_commuting", "0127"): (-10000.0, "computed", "in_commuters - out_commuters"),
        ("net_commuting", "0136"): (-10000.0, "computed", "in_commuters - out_commuters"),
        ("day_population", "0127"): (32000.0, "computed", "live_and_work + in_commuters"),
        ("day_population", "0136"): (29000.0, "computed", "live_and_work + in_commuters"),
        ("employed_residents", "0127"): (42000.0, "computed", "live_and_work + out_commuters"),
        ("employed_residents", "0136"): (39000.0, "computed", "live_and_work + out_commuters"),
    }
    assert set(derived["retrieved_at"]) == {STAMP}
    # a new value of an input recomputes the derived rows; a missing input leaves none
    scb.answers[("TAB3267", "AM0207H8", "municipalities")] = lambda ind: rows(
        ind.id, {("0127", 2021, "T"): 21000.0, ("0136", 2021, "T"): 15000.0}
    )
    again = refresh(store, CATALOG, REGIONS, {"scb": scb}, indicators=["in_commuters"])
    assert again.status == "published", again.error
    _, frame = store.read_observations()
    values = frame.set_index(["indicator_id", "region_code"])["value"]
    assert values[("net_commuting", "0127")] == -9000.0
    assert values[("day_population", "0127")] == 33000.0
    assert values[("employed_residents", "0127")] == 42000.0
    assert not math.isnan(values[("net_commuting", "0136")])


def test_derived_indicator_cannot_be_fetched(store: Store):
    outcome = refresh(store, CATALOG, REGIONS, {}, indicators=["net_commuting"])
    assert outcome.status == "failed"
    assert "derived indicators are computed, not fetched: ['net_commuting']" in outcome.error


def test_second_refresh_while_locked(store: Store):
    other = Store(store.url)
    try:
        with other.refresh_lock() as held:
            assert held
            outcome = refresh(store, CATALOG, REGIONS, {"scb": tax_answers(BASE_RATES)}, indicators=["tax_rate_total"])
        assert outcome.status == "locked" and outcome.exit_code == 3
        assert store.state() is None
    finally:
        other.dispose()


@pytest.mark.parametrize("year", [1990, 1997])
def test_nykvarn_before_it_existed_is_missing(store: Store, year: int):
    values = {("0140", year, "T"): 0.0, ("0140", 1998, "T"): 7530.0}
    scb = FakeScb({("TAB638", "BE0101N1", "municipalities"): lambda ind: rows(ind.id, values)})
    outcome = refresh(store, CATALOG, REGIONS, {"scb": scb}, indicators=["population"])
    assert outcome.status == "published", outcome.error
    _, frame = store.read_observations()
    early = frame[frame["year"] == year].iloc[0]
    assert early["status"] == "missing" and math.isnan(early["value"])
    assert frame[frame["year"] == 1998]["value"].iloc[0] == 7530.0
