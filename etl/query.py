"""The one query function behind charts, tables, downloads, the CLI export and the API.

`Dataset` holds the published observations indexed once per dataset version;
`query(dataset, selection)` returns the rows a user sees, in the export
contract's columns, for any mode: value, per 1 000 inhabitants, index
(base year = 100) or annual change in per cent. Region groups (Södertörn) are
computed here by the catalog's aggregation rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.catalog import Catalog, Indicator
from etl.regions import Regions
from etl.schema import EXPORT_COLUMNS
from etl.transform import aggregate_group

MODES = ("value", "per1000", "index", "change")
MODE_UNITS = {
    "per1000": {"sv": "per 1 000 invånare", "en": "per 1,000 inhabitants"},
    "index": {"sv": "index (basår = 100)", "en": "index (base year = 100)"},
    "change": {"sv": "procent, förändring mot föregående år", "en": "per cent, change on previous year"},
}


class QueryError(ValueError):
    """A selection the data cannot answer; the message is for the user."""


@dataclass(frozen=True)
class Selection:
    """What a user asked for. Region entries are region codes or group ids ('sodertorn')."""

    indicator: str
    regions: tuple[str, ...]
    year_from: int | None = None
    year_to: int | None = None
    sex: str = "T"
    mode: str = "value"
    base: int | None = None


@dataclass
class Dataset:
    """The published observations of one dataset version, indexed for fast queries."""

    version: int | None
    observations: pd.DataFrame
    catalog: Catalog
    regions: Regions
    by_indicator: dict[str, pd.DataFrame] = field(default_factory=dict)
    # computed group rows per (indicator, group, lang): they depend only on this version's data
    group_cache: dict[tuple[str, str, str], pd.DataFrame] = field(default_factory=dict, repr=False)
    year_spans: dict[str, tuple[int, int] | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for ind_id, rows in self.observations.groupby("indicator_id", sort=False):
            self.by_indicator[str(ind_id)] = rows.reset_index(drop=True)

    def rows(self, indicator_id: str) -> pd.DataFrame:
        return self.by_indicator.get(indicator_id, self.observations.iloc[0:0])

    def years(self, indicator_id: str) -> tuple[int, int] | None:
        if indicator_id in self.year_spans:
            return self.year_spans[indicator_id]
        rows = self.rows(indicator_id)
        rows = rows[rows["value"].notna()]
        span = None if rows.empty else (int(rows["year"].min()), int(rows["year"].max()))
        self.year_spans[indicator_id] = span
        return span


def _group_rows(dataset: Dataset, indicator: Indicator, group_id: str, lang: str) -> pd.DataFrame:
    key = (indicator.id, group_id, lang)
    cached = dataset.group_cache.get(key)
    if cached is None:
        cached = dataset.group_cache[key] = _compute_group_rows(dataset, indicator, group_id, lang)
    return cached


def _compute_group_rows(dataset: Dataset, indicator: Indicator, group_id: str, lang: str) -> pd.DataFrame:
    group = dataset.regions.groups[group_id]
    frame = dataset.rows(indicator.id)
    weights = dataset.rows(indicator.aggregation.weight) if indicator.aggregation.weight else None
    agg = aggregate_group(frame, indicator, group, weights)
    members = frame[frame["region_code"].isin(group.members)]
    rule = indicator.aggregation
    if rule.method == "sum":
        ref = f"{group.name(lang)}: sum of {len(group.members)} municipalities"
    elif rule.method == "weighted_mean":
        ref = f"{group.name(lang)}: mean of {len(group.members)} municipalities weighted by {rule.weight}" + (
            f" ({rule.weight_lag} year earlier)" if rule.weight_lag else ""
        )
    else:
        ref = f"{group.name(lang)}: not computed ({rule.reason(lang) if rule.reason else 'no rule'})"
    retrieved = members.groupby(["year", "sex"])["retrieved_at"].max()
    years = sorted(set(members["year"]))
    sexes = sorted(set(members["sex"]))
    grid = (
        pd.MultiIndex.from_product([years, sexes], names=["year", "sex"]).to_frame(index=False)
        if years
        else pd.DataFrame(columns=["year", "sex"])
    )
    out = grid.merge(agg, on=["year", "sex"], how="left")
    out["region_code"] = group_id
    out["indicator_id"] = indicator.id
    out["status"] = np.where(out["value"].notna(), "computed", "missing")
    out["source"] = "computed"
    out["source_ref"] = ref
    out["retrieved_at"] = [retrieved.get((y, s), pd.NA) for y, s in zip(out["year"], out["sex"], strict=True)]
    return out


def _base_rows(dataset: Dataset, indicator: Indicator, codes: list[str], lang: str) -> pd.DataFrame:
    plain = [c for c in codes if c not in dataset.regions.groups]
    frame = dataset.rows(indicator.id)
    parts = [frame[frame["region_code"].isin(plain)]]
    parts += [_group_rows(dataset, indicator, g, lang) for g in codes if g in dataset.regions.groups]
    out = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else frame.iloc[0:0].copy()
    )
    return out


def validate_selection(dataset: Dataset, sel: Selection) -> Indicator:
    """The indicator, after checking every part of the selection; QueryError says what is wrong."""
    if sel.indicator not in dataset.catalog.indicators:
        raise QueryError(f"unknown indicator {sel.indicator!r}")
    indicator = dataset.catalog.indicators[sel.indicator]
    for code in sel.regions:
        if code not in dataset.regions.regions and code not in dataset.regions.groups:
            raise QueryError(f"unknown region {code!r}")
    if sel.mode not in MODES:
        raise QueryError(f"unknown mode {sel.mode!r}; one of {', '.join(MODES)}")
    if sel.sex not in indicator.sexes:
        raise QueryError(f"{indicator.id} has no values for sex {sel.sex!r} (has {', '.join(indicator.sexes)})")
    if sel.mode == "per1000" and not indicator.unit.count:
        raise QueryError(f"per 1 000 inhabitants applies to counts only; {indicator.id} is in {indicator.unit.id}")
    if sel.year_from is not None and sel.year_to is not None and sel.year_from > sel.year_to:
        raise QueryError(f"from {sel.year_from} is after to {sel.year_to}")
    return indicator


def query(dataset: Dataset, sel: Selection, lang: str = "sv") -> pd.DataFrame:
    """Rows for `sel` in the export contract's columns, ordered by region (as asked) and year."""
    indicator = validate_selection(dataset, sel)
    codes = list(dict.fromkeys(sel.regions))
    rows = _base_rows(dataset, indicator, codes, lang)
    rows = rows[rows["sex"] == sel.sex]
    if sel.mode != "value":
        rows = _apply_mode(dataset, indicator, rows, sel, codes, lang)
    if sel.year_from is not None:
        rows = rows[rows["year"] >= sel.year_from]
    if sel.year_to is not None:
        rows = rows[rows["year"] <= sel.year_to]
    order = {c: i for i, c in enumerate(codes)}
    rows = rows.assign(_o=rows["region_code"].map(order)).sort_values(["_o", "year"], kind="stable").drop(columns="_o")
    unit = MODE_UNITS[sel.mode][lang] if sel.mode in MODE_UNITS else indicator.unit.label(lang)
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "indicator": indicator.label(lang),
            "region_code": rows["region_code"].astype(str),
            "region": [
                dataset.regions.name(c, lang)
                if c not in dataset.regions.groups
                else dataset.regions.groups[c].name(lang)
                for c in rows["region_code"]
            ],
            "year": rows["year"].astype(int),
            "sex": rows["sex"].astype(str),
            "value": rows["value"].astype(float),
            "unit": unit,
            "status": rows["status"].astype(str),
            "source": rows["source"].astype(str),
            "source_ref": rows["source_ref"].astype(str),
            "retrieved_at": rows["retrieved_at"].astype("string"),
        }
    )
    return out.loc[:, list(EXPORT_COLUMNS)].reset_index(drop=True)


def _apply_mode(
    dataset: Dataset, indicator: Indicator, rows: pd.DataFrame, sel: Selection, codes: list[str], lang: str
) -> pd.DataFrame:
    rows = rows.copy()
    if sel.mode == "per1000":
        pop_ind = dataset.catalog.indicators["population"]
        pop = _base_rows(dataset, pop_ind, codes, lang)
        pop = pop[pop["sex"] == sel.sex].set_index(["region_code", "year"])["value"]
        denom = pd.Series(
            [pop.get((c, y), np.nan) for c, y in zip(rows["region_code"], rows["year"], strict=True)],
            index=rows.index,
            dtype="float64",
        )
        rows["value"] = rows["value"] / denom * 1000
        rows["source_ref"] = rows["source_ref"] + " ÷ population × 1000"
    elif sel.mode == "index":
        if sel.base is None:
            raise QueryError("index mode needs a base year")
        base = rows[rows["year"] == sel.base].set_index("region_code")["value"]
        denom = rows["region_code"].map(base).astype("float64")
        rows["value"] = rows["value"] / denom * 100
        rows["source_ref"] = rows["source_ref"] + f" (index, {sel.base} = 100)"
    elif sel.mode == "change":
        rows = rows.sort_values(["region_code", "year"])
        prev = rows.groupby("region_code")["value"].shift()
        prev_year = rows.groupby("region_code")["year"].shift()
        ok = prev_year == rows["year"] - 1
        rows["value"] = np.where(ok & (prev != 0), (rows["value"] / prev - 1) * 100, np.nan)
        rows["source_ref"] = rows["source_ref"] + " (change on previous year, %)"
    lost = rows["value"].isna() & rows["status"].isin(["ok", "computed"])
    rows.loc[lost, "status"] = "missing"
    rows.loc[rows["value"].notna() & (rows["status"] == "ok") & (sel.mode != "value"), "status"] = "computed"
    return rows
