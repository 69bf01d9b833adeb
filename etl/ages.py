"""Age structure in 5-year bands by sex (K, M): the page helpers.

The contract (one row per region, year, sex and band) is declared in etl/tables/ages.py; SCB
TAB638's single ages are summed into bands by etl/sources/scb_ages.py, online only.
"""

from __future__ import annotations

import pandas as pd

from etl.tables.ages import AGE_COLUMNS, AGE_KEY, AGES, BANDS, AgeError, empty_ages, normalise_ages, validate_ages

__all__ = [
    "AGES",
    "AGE_COLUMNS",
    "AGE_KEY",
    "BANDS",
    "AgeError",
    "age_years",
    "empty_ages",
    "normalise_ages",
    "pyramid",
    "validate_ages",
]


def pyramid(ages: pd.DataFrame, region: str, year: int) -> pd.DataFrame:
    """Bands x {K, M} for one region and year (index: BANDS in order), empty when there is none."""
    rows = ages[(ages["region_code"] == region) & (ages["year"] == year)]
    if rows.empty:
        return pd.DataFrame(columns=["K", "M"])
    table = rows.pivot_table(index="age_band", columns="sex", values="value", aggfunc="sum", dropna=False)
    return table.reindex(index=list(BANDS), columns=["K", "M"])


def age_years(ages: pd.DataFrame, region: str | None = None) -> list[int]:
    rows = ages if region is None else ages[ages["region_code"] == region]
    return sorted({int(y) for y in rows.loc[rows["value"].notna(), "year"]})
