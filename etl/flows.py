"""Origin-destination commuting (home municipality -> work municipality): the published figures.

The contract (one row per origin, destination, year and sex) is declared in etl/tables/flows.py;
SCB's municipality-pair tables are read by etl/sources/scb_flows.py, online only. Here: the
published flows in ../shared/reference/figures/commuting_flows.csv
(`from_code,from_name,to_code,to_name,year,value,source`), which go into the bundled snapshot,
the snapshot's flows CSV and `combine` (SCB first, the published figures where SCB has no value).
A region's own commuting (`region_commuting`) is in the query layer, etl/query_tables.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.tables.flows import FLOWS, FlowError, validate_flows

FIGURES_FILE = "commuting_flows.csv"
FIGURE_FLOW_COLUMNS = ("from_code", "from_name", "to_code", "to_name", "year", "value", "source")


# ---------------------------------------------------------------- published figures
def read_figures(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """(tidy flows, code -> name) from a published-flows CSV; the `source` column becomes source_ref."""
    path = Path(path)
    if not path.exists():
        raise FlowError(f"no published flows file at {path}")
    raw = pd.read_csv(path, dtype={"from_code": str, "to_code": str}, keep_default_na=False)
    lacking = [c for c in FIGURE_FLOW_COLUMNS if c not in raw.columns]
    if lacking:
        raise FlowError(
            f"{path.name}: column(s) {', '.join(lacking)} missing (expected {','.join(FIGURE_FLOW_COLUMNS)})"
        )
    names = dict(zip(raw["from_code"], raw["from_name"], strict=True)) | dict(
        zip(raw["to_code"], raw["to_name"], strict=True)
    )
    frame = pd.DataFrame(
        {
            "from_code": raw["from_code"],
            "to_code": raw["to_code"],
            "year": raw["year"].astype(int),
            "sex": "T",
            "value": pd.to_numeric(raw["value"], errors="coerce"),
            "status": "ok",
            "source": "published",
            "source_ref": raw["source"].astype(str),
            "retrieved_at": pd.NA,
        }
    )
    frame.loc[frame["value"].isna(), "status"] = "missing"
    return validate_flows(frame), {str(k): str(v) for k, v in names.items()}


def write_flows_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV in key order."""
    ordered = FLOWS.normalise(frame).sort_values(list(FLOWS.key_names), kind="stable")
    ordered.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def read_flows_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        path,
        dtype={"from_code": str, "to_code": str, "sex": str, "source_ref": str, "retrieved_at": str},
        keep_default_na=False,
        na_values={"value": [""], "retrieved_at": [""]},
    )
    return validate_flows(frame)


def combine(primary: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """`primary` (e.g. SCB) wins; `extra` (e.g. published figures) fills only the pairs/years where
    `primary` has no value (no row, or a row SCB marks missing)."""
    if primary.empty:
        return validate_flows(extra)
    key = list(FLOWS.key_names)

    def keys(frame: pd.DataFrame) -> set[tuple[str, ...]]:
        return set(map(tuple, frame[key].astype(str).values))

    with_value = keys(primary[primary["value"].notna()])
    extra_keep = pd.Series([k not in with_value for k in map(tuple, extra[key].astype(str).values)], index=extra.index)
    filled = keys(extra[extra_keep & extra["value"].notna()]) if len(extra) else set()
    primary_keep = [k not in filled for k in map(tuple, primary[key].astype(str).values)]
    return validate_flows(pd.concat([primary[primary_keep], extra[extra_keep]], ignore_index=True))
