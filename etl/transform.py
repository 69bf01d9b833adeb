"""Pure transforms: combine sources by precedence, compute the county, derive indicators. No I/O here.

(Region groups such as Södertörn are aggregated in the query layer: etl.query.Dataset.)
"""

from __future__ import annotations

import pandas as pd

from etl.catalog import Catalog, Indicator
from etl.regions import Regions
from etl.schema import OBSERVATION_COLUMNS, OBSERVATION_KEY, empty_observations

KEY = list(OBSERVATION_KEY)


def combine(layers: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack source layers in precedence order: for each key the first layer with a
    value wins; a layer's 'missing' row stands only where no later layer has a value."""
    frames = [f for f in layers if len(f)]
    if not frames:
        return empty_observations()
    stacked = pd.concat([f.assign(_layer=i) for i, f in enumerate(frames)], ignore_index=True)
    stacked["_has_value"] = stacked["value"].notna()
    stacked = stacked.sort_values(["_has_value", "_layer"], ascending=[False, True], kind="stable")
    best = stacked.drop_duplicates(KEY, keep="first")
    return best.drop(columns=["_layer", "_has_value"]).sort_values(KEY, kind="stable").reset_index(drop=True)


def county_sum(
    frame: pd.DataFrame, indicator: Indicator, regions: Regions, county: str = "01", of: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The county as the sum of its municipalities, for each year and sex where every municipality
    that existed that year (regions.yaml valid_from) has a value; marked `computed`, with the rule
    as its source_ref. `of` keeps only rows whose source_ref starts with one of those prefixes
    (e.g. not SCB's CKM-perturbed tables, whose sums are not exact)."""
    members = regions.municipalities(county=county)
    rows = frame[(frame["indicator_id"] == indicator.id) & frame["region_code"].isin(members) & frame["value"].notna()]
    if of:
        rows = rows[rows["source_ref"].astype(str).str.startswith(tuple(of))]
    if rows.empty:
        return empty_observations()
    grouped = (
        rows.groupby(["year", "sex"])
        .agg(value=("value", "sum"), n=("value", "size"), refs=("source_ref", lambda s: ", ".join(sorted(set(s)))))
        .reset_index()
    )
    expected = grouped["year"].map(lambda y: sum(regions.existed(m, int(y), indicator.measured) for m in members))
    complete = grouped[grouped["n"] == expected]
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "region_code": county,
            "year": complete["year"],
            "sex": complete["sex"],
            "value": complete["value"],
            "status": "computed",
            "source": "computed",
            "source_ref": "sum of the county's "
            + expected[complete.index].astype(str)
            + " municipalities ("
            + complete["refs"]
            + ")",
            "retrieved_at": pd.NA,
        }
    )
    return out.loc[:, list(OBSERVATION_COLUMNS)].reset_index(drop=True)


def mark_before_existence(frame: pd.DataFrame, regions: Regions, measured: dict[str, str]) -> pd.DataFrame:
    """Cells for a municipality before it existed on its present borders become 'missing' (SCB
    gives them as 0: Nykvarn before 1999), for every indicator; regions.yaml valid_from and the
    indicator's `measured` (indicator id -> year_end | during_year; year_end when not named) say from
    which year (etl.regions.Region.first_year)."""
    out = frame.copy()
    for region in regions.regions.values():
        if region.valid_from is None:
            continue
        during = out["indicator_id"].map(lambda i: measured.get(str(i)) == "during_year").astype(bool)
        first = during.map({True: region.first_year("during_year"), False: region.first_year("year_end")})
        early = (out["region_code"] == region.code) & (out["year"] < first)
        if early.any():
            out.loc[early, "value"] = float("nan")
            out.loc[early, "status"] = "missing"
    return out


def measured_by_indicator(catalog: Catalog) -> dict[str, str]:
    """indicator id -> its `measured` (for mark_before_existence)."""
    return {i.id: i.measured for i in catalog.indicators.values()}


def derive(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """A derived indicator from its formula's inputs, where every input has a value."""
    terms = indicator.formula_terms()
    parts = []
    for sign, dep in terms:
        rows = frame[(frame["indicator_id"] == dep) & frame["value"].notna()]
        parts.append(rows.set_index(["region_code", "year", "sex"])["value"].rename(dep) * sign)
    if not parts:
        return empty_observations()
    joined = pd.concat(parts, axis=1, join="inner")
    if joined.empty:
        return empty_observations()
    values = joined.sum(axis=1)
    retrieved = (
        frame[frame["indicator_id"].isin([d for _, d in terms])]
        .groupby(["region_code", "year", "sex"])["retrieved_at"]
        .max()
    )
    out = values.rename("value").reset_index()
    out["retrieved_at"] = out.set_index(["region_code", "year", "sex"]).index.map(retrieved)
    out["indicator_id"] = indicator.id
    out["status"] = "computed"
    out["source"] = "computed"
    out["source_ref"] = indicator.formula
    return out.loc[:, list(OBSERVATION_COLUMNS)].reset_index(drop=True)


def derive_all(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The observations with every derived indicator recomputed from its inputs."""
    base = frame[~frame["indicator_id"].isin([i.id for i in catalog.derived()])]
    derived = [derive(base, ind) for ind in catalog.derived()]
    return pd.concat([base, *derived], ignore_index=True).sort_values(KEY, kind="stable").reset_index(drop=True)
