"""Origin-destination commuting, declared once and checked on every load.

One row per origin, destination, year and sex (home municipality -> work municipality).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from etl.tables.declare import YEAR, TableSpec, code, figure_columns, sex

FLOW_SEXES: tuple[str, ...] = ("T", "K", "M")
FLOW_STATUSES: tuple[str, ...] = ("ok", "missing")

FLOWS = TableSpec(
    "flows",
    key=(code("from_code"), code("to_code"), YEAR, sex(FLOW_SEXES)),
    values=figure_columns(FLOW_STATUSES),
    validate=lambda frame: validate_flows(frame),
)


class FlowError(ValueError):
    """Flow rows that break the contract; the message lists every problem."""


def validate_flows(frame: pd.DataFrame, known_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The normalised frame in key order, or FlowError listing every broken row."""
    missing_cols = FLOWS.missing(frame)
    if missing_cols:
        raise FlowError(f"flow rows lack column(s) {', '.join(missing_cols)}")
    frame = FLOWS.normalise(frame)
    problems: list[str] = []
    dup = frame.duplicated(list(FLOWS.key_names), keep=False)
    if dup.any():
        problems += [f"duplicate flow {r.from_code}->{r.to_code} {r.year} {r.sex}" for r in frame[dup].itertuples()]
    bad_codes = frame["from_code"].eq(frame["to_code"])
    problems += [f"flow from {r.from_code} to itself in {r.year}" for r in frame[bad_codes].itertuples()]
    negative = frame["value"] < 0
    problems += [f"negative flow {r.from_code}->{r.to_code} {r.year}: {r.value}" for r in frame[negative].itertuples()]
    wrong_status = ~frame["status"].isin(FLOW_STATUSES) | (frame["status"].eq("ok") & frame["value"].isna())
    problems += [
        f"status {r.status!r} with value {r.value} ({r.from_code}->{r.to_code})"
        for r in frame[wrong_status].itertuples()
    ]
    if not frame["sex"].isin(FLOW_SEXES).all():
        problems.append(f"unknown sex code(s) {sorted(set(frame['sex']) - set(FLOW_SEXES))}")
    if known_codes is not None:
        known = set(known_codes)
        unknown = sorted((set(frame["from_code"]) | set(frame["to_code"])) - known)
        # flows may reach municipalities outside the catalog's regions (e.g. Nyköping): only codes must look like SCB's
        bad = [c for c in unknown if not (len(c) == 4 and c.isdigit())]
        if bad:
            problems.append(f"region code(s) that are not SCB municipality codes: {', '.join(bad)}")
    if problems:
        raise FlowError("flow rows break the contract:\n  " + "\n  ".join(problems[:20]))
    return frame.sort_values(list(FLOWS.key_names), kind="stable").reset_index(drop=True)
