"""Age structure in 5-year bands by sex (K, M), declared once and checked on every load.

One row per region, year, sex and band. Bands are '0-4', '5-9', …, '95-99', '100+'.
"""

from __future__ import annotations

import pandas as pd

from etl.tables.declare import YEAR, Column, TableSpec, code, figure_columns, sex

BANDS: tuple[str, ...] = (*tuple(f"{a}-{a + 4}" for a in range(0, 100, 5)), "100+")
AGE_SEXES: tuple[str, ...] = ("K", "M")

AGES = TableSpec(
    "age_structure",
    key=(code("region_code"), YEAR, sex(AGE_SEXES), Column("age_band", "str", 8, allowed=BANDS)),
    values=figure_columns(None),
    validate=lambda frame: validate_ages(frame),
)


class AgeError(ValueError):
    """Age rows that break the contract, or an answer of the wrong shape."""


def validate_ages(frame: pd.DataFrame) -> pd.DataFrame:
    """The normalised frame in key order (bands in age order), or AgeError listing the problems."""
    lacking = AGES.missing(frame)
    if lacking:
        raise AgeError(f"age rows lack column(s) {', '.join(lacking)}")
    frame = AGES.normalise(frame)
    problems: list[str] = []
    if not frame["age_band"].isin(BANDS).all():
        problems.append(f"unknown age band(s) {sorted(set(frame['age_band']) - set(BANDS))}")
    if not frame["sex"].isin(AGE_SEXES).all():
        problems.append(f"sex must be K or M, got {sorted(set(frame['sex']) - set(AGE_SEXES))}")
    if frame.duplicated(list(AGES.key_names)).any():
        problems.append("duplicate (region, year, sex, band) rows")
    if (frame["value"] < 0).any():
        problems.append("negative population in an age band")
    if problems:
        raise AgeError("age rows break the contract: " + "; ".join(problems))
    order = {b: i for i, b in enumerate(BANDS)}
    frame = frame.assign(_b=frame["age_band"].map(order))
    # key order with the bands in age order (age_band is the last key column)
    return frame.sort_values([*AGES.key_names[:-1], "_b"], kind="stable").drop(columns="_b").reset_index(drop=True)
