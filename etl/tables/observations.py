"""Observations, declared once and checked on every load.

One row per indicator, region, year and sex. A value that a source does not publish is a row
with `value` empty and a status that says why, never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.tables.declare import YEAR, Column, TableSpec, code, figure_columns, sex

SEXES: tuple[str, ...] = ("T", "K", "M")

# Status vocabulary. `ok` and `computed` carry a value; the others never do.
STATUS_WITH_VALUE = frozenset({"ok", "computed"})
STATUS_WITHOUT_VALUE = frozenset({"missing", "suppressed"})
STATUSES = STATUS_WITH_VALUE | STATUS_WITHOUT_VALUE

STATUS_HELP = {
    "ok": "published by the source",
    "computed": "computed by the catalog's rule from published figures",
    "missing": "the source publishes no value (SCB '..')",
    "suppressed": "withheld by the source for confidentiality",
}

OBSERVATIONS = TableSpec(
    "observations",
    key=(Column("indicator_id", "string", 64), code("region_code", "string"), YEAR, sex(SEXES, "string")),
    values=figure_columns(tuple(sorted(STATUSES)), text="string"),
    labels={"indicator_id": "indicator", "region_code": "region", "value": "unit"},
    validate=lambda frame: validate_observations(frame),
)
OBSERVATION_COLUMNS: tuple[str, ...] = OBSERVATIONS.column_names
OBSERVATION_KEY: tuple[str, ...] = OBSERVATIONS.key_names
# The export contract: the columns a user receives, in this order.
EXPORT_COLUMNS: tuple[str, ...] = OBSERVATIONS.export_columns


class ContractError(ValueError):
    """A table does not meet the tidy contract; the message lists every problem."""


@dataclass(frozen=True)
class Problem:
    """One broken rule, located precisely enough for a person to fix it."""

    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


empty_observations = OBSERVATIONS.empty  # the observation columns and their types, no rows


def normalise_observations(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast to the contract's types and column order (does not validate)."""
    missing = OBSERVATIONS.missing(frame)
    if missing:
        raise ContractError(f"observations lack the column(s) {', '.join(missing)}")
    return OBSERVATIONS.normalise(frame)


# the text columns that must hold a non-empty value (source_ref may be blank)
_NOT_EMPTY = tuple(c.name for c in OBSERVATIONS.columns if c.is_text and not c.nullable and not c.blank)


def check_observations(frame: pd.DataFrame) -> list[Problem]:
    """Every way `frame` breaks the contract (empty list when it holds)."""
    problems: list[Problem] = []
    missing = OBSERVATIONS.missing(frame)
    if missing:
        return [Problem("columns", f"missing column(s) {', '.join(missing)}")]
    for col in _NOT_EMPTY:
        blank = frame[col].isna() | (frame[col].astype("string").str.strip() == "")
        if blank.any():
            row = frame.loc[blank].iloc[0]
            problems.append(Problem("not empty", f"{int(blank.sum())} row(s) with empty {col}, e.g. {_where(row)}"))
    bad_sex = ~frame["sex"].isin(OBSERVATIONS.column("sex").allowed)
    if bad_sex.any():
        problems.append(Problem("sex", f"unknown sex {sorted(set(frame.loc[bad_sex, 'sex']))}"))
    bad_status = ~frame["status"].isin(OBSERVATIONS.column("status").allowed)
    if bad_status.any():
        problems.append(Problem("status", f"unknown status {sorted(set(frame.loc[bad_status, 'status'].astype(str)))}"))
    codes = frame["region_code"].astype("string")
    not_code = ~codes.str.fullmatch(r"\d{2}|\d{4}").fillna(False)
    if not_code.any():
        problems.append(Problem("region code", f"not a 2- or 4-digit code: {sorted(set(codes[not_code]))[:5]}"))
    has_value = frame["value"].notna()
    should_have = frame["status"].isin(STATUS_WITH_VALUE)
    lacking = should_have & ~has_value
    if lacking.any():
        problems.append(
            Problem(
                "value present",
                f"{int(lacking.sum())} row(s) with status ok/computed but no value, e.g. {_where(frame.loc[lacking].iloc[0])}",
            )
        )
    stray = ~should_have & has_value
    if stray.any():
        problems.append(
            Problem(
                "value absent",
                f"{int(stray.sum())} row(s) marked missing but carrying a value, e.g. {_where(frame.loc[stray].iloc[0])}",
            )
        )
    dupes = frame.duplicated(list(OBSERVATION_KEY), keep=False)
    if dupes.any():
        problems.append(
            Problem(
                "unique key",
                f"{int(dupes.sum())} rows share a key (indicator, region, year, sex), e.g. {_where(frame.loc[dupes].iloc[0])}",
            )
        )
    return problems


def validate_observations(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise and check `frame`; raise ContractError listing every problem."""
    problems = check_observations(frame)
    if problems:
        raise ContractError("observations break the tidy contract:\n  " + "\n  ".join(map(str, problems)))
    return normalise_observations(frame)


def _where(row: pd.Series) -> str:
    return f"{row.get('indicator_id')} region {row.get('region_code')} year {row.get('year')} sex {row.get('sex')}"
