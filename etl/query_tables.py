"""The query layer for the views beside the observations (/pendling's flows, /befolkning's age pyramid).

Pages read through here, never through the store or `Dataset.rows` themselves: the published commuting
flows and age structure (`published_side_tables`), a region's own commuting from the pair flows, the
years that have flows or ages, an age pyramid, and the few single values and valued years the views
show beside their charts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from etl.query import Dataset
from etl.tables.ages import AGES, BANDS
from etl.tables.flows import FLOWS


def published_side_tables(store: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(flows, ages) of the dataset published in `store` (an etl.store.Store); empty tables for a store
    created before these tables existed."""
    try:
        return store.read_flows(), store.read_ages()
    except Exception:  # a store created before these tables existed
        return FLOWS.empty(), AGES.empty()


# ---------------------------------------------------------------- observations beside the views
def valued_years(dataset: Dataset, indicator: str, codes: Sequence[str]) -> list[int]:
    """The years in which any of `codes` has a value of `indicator`."""
    rows = dataset.rows(indicator)
    return sorted({int(y) for y in rows.loc[rows["region_code"].isin(codes) & rows["value"].notna(), "year"]})


def values_in(
    dataset: Dataset, indicator: str, codes: Sequence[str], year: int, sex: str = "T"
) -> dict[str, float | None]:
    """region code -> the stored value of `indicator` in `year` (None when missing), for the `codes` stored."""
    rows = dataset.rows(indicator)
    rows = rows[(rows["year"] == year) & (rows["sex"] == sex) & rows["region_code"].isin(codes)]
    return {str(c): _number(v) for c, v in zip(rows["region_code"], rows["value"], strict=True)}


def value_at(dataset: Dataset, indicator: str, code: str, year: int, sex: str = "T") -> float | None:
    """The stored value of `indicator` for one region and year; None when there is none."""
    return values_in(dataset, indicator, (code,), year, sex).get(code)


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


# ---------------------------------------------------------------- commuting flows
@dataclass(frozen=True)
class RegionCommuting:
    """A region's own commuting for one year: flows between two members are internal."""

    year: int
    in_commuters: float | None
    out_commuters: float | None
    internal: float | None
    complete: bool


def region_commuting(
    flows: pd.DataFrame,
    members: Sequence[str],
    year: int,
    municipal_in: dict[str, float | None],
    municipal_out: dict[str, float | None],
) -> RegionCommuting:
    """In/out-commuting of the region `members` in `year`.

    region in = sum of members' in-commuters - flows between members; likewise out.
    Only computed when the flows between every ordered pair of members are present
    (otherwise `complete` is False and the in/out figures are None): a sum of
    municipal in-commuters is never returned as the region's in-commuting.
    """
    rows = flows[(flows["year"] == year) & (flows["sex"] == "T") & flows["value"].notna()]
    inner = rows[rows["from_code"].isin(members) & rows["to_code"].isin(members)]
    pairs = {(a, b) for a in members for b in members if a != b}
    have = set(zip(inner["from_code"], inner["to_code"], strict=True))
    if not pairs <= have:
        return RegionCommuting(year, None, None, None, False)
    internal = float(inner["value"].sum())
    ins = [municipal_in.get(m) for m in members]
    outs = [municipal_out.get(m) for m in members]
    if any(v is None for v in ins) or any(v is None for v in outs):
        return RegionCommuting(year, None, None, internal, True)
    return RegionCommuting(year, sum(ins) - internal, sum(outs) - internal, internal, True)  # type: ignore[arg-type]


def flow_years(flows: pd.DataFrame) -> list[int]:
    """The years with at least one flow value."""
    return sorted({int(y) for y in flows.loc[flows["value"].notna(), "year"]})


# ---------------------------------------------------------------- age structure
def pyramid(ages: pd.DataFrame, region: str, year: int) -> pd.DataFrame:
    """Bands x {K, M} for one region and year (index: BANDS in order), empty when there is none."""
    rows = ages[(ages["region_code"] == region) & (ages["year"] == year)]
    if rows.empty:
        return pd.DataFrame(columns=["K", "M"])
    table = rows.pivot_table(index="age_band", columns="sex", values="value", aggfunc="sum", dropna=False)
    return table.reindex(index=list(BANDS), columns=["K", "M"])


def age_years(ages: pd.DataFrame, region: str | None = None) -> list[int]:
    """The years with at least one age value (of `region`, or of any region)."""
    rows = ages if region is None else ages[ages["region_code"] == region]
    return sorted({int(y) for y in rows.loc[rows["value"].notna(), "year"]})
