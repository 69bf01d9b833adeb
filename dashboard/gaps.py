"""Gaps, pure: which shown region lacks a value for which shown year, and why, in words (sv/en).

Every region asked for gets a row for every year shown (`complete`: a missing row has an empty value
and status missing), so the table on screen, the chart's gap notes and the ranking's count agree. A
year can lack a value in a mode although its value exists (an index without a base-year value, a
change without the year before, a rate without the population): that is said as such, never as
"saknas" for the year (`region_gaps` tells the two apart with the same rows in mode "value").
Also: how many of the ranked municipalities have a value (`count_text`). Which view modes mean
something for an indicator (`etl.query.allowed_modes`, one rule for the pages, the API and the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dashboard.i18n import t
from etl.query import REASON_SEP, REASONS  # why a row has no value: in its source_ref, after REASON_SEP

Columns = Mapping[str, np.ndarray]  # query_columns(): one array per export column
UNSAID = frozenset(REASONS["no_row"].values())  # "no value in the dataset": the gap note says as much
CONSTANT = ("indicator_id", "indicator", "sex", "unit")  # one value in every row of a query
MODE_CAUSE = {"index": "base", "change": "previous", "per1000": "population"}


@dataclass(frozen=True)
class Gap:
    """One region's years without a value in the years shown."""

    code: str
    name: str
    years: tuple[int, ...]  # years without a value at all (in mode "value")
    derived: tuple[int, ...] = ()  # years with a value whose shown mode cannot be computed
    reasons: tuple[tuple[str, tuple[int, ...]], ...] = ()  # `years` by why they have no value ("" unsaid)
    whole: bool = False  # no value for any year shown


def year_spans(years: Sequence[int]) -> str:
    """[1993, 1994, 1995, 1998] -> '1993–1995, 1998'."""
    spans: list[str] = []
    ordered = sorted(set(years))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        spans.append(str(ordered[i]) if i == j else f"{ordered[i]}–{ordered[j]}")
        i = j + 1
    return ", ".join(spans)


def complete(cols: Columns, codes: Sequence[str], names: Mapping[str, str], years: Sequence[int]) -> dict:
    """`cols` with a missing row (empty value, status missing) for every region of `codes` and year of
    `years` it has no row for; rows ordered by region as in `codes`, then year. Extra columns keep
    their values; an added row's text columns are empty. (etl.query already gives every region asked a
    row for each year within the indicator's span; this adds the years shown outside it.)"""
    have = {(str(c), int(y)) for c, y in zip(cols["region_code"].tolist(), cols["year"].tolist(), strict=True)}
    wanted = [(c, y) for c in dict.fromkeys(codes) for y in years if (c, y) not in have]
    if not wanted:
        return dict(cols)
    n = len(wanted)
    added: dict[str, np.ndarray] = {}
    for key, arr in cols.items():
        if key == "region_code":
            added[key] = np.array([c for c, _ in wanted], dtype=object)
        elif key == "region":
            added[key] = np.array([names.get(c, c) for c, _ in wanted], dtype=object)
        elif key == "year":
            added[key] = np.array([y for _, y in wanted], dtype=np.asarray(arr).dtype if len(arr) else np.int64)
        elif key == "value":
            added[key] = np.full(n, np.nan)
        elif key == "status":
            added[key] = np.full(n, "missing", dtype=object)
        elif key in CONSTANT and len(arr):
            added[key] = np.full(n, np.asarray(arr)[0], dtype=object)
        else:
            added[key] = np.full(n, None if key == "retrieved_at" else "", dtype=object)
    merged = {k: np.concatenate([np.asarray(cols[k], dtype=object), added[k].astype(object)]) for k in cols}
    order_of = {c: i for i, c in enumerate(dict.fromkeys(codes))}
    region_rank = np.array([order_of.get(str(c), len(order_of)) for c in merged["region_code"].tolist()])
    order = np.lexsort((np.asarray(merged["year"], dtype=np.int64), region_rank))
    out = {k: v[order] for k, v in merged.items()}
    out["value"] = out["value"].astype(float)
    out["year"] = out["year"].astype(np.int64)
    return out


def drawn(cols: Columns) -> dict:
    """`cols` without the regions that have no value at all (no empty line in the chart or its legend;
    the gap notes name them)."""
    codes = np.asarray(cols["region_code"], dtype=object)
    values = np.asarray(cols["value"], dtype=float)
    empty = {str(c) for c in dict.fromkeys(codes.tolist()) if np.isnan(values[codes == c]).all()}
    keep = np.array([str(c) not in empty for c in codes.tolist()], dtype=bool)
    return {k: np.asarray(v)[keep] for k, v in cols.items()}


def _reason(ref: Any) -> str:
    """Why a row has no value, from its source_ref ("" when it does not say, or says only that)."""
    text = str(ref or "")
    why = text.split(REASON_SEP, 1)[1] if REASON_SEP in text else ""
    return "" if why in UNSAID else why


def _by_reason(years: Sequence[int], reasons: Sequence[str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    grouped: dict[str, list[int]] = {}
    for year, why in zip(years, reasons, strict=True):
        grouped.setdefault(why, []).append(year)
    return tuple((why, tuple(ys)) for why, ys in grouped.items())


def region_gaps(cols: Columns, values: Columns | None, codes: Sequence[str], years: Sequence[int]) -> list[Gap]:
    """Per region of `codes` (in order) with a gap: its years without a value. `cols`: the rows as shown
    (any mode), completed (see `complete`); `values`: the same selection in mode "value" (None when the
    mode is "value"), to tell a missing value from a mode that cannot be computed for a year."""
    shown = set(int(y) for y in years)
    gaps: list[Gap] = []
    code_col = np.asarray(cols["region_code"], dtype=object)
    year_col = np.asarray(cols["year"], dtype=np.int64)
    value_col = np.asarray(cols["value"], dtype=float)
    has_value: set[tuple[str, int]] | None = None
    if values is not None:
        v = np.asarray(values["value"], dtype=float)
        has_value = {
            (str(c), int(y))
            for c, y, ok in zip(values["region_code"].tolist(), values["year"].tolist(), ~np.isnan(v), strict=True)
            if ok
        }
    names = dict(zip(code_col.tolist(), np.asarray(cols["region"], dtype=object).tolist(), strict=True))
    refs = np.asarray(cols["source_ref"], dtype=object) if "source_ref" in cols else None
    for code in dict.fromkeys(codes):
        mine = (code_col == code) & np.isin(year_col, list(shown))
        empty = mine & np.isnan(value_col)
        if not empty.any():
            continue
        empty_years = [int(y) for y in year_col[empty].tolist()]
        empty_refs = refs[empty].tolist() if refs is not None else [""] * len(empty_years)
        derived = [y for y in empty_years if has_value is not None and (code, y) in has_value]
        missing = [(y, _reason(r)) for y, r in zip(empty_years, empty_refs, strict=True) if y not in derived]
        gaps.append(
            Gap(
                code,
                str(names.get(code, code)),
                tuple(y for y, _ in missing),
                tuple(derived),
                _by_reason([y for y, _ in missing], [why for _, why in missing]),
                whole=bool(mine.any()) and bool(empty.sum() == mine.sum()),
            )
        )
    return gaps


def gap_texts(gaps: Sequence[Gap], indicator: str, mode: str, base: int | None, lang: str) -> list[tuple[str, str]]:
    """(region code, sentence) per gap and reason, naming the region, the indicator and the years (sv/en)."""
    out: list[tuple[str, str]] = []
    for g in gaps:
        for why, years in g.reasons or ((("", g.years),) if g.years else ()):
            text = t("gap_none", lang, region=g.name, indicator=indicator, years=year_spans(years))
            out.append((g.code, f"{text} – {why}" if why else text))
        if g.derived:
            cause = MODE_CAUSE.get(mode, "base")
            out.append((g.code, t(f"gap_{cause}", lang, region=g.name, years=year_spans(g.derived), base=base)))
    return out


def count_text(n: int, total: int, lang: str, year: int | None = None) -> str:
    """'3 av 8 kommuner har värden för 2024' / '1 of 8 municipalities has a value for 2024'."""
    key = "rank_count_none" if n == 0 else "rank_count_one" if n == 1 else "rank_count_many"
    text = t(key, lang, n=n, total=total)
    return text + (t("rank_count_year", lang, year=year) if year is not None else "")


def option_mark(label: str, lang: str) -> str:
    """A control's label for a region with no value in the view: 'Riket (inga värden)'."""
    return t("gap_option", lang, label=label)
