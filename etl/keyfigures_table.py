"""The key-figures table of /nyckeltal, built from the one query function (etl.query.query).

Pure: a Dataset, the declared sections (etl.keyfigures) and the set of indicators some refresh has
fetched in; a KeyTable out. One row per key figure, one cell per column (the eight, Södertörn by the
catalog's rule, Stockholms län, Riket). A cell holds the newest year's value of its region, the change
since the previous year, its rank among the eight (1 = the highest value; only municipalities with a
value for the row's year count) and whether it is above or below the county that year. A cell without
a value carries a reason key (the dashboard words it): `pending` (a Kolada figure no refresh has
fetched yet: the bundled snapshot has none), `not_computed` (Södertörn by a rule of `none`, with the
catalog's reason), `member_missing` (a Södertörn sum or mean lacking a member), `source_missing` (the
source marks the value missing) or `no_data` (the store holds nothing for that region).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from etl.catalog import Indicator, Text
from etl.keyfigures import KeyFigure, Section
from etl.query import Dataset, Selection, query

GROUP = "sodertorn"
COUNTY = "01"
COUNTRY = "00"
REASONS = ("pending", "not_computed", "member_missing", "source_missing", "no_data")


@dataclass(frozen=True)
class Cell:
    value: float | None
    year: int | None = None
    change: float | None = None  # value(year) - value(year - 1), in the row's unit (percentage points for shares)
    rank: int | None = None  # among the eight, for the row's year
    ranked: int = 0  # how many of the eight have a value for the row's year
    vs_county: int | None = None  # +1 above, -1 below, 0 equal (at the shown decimals), None: no comparison
    status: str = "missing"
    reason: str | None = None  # one of REASONS when value is None
    detail: str = ""  # e.g. the catalog's reason why Södertörn is not computed
    source: str = ""
    source_ref: str = ""
    retrieved_at: str = ""


@dataclass(frozen=True)
class Row:
    figure: KeyFigure
    indicator: Indicator
    label: str
    unit: str
    decimals: int
    year: int | None  # the newest year with a value among the eight (else in any column)
    pending: bool
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class ThemeBlock:
    theme: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class KeyTable:
    columns: tuple[str, ...]  # region codes and the group id, in column order
    members: tuple[str, ...]
    blocks: tuple[ThemeBlock, ...]
    lang: str

    def rows(self) -> list[Row]:
        return [r for b in self.blocks for r in b.rows]

    def row(self, key: str) -> Row:
        return next(r for r in self.rows() if r.figure.key == key)


def table_columns(dataset: Dataset) -> tuple[str, ...]:
    return (*dataset.regions.groups[GROUP].members, GROUP, COUNTY, COUNTRY)


def fetched_indicators(source_updated: dict[str, dict[str, str]]) -> set[str]:
    """Indicators whose sources carry an update stamp from a refresh (the store's source_updated())."""
    return {i for i, stamps in source_updated.items() if stamps}


def is_pending(dataset: Dataset, indicator: Indicator, fetched: Iterable[str]) -> bool:
    """True for a Kolada figure that no refresh has fetched yet: no value in the store, no update stamp."""
    has_kolada = any(s.kind == "kolada" for s in indicator.sources)
    return has_kolada and dataset.years(indicator.id) is None and indicator.id not in set(fetched)


def build_table(
    dataset: Dataset, sections: Iterable[Section], fetched: Iterable[str] = (), lang: str = "sv"
) -> KeyTable:
    """The whole table for the published dataset."""
    fetched = set(fetched)
    columns = table_columns(dataset)
    members = tuple(dataset.regions.groups[GROUP].members)
    blocks = []
    for section in sections:
        rows = tuple(build_row(dataset, fig, columns, members, fetched, lang) for fig in section.figures)
        blocks.append(ThemeBlock(section.theme, dataset.catalog.themes[section.theme](lang), rows))
    return KeyTable(columns, members, tuple(blocks), lang)


def figure_rows(dataset: Dataset, figure: KeyFigure, columns: tuple[str, ...], lang: str) -> pd.DataFrame:
    """The query() rows behind one key figure: every year of every column, in the figure's mode and sex."""
    return query(dataset, Selection(figure.indicator, columns, sex=figure.sex, mode=figure.mode), lang)


def build_row(
    dataset: Dataset,
    figure: KeyFigure,
    columns: tuple[str, ...],
    members: tuple[str, ...],
    fetched: set[str],
    lang: str,
) -> Row:
    indicator = dataset.catalog.get(figure.indicator)
    frame = figure_rows(dataset, figure, columns, lang)
    label = figure.label(lang) if figure.label else indicator.label(lang)
    unit = str(frame["unit"].iloc[0]) if len(frame) else _unit(indicator, figure, lang)
    decimals = indicator.unit.decimals if figure.mode == "value" else 1
    pending = is_pending(dataset, indicator, fetched)
    by_code = {code: part for code, part in frame.groupby("region_code", sort=False)}
    newest = {code: _newest(by_code.get(code)) for code in columns}
    member_years = [newest[c][1] for c in members if newest[c][1] is not None]
    any_years = [y for _, y in newest.values() if y is not None]
    year = max(member_years) if member_years else (max(any_years) if any_years else None)
    in_year = {c: _value_at(by_code.get(c), year) for c in members}
    ranked = {c: v for c, v in in_year.items() if v is not None}
    cells: dict[str, Cell] = {}
    for code in columns:
        part = by_code.get(code)
        value, cell_year = newest[code]
        if value is None:
            reason, detail = _reason(indicator, code, part, pending, lang)
            cells[code] = Cell(None, reason=reason, detail=detail, status=_first(part, "status", "missing"))
            continue
        row = part[part["year"] == cell_year].iloc[0]
        prev = _value_at(part, cell_year - 1)
        rank = None
        if code in members and cell_year == year:
            rank = 1 + sum(1 for v in ranked.values() if v > value)
        county = _value_at(by_code.get(COUNTY), cell_year) if code not in (COUNTY, COUNTRY) else None
        cells[code] = Cell(
            value=value,
            year=cell_year,
            change=value - prev if prev is not None else None,
            rank=rank,
            ranked=len(ranked) if rank is not None else 0,
            vs_county=_compare(value, county, decimals),
            status=str(row["status"]),
            source=str(row["source"]),
            source_ref=str(row["source_ref"]),
            retrieved_at="" if pd.isna(row["retrieved_at"]) else str(row["retrieved_at"]),
        )
    return Row(figure, indicator, label, unit, decimals, year, pending, cells)


def sort_rows(rows: Iterable[Row], code: str | None, descending: bool = False) -> list[Row]:
    """Rows ordered by the rank of `code` (1 first; descending: last rank first); rows where it has no
    rank keep their declared order after the ranked ones. No code: the declared order."""
    rows = list(rows)
    if not code:
        return rows
    ranked = [r for r in rows if r.cells.get(code) is not None and r.cells[code].rank is not None]
    rest = [r for r in rows if r not in ranked]
    ranked.sort(key=lambda r: r.cells[code].rank or 0, reverse=descending)
    return ranked + rest


def _unit(indicator: Indicator, figure: KeyFigure, lang: str) -> str:
    from etl.query import MODE_UNITS

    return MODE_UNITS[figure.mode][lang] if figure.mode in MODE_UNITS else indicator.unit.label(lang)


def _newest(part: pd.DataFrame | None) -> tuple[float | None, int | None]:
    if part is None or part.empty:
        return None, None
    with_value = part[part["value"].notna()]
    if with_value.empty:
        return None, None
    last = with_value.loc[with_value["year"].idxmax()]
    return float(last["value"]), int(last["year"])


def _value_at(part: pd.DataFrame | None, year: int | None) -> float | None:
    if part is None or year is None:
        return None
    hit = part[(part["year"] == year) & part["value"].notna()]
    return float(hit["value"].iloc[0]) if len(hit) else None


def _first(part: pd.DataFrame | None, column: str, default: str) -> str:
    return str(part[column].iloc[-1]) if part is not None and len(part) else default


def _compare(value: float, county: float | None, decimals: int) -> int | None:
    if county is None or math.isnan(county):
        return None
    a, b = round(value, decimals), round(county, decimals)
    return 0 if a == b else (1 if a > b else -1)


def _reason(indicator: Indicator, code: str, part: pd.DataFrame | None, pending: bool, lang: str) -> tuple[str, str]:
    """(reason key, detail) for a cell without a value."""
    if pending:
        return "pending", ""
    if code == GROUP:
        rule = indicator.aggregation
        if rule.method == "none":
            return "not_computed", rule.reason(lang) if isinstance(rule.reason, Text) else ""
        return "member_missing", ""
    if part is not None and len(part):
        # query() gives every year a row; only a row from the store (it names a source) can be the source's mark
        stored = part["source"].fillna("").astype(str) != ""
        if (stored & part["status"].isin(("missing", "suppressed"))).any():
            return "source_missing", ""
    return "no_data", ""
