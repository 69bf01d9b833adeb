"""Plausibility against the published value, per unit (etl/checks.py check_revisions, catalog units)."""

from __future__ import annotations

import pandas as pd

from etl.catalog import load_catalog
from etl.checks import check_revisions, run_gates
from etl.regions import load_regions
from etl.schema import OBSERVATION_COLUMNS, normalise_observations

CATALOG, REGIONS = load_catalog(), load_regions()


def rows(values: dict[str, float]) -> pd.DataFrame:
    records = [
        ("employment_rate_20_64", code, 2023, "T", v, "ok", "Kolada", "Kolada N00914", "2025-01-01T00:00:00Z")
        for code, v in values.items()
    ]
    return normalise_observations(pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS)))


def test_a_rate_that_falls_from_77_to_7_7_fails_unless_accepted():
    published = rows({"0127": 77.0, "0136": 80.0, "0126": 0.0})
    candidate = rows({"0127": 7.7, "0136": 85.0, "0126": 5.0})  # a slipped decimal; +6 %; from 0
    warnings, failures = check_revisions(candidate, published, CATALOG)
    assert failures == [
        "employment_rate_20_64 region 0127 year 2023 sex T: value 7.7 changes by 90% from the published 77, "
        "beyond the hard bound 50% of unit percent (source Kolada N00914)"
    ]
    assert warnings == []  # 80 -> 85 is within the 10 % warning bound; a published 0 has no relative change
    gates = run_gates(candidate, published, CATALOG, REGIONS, 0.5)
    assert not gates.ok and gates.failures == [failures[0] + "; publish it anyway with --accept-jumps"]
    accepted = run_gates(candidate, published, CATALOG, REGIONS, 0.5, accept_jumps=True)
    assert accepted.ok and failures[0] + " (accepted with --accept-jumps)" in accepted.warnings


def test_a_change_between_the_bounds_is_a_warning():
    warnings, failures = check_revisions(rows({"0127": 88.0}), rows({"0127": 77.0}), CATALOG)
    assert failures == []
    assert warnings == [
        "employment_rate_20_64 region 0127 year 2023 sex T: value 88 changes by 14% from the published 77, "
        "beyond the warning bound 10% of unit percent (source Kolada N00914)"
    ]
    assert check_revisions(rows({"0127": 88.0}), None, CATALOG) == ([], [])  # nothing published: nothing to compare
