"""How a published table is declared: its columns (dtype, SQL size, nullable, allowed values) and key.

One `TableSpec` per published table (etl/tables/observations.py, flows.py, ages.py) is the only
place its columns are written down: the store's DDL (etl/store/schema.py), the frame's column
order and dtypes (`normalise`), the load checks (each table's `validate`) and the export's
column order are all read from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Frame dtypes a column may have: pandas' nullable "string", Python "str" (object), "int" (int64), "float".
KINDS = ("string", "str", "int", "float")


@dataclass(frozen=True)
class Column:
    """One column of a published table."""

    name: str
    kind: str  # one of KINDS
    length: int | None = None  # SQL String(length); a text column without one is SQL Text
    nullable: bool = False  # SQL NULL allowed (an empty figure, an unknown retrieval time)
    blank: bool = False  # an empty text is a valid value (checked only where a table says so)
    allowed: tuple[str, ...] | None = None  # the only values it may hold, where there is such a list

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind {self.kind!r} is not one of {', '.join(KINDS)}")

    @property
    def is_text(self) -> bool:
        return self.kind in ("string", "str")


YEAR = Column("year", "int")


def code(name: str, kind: str = "str") -> Column:
    """A column holding an SCB region code (2 or 4 digits)."""
    return Column(name, kind, 8)


def sex(allowed: tuple[str, ...], kind: str = "str") -> Column:
    return Column("sex", kind, 1, allowed=allowed)


def figure_columns(statuses: tuple[str, ...] | None, text: str = "str") -> tuple[Column, ...]:
    """The columns every published figure carries after its key: its value and where it comes from."""
    return (
        Column("value", "float", nullable=True),
        Column("status", text, 16, allowed=statuses),
        Column("source", text, 32),
        Column("source_ref", text, blank=True),
        Column("retrieved_at", "string", 32, nullable=True),
    )


@dataclass(frozen=True)
class TableSpec:
    """A published table: SQL name, key columns, the columns after the key, and its load check.

    `labels` names, for the export, the label column that follows a column (indicator_id ->
    indicator). `validate` normalises a frame and raises the table's own error listing the problems.
    """

    name: str
    key: tuple[Column, ...]
    values: tuple[Column, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    validate: Callable[[pd.DataFrame], pd.DataFrame] | None = field(default=None, compare=False)

    @property
    def columns(self) -> tuple[Column, ...]:
        return (*self.key, *self.values)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.key)

    @property
    def export_columns(self) -> tuple[str, ...]:
        """The columns a user receives, in order: each column, then its label column if it has one."""
        return tuple(n for c in self.column_names for n in (c, self.labels.get(c)) if n is not None)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def missing(self, frame: pd.DataFrame) -> list[str]:
        """The declared columns `frame` lacks, in declaration order."""
        return [c for c in self.column_names if c not in frame.columns]

    def normalise(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The declared columns in order, cast to their dtypes (does not validate; all must be present)."""
        out = frame.loc[:, list(self.column_names)].copy()
        for col in self.columns:
            out[col.name] = _cast(out[col.name], col.kind)
        return out.reset_index(drop=True)

    def empty(self) -> pd.DataFrame:
        """A frame with the declared columns and dtypes, no rows."""
        return self.normalise(pd.DataFrame({c: [] for c in self.column_names}))

    def checked(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`validate(frame)` where the table has a check, otherwise `normalise(frame)`."""
        return self.validate(frame) if self.validate is not None else self.normalise(frame)

    def records(self, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Rows of a normalised frame as dicts for an INSERT, empty values as None."""
        names = self.column_names
        return [
            {c: (None if is_blank(v) else v) for c, v in zip(names, row, strict=True)}
            for row in frame.loc[:, list(names)].itertuples(index=False)
        ]


def _cast(series: pd.Series, kind: str) -> pd.Series:
    if kind == "string":
        return series.astype("string")
    if kind == "str":
        return series.astype(str)
    if kind == "int":
        return pd.to_numeric(series, errors="raise").astype("int64")
    return pd.to_numeric(series, errors="coerce").astype("float64")


def is_blank(v: Any) -> bool:
    """None, pandas' NA or a float NaN: stored as NULL."""
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
