"""The store on both backends (SQLite file and a fresh PostgreSQL database)."""

from __future__ import annotations

import math
import threading

import pandas as pd
import pytest
from sqlalchemy import text

from etl.catalog import load_catalog
from etl.regions import load_regions
from etl.schema import OBSERVATION_COLUMNS, normalise_observations
from etl.store import Store, StoreError, content_hash

CATALOG = load_catalog()
REGIONS = load_regions()


def frame_of(rows: list[tuple]) -> pd.DataFrame:
    return normalise_observations(pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS)))


def sample() -> pd.DataFrame:
    nan = float("nan")
    return frame_of(
        [
            ("population", "0127", 2024, "T", 95905.0, "ok", "SCB", "SCB TAB638 BE0101N1", "2026-09-13T21:55:39Z"),
            ("population", "0127", 2024, "K", 47623.0, "ok", "SCB", "SCB TAB638 BE0101N1", "2026-09-13T21:55:39Z"),
            ("population", "0140", 1997, "T", nan, "missing", "SCB", "SCB TAB638 BE0101N1", "2026-09-13T21:55:39Z"),
            ("tax_rate_total", "0136", 2024, "T", 32.06, "ok", "SCB", "SCB TAB2017 OE0101D1", None),
            (
                "population",
                "01",
                2023,
                "T",
                2454821.0,
                "computed",
                "computed",
                "sum of the county's 26 municipalities",
                None,
            ),
        ]
    )


def numbered(n: int, rows: int) -> pd.DataFrame:
    """`rows` population rows for Botkyrka, every value equal to `n`."""
    return frame_of(
        [("population", "0127", 1900 + y, "T", float(n), "ok", "SCB", f"run {n}", None) for y in range(rows)]
    )


def by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["indicator_id", "region_code", "year", "sex"]).reset_index(drop=True)


def test_empty_store(store: Store):
    assert store.state() is None
    assert store.dataset_version() is None
    version, frame = store.read_observations()
    assert version is None
    assert list(frame.columns) == list(OBSERVATION_COLUMNS) and frame.empty


def test_publish_then_read_back(store: Store):
    state = store.publish(sample(), CATALOG, REGIONS, origin="test")
    assert state.version == 1
    assert state.row_count == 5
    assert state.content_sha256 == content_hash(sample())
    version, frame = store.read_observations()
    assert version == 1
    pd.testing.assert_frame_equal(by_key(frame), by_key(sample()))
    missing = frame[frame["region_code"] == "0140"].iloc[0]
    assert missing["status"] == "missing" and math.isnan(missing["value"])
    assert frame.loc[frame["region_code"] == "0136", "value"].iloc[0] == 32.06
    assert pd.isna(frame.loc[frame["region_code"] == "0136", "retrieved_at"].iloc[0])
    got = store.state()
    assert (got.version, got.row_count, got.content_sha256, got.origin) == (1, 5, state.content_sha256, "test")
    assert content_hash(frame) == state.content_sha256


def test_version_increments_and_old_rows_go_beyond_the_kept(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NYCKELTAL_KEEP_VERSIONS", "1")  # keep only the published version
    assert store.publish(numbered(1, 3), CATALOG, REGIONS, origin="a").version == 1
    assert store.dataset_version() == 1
    assert store.publish(numbered(2, 4), CATALOG, REGIONS, origin="b").version == 2
    assert store.dataset_version() == 2
    version, frame = store.read_observations()
    assert version == 2 and len(frame) == 4 and set(frame["value"]) == {2.0}
    from sqlalchemy import func, select

    from etl.store import observations

    with store.engine.connect() as conn:
        versions = conn.execute(
            select(observations.c.dataset_version, func.count()).group_by(observations.c.dataset_version)
        ).all()
    assert [tuple(v) for v in versions] == [(2, 4)]
    assert store.state().origin == "b"


def test_failed_publish_leaves_published_dataset_identical(store: Store):
    before = store.publish(sample(), CATALOG, REGIONS, origin="good")
    _, rows_before = store.read_observations()
    with pytest.raises(StoreError, match="fault injected"):
        store.publish(numbered(9, 7), CATALOG, REGIONS, origin="bad", fail_after_rows=True)
    after = store.state()
    assert after == before
    assert store.dataset_version() == 1
    version, rows_after = store.read_observations()
    assert version == 1
    pd.testing.assert_frame_equal(by_key(rows_after), by_key(rows_before))
    assert content_hash(rows_after) == before.content_sha256
    # and the next publish still works, skipping nothing
    assert store.publish(numbered(3, 2), CATALOG, REGIONS, origin="next").version == 2


def test_reader_sees_exactly_one_version_while_publishing(store: Store):
    store.publish(numbered(1, 11), CATALOG, REGIONS, origin="v1")
    counts = {1: 11}
    seen: list[tuple[int, int, set[float]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    reader = Store(store.url)

    def read_loop() -> None:
        try:
            while not stop.is_set() or len(seen) < 3:
                version, frame = reader.read_observations()
                seen.append((version, len(frame), set(frame["value"])))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for n in range(2, 8):
            state = store.publish(numbered(n, 10 + n), CATALOG, REGIONS, origin=f"v{n}")
            counts[state.version] = state.row_count
            assert state.row_count == 10 + n
    finally:
        stop.set()
        thread.join(timeout=60)
        reader.dispose()
    assert not errors, errors
    assert seen
    for version, count, values in seen:
        assert count == counts[version], (version, count)
        assert values == {float(version)}, (version, values)
    final = store.state()
    assert (final.version, final.row_count) == (7, 17)
    assert len(store.read_observations()[1]) == final.row_count


def test_runs_start_and_finish(store: Store):
    run = store.start_run("manual")
    (row,) = store.recent_runs()
    assert (row["id"], row["status"], row["trigger"], row["finished_at"]) == (run, "running", "manual", None)
    store.finish_run(
        run, "failed", {"indicators": {"population": {"rows": 0}}}, "failed: 1 problem(s)", error="SCB TAB638: HTTP 500"
    )
    (row,) = store.recent_runs()
    assert row["status"] == "failed"
    assert row["finished_at"] is not None
    assert row["error"] == "SCB TAB638: HTTP 500"
    assert row["details"] == {"indicators": {"population": {"rows": 0}}}
    second = store.start_run("schedule")
    store.finish_run(second, "published", {}, "passed (0 warning(s))", version=4)
    latest = store.recent_runs(1)
    assert [(r["id"], r["status"], r["dataset_version"]) for r in latest] == [(second, "published", 4)]
    assert [r["id"] for r in store.recent_runs()] == [second, run]


def test_refresh_lock_is_exclusive(store: Store):
    other = Store(store.url)
    try:
        with store.refresh_lock() as first:
            assert first is True
            with other.refresh_lock() as second:
                assert second is False
        with other.refresh_lock() as again:
            assert again is True
            with store.refresh_lock() as blocked:
                assert blocked is False
        with store.refresh_lock() as free:
            assert free is True
    finally:
        other.dispose()


def test_packed_read_and_publish_cache_hold_exactly_the_published_rows(store: Store, tmp_path) -> None:
    import numpy as np

    from etl.query import Dataset
    from etl.store import observations_cache_path, read_observations_cache
    from etl.store.packed import pack_observations

    state = store.publish(sample(), CATALOG, REGIONS, origin="test", observations_cache=str(tmp_path))
    version, frame = store.read_observations()
    expected = pack_observations(frame)
    packed_version, packed = store.read_observations_packed()
    cached = read_observations_cache(observations_cache_path(tmp_path, state))  # written by the publish
    assert packed_version == version == state.version
    for got in (packed, cached):
        assert sorted(got) == sorted(expected)
        for key, want in expected.items():
            assert got[key].dtype == want.dtype, key
            assert np.array_equal(got[key], want, equal_nan=want.dtype.kind == "f"), key
    # the compact Dataset gives every row back exactly (ordered by indicator, region, sex, year)
    ordered = frame.sort_values(["indicator_id", "region_code", "sex", "year"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(Dataset.from_packed(version, cached, CATALOG, REGIONS).observations, ordered)
    assert expected["value"].dtype == np.float64  # values are never narrowed
    pd.testing.assert_frame_equal(
        Dataset(version, frame, CATALOG, REGIONS).rows("tax_rate_total"), ordered.iloc[-1:].reset_index(drop=True)
    )


def test_publish_without_a_cache_folder_writes_none(store: Store, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", "")
    store.publish(sample(), CATALOG, REGIONS, origin="test")
    assert not folder.exists()
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(folder))
    state = store.publish(sample(), CATALOG, REGIONS, origin="test")
    assert [p.name for p in folder.iterdir()] == [f"observations-v{state.version}-{state.content_sha256[:16]}.arrow"]


def _assert_packed_equal(got: dict, expected: dict) -> None:
    import numpy as np

    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        assert got[key].dtype == want.dtype, key
        assert np.array_equal(got[key], want, equal_nan=want.dtype.kind == "f"), key


CHILD = """
import hashlib, json, sys
from etl.catalog import load_catalog
from etl.query import Dataset
from etl.regions import load_regions
from etl.store import Store
store = Store(sys.argv[1])
version, packed = store.read_packed_copy()
rows = Dataset.from_packed(version, packed, load_catalog(), load_regions()).observations
print(json.dumps([version, hashlib.sha256(rows.to_csv(index=False, float_format="%r").encode()).hexdigest()]))
"""


def test_publish_stores_a_packed_copy_a_fresh_process_loads_the_exact_rows_from(store: Store, tmp_path) -> None:
    import hashlib
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from etl.query import Dataset
    from etl.store.packed import pack_observations

    store.publish(numbered(1, 3), CATALOG, REGIONS, origin="test", observations_cache="")
    state = store.publish(sample(), CATALOG, REGIONS, origin="test", observations_cache="")  # no cache file
    version, frame = store.read_observations()
    copy = store.read_packed_copy()
    assert copy is not None and copy[0] == version == state.version == 2
    _assert_packed_equal(copy[1], pack_observations(frame))
    with store.engine.connect() as conn:  # each kept version keeps its copy (NYCKELTAL_KEEP_VERSIONS)
        assert sorted(conn.execute(text("SELECT dataset_version FROM observations_packed")).scalars()) == [1, 2]
    # a fresh process with no cache folder gets the same rows, bit for bit, from the store alone
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, NYCKELTAL_OBSERVATIONS_CACHE="", PYTHONPATH=str(root))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, store.url], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    rows = Dataset(version, frame, CATALOG, REGIONS).observations
    assert json.loads(out.stdout) == [
        2,
        hashlib.sha256(rows.to_csv(index=False, float_format="%r").encode()).hexdigest(),
    ]


@pytest.mark.parametrize("damage", ["bytes", "built from other rows", "missing", "no table"])
def test_a_damaged_or_missing_packed_copy_is_not_used(store: Store, damage: str) -> None:
    from etl.store.packed import pack_observations

    store.publish(sample(), CATALOG, REGIONS, origin="test", observations_cache="")
    statement = {
        "bytes": "UPDATE observations_packed SET packed_sha256 = '" + "0" * 64 + "'",
        "built from other rows": "UPDATE observations_packed SET content_sha256 = '" + "1" * 64 + "'",
        "missing": "DELETE FROM observations_packed",
        "no table": "DROP TABLE observations_packed",  # a store made before the packed copy existed
    }[damage]
    with store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.read_packed_copy() is None  # the caller reads the rows instead
    # the next publish creates the table when it is missing (the migration) and stores a good copy
    state = store.publish(sample(), CATALOG, REGIONS, origin="test", observations_cache="")
    copy = store.read_packed_copy()
    assert copy is not None and copy[0] == state.version
    _assert_packed_equal(copy[1], pack_observations(store.read_observations()[1]))
