"""The one query function behind charts, tables, downloads, the CLI export and the API.

`Dataset` (etl/dataset.py) holds the published observations of one dataset version packed
compactly and indexed once per (indicator, region, sex); `query(dataset, selection)`
returns the rows a user sees, in the export contract's columns, for any mode:
value, per 1 000 inhabitants, index (base year = 100) or annual change in per
cent. Region groups (Södertörn) are computed here by the catalog's aggregation
rule, once per dataset version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.catalog import Indicator
from etl.dataset import Dataset, Series, group_reference
from etl.schema import EXPORT_COLUMNS

MODES = ("value", "per1000", "index", "change")
MODE_UNITS = {
    "per1000": {"sv": "per 1 000 invånare", "en": "per 1,000 inhabitants"},
    "index": {"sv": "index (basår = 100)", "en": "index (base year = 100)"},
    "change": {"sv": "procent, förändring mot föregående år", "en": "per cent, change on previous year"},
}
MODE_REFS = {
    "per1000": {"sv": " ÷ folkmängd × 1000", "en": " ÷ population × 1000"},
    "index": {"sv": " (index, {base} = 100)", "en": " (index, {base} = 100)"},
    "change": {"sv": " (förändring mot föregående år, %)", "en": " (change on previous year, %)"},
}
# Why a row has no value: carried in its source_ref (after the table, when there is one).
REASONS = {
    "not_existing": {
        "sv": "kommunen fanns inte (bildades {year})",
        "en": "municipality did not exist (formed {year})",
    },
    "not_published": {"sv": "inget värde publicerat", "en": "no value published"},
    "suppressed": {"sv": "värdet skyddas av källan (sekretess)", "en": "withheld by the source (confidentiality)"},
    "no_row": {"sv": "inget värde i datamängden", "en": "no value in the dataset"},
    "group_incomplete": {
        "sv": "saknar värde för minst en av kommunerna",
        "en": "lacks a value for at least one of the municipalities",
    },
}
REASON_SEP = " — "
SECONDARY_TEXT = {"sv": " (sekundär källa)", "en": " (secondary source)"}


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


PER1000_DENOMINATOR = "population"  # "per 1 000 inhabitants" divides by this indicator
MODE_REASONS = {
    "per1000": "per 1 000 inhabitants of the population itself is 1 000 everywhere",
    "index": "an index needs a base that cannot be zero or negative",
    "change": "a change in per cent needs a year before that cannot be zero or negative",
}


def allowed_modes(indicator: Indicator, modes: Sequence[str] = MODES) -> tuple[str, ...]:
    """The modes that mean something for `indicator`, derived from its unit (one rule for the dashboard,
    the API and the CLI):
    - per 1 000 inhabitants: counts only, and not the population itself (it would be 1 000 everywhere);
    - index and annual change, %: values that cannot be negative (a base or a year before at or
      crossing zero gives no meaningful ratio: net migration, net commuting, natural increase)."""
    unit = indicator.unit
    ok = {
        "value": True,
        "per1000": bool(unit.count) and indicator.id != PER1000_DENOMINATOR,
        "index": unit.min >= 0,
        "change": unit.min >= 0,
    }
    return tuple(m for m in modes if ok.get(m, False))


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
    allowed = allowed_modes(indicator)
    if sel.mode not in allowed:
        raise QueryError(
            f"mode {sel.mode} means nothing for {indicator.id} ({MODE_REASONS[sel.mode]}); it has {', '.join(allowed)}"
        )
    if sel.mode == "index" and sel.base is None:
        raise QueryError("index mode needs a base year")
    if sel.year_from is not None and sel.year_to is not None and sel.year_from > sel.year_to:
        raise QueryError(f"from {sel.year_from} is after to {sel.year_to}")
    return indicator


def _in_mode(
    dataset: Dataset, s: Series, code: str, sel: Selection, lang: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, status, source_ref) of one series in the selection's mode."""
    if sel.mode == "value":
        return s.values, s.status, s.source_ref
    if sel.mode == "per1000":
        pop = dataset.series(dataset.catalog.indicators["population"], code, sel.sex, lang)
        values = s.values / pop.value_at(s.years) * 1000
    elif sel.mode == "index":
        base = s.value_at(np.array([sel.base], dtype=np.int64))[0]
        values = s.values / base * 100
    else:  # change
        prev = s.value_at(s.years - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(prev != 0, (s.values / prev - 1) * 100, np.nan)
    with np.errstate(invalid="ignore"):
        values = np.where(np.isfinite(values), values, np.nan)
    had = np.isin(s.status, ["ok", "computed"])
    status = np.where(np.isnan(values), np.where(had, "missing", s.status), np.where(had, "computed", s.status)).astype(
        object
    )
    suffix = MODE_REFS[sel.mode][lang].format(base=sel.base)
    return values, status, np.array([f"{r}{suffix}" for r in s.source_ref], dtype=object)


def reason_text(reason: str, lang: str, **kw: object) -> str:
    """Why a row has no value, in words (REASONS)."""
    return REASONS[reason][lang].format(**kw)


def _year_grid(dataset: Dataset, indicator: Indicator, sel: Selection, stored: np.ndarray) -> np.ndarray:
    """The years a region gets a row for: the years asked within the indicator's span in the dataset
    (first to last year with any value), plus any stored row's year within the years asked."""
    span = dataset.years(indicator.id)
    lo = sel.year_from if sel.year_from is not None else (span[0] if span else None)
    hi = sel.year_to if sel.year_to is not None else (span[1] if span else None)
    grid = np.array([], dtype=np.int64)
    if span and lo is not None and hi is not None:
        a, b = max(lo, span[0]), min(hi, span[1])
        if a <= b:
            grid = np.arange(a, b + 1, dtype=np.int64)
    keep = np.ones(len(stored), dtype=bool)
    if sel.year_from is not None:
        keep &= stored >= sel.year_from
    if sel.year_to is not None:
        keep &= stored <= sel.year_to
    return np.union1d(grid, stored[keep]).astype(np.int64)


def _region_rows(
    dataset: Dataset, indicator: Indicator, code: str, sel: Selection, lang: str
) -> tuple[np.ndarray, ...]:
    """(years, values, status, source, source_ref, retrieved_at) of one region for `sel`: a row for
    every year of the grid; a year without a value is status missing, value empty, and its
    source_ref says why (after the table's reference where there is one)."""
    s = dataset.series(indicator, code, sel.sex, lang)
    values, status, refs = _in_mode(dataset, s, code, sel, lang)
    years = _year_grid(dataset, indicator, sel, s.years)
    n = len(years)
    out_values = np.full(n, np.nan)
    out_status = np.full(n, "missing", dtype=object)
    out_source = np.full(n, "", dtype=object)
    out_refs = np.full(n, reason_text("no_row", lang), dtype=object)
    out_retrieved = np.full(n, None, dtype=object)
    if len(s.years):
        pos = np.searchsorted(s.years, years)
        ok = pos < len(s.years)
        hit = np.zeros(n, dtype=bool)
        hit[ok] = s.years[pos[ok]] == years[ok]
        src = pos[hit]
        out_values[hit] = values[src]
        out_status[hit] = status[src]
        out_source[hit] = s.source[src]
        out_refs[hit] = refs[src]
        out_retrieved[hit] = s.retrieved_at[src]
    else:
        hit = np.zeros(n, dtype=bool)
    empty = np.isnan(out_values)
    is_group = code in dataset.regions.groups
    if is_group:  # a group's row names its rule even for a year no member has a row for
        group = dataset.regions.groups[code]
        out_source[~hit] = "computed"
        out_refs[~hit] = group_reference(indicator, group.name(lang), len(group.members), lang)
    region = None if is_group else dataset.regions.regions.get(code)
    first = region.first_year(indicator.measured) if region is not None else None
    for i in np.flatnonzero(empty).tolist():
        if first is not None and years[i] < first:
            why = reason_text("not_existing", lang, year=region.valid_from)
        elif is_group:
            if indicator.aggregation.method == "none" or sel.mode != "value":
                continue  # the group's reference already says why it is not computed
            why = reason_text("group_incomplete", lang)
        elif not hit[i]:
            continue  # "no value in the dataset" already
        elif out_status[i] == "suppressed":
            why = reason_text("suppressed", lang)
        elif sel.mode == "value":
            why = reason_text("not_published", lang)
        else:
            continue  # a mode's missing input: the reference names the computation
        ref = out_refs[i] if (hit[i] or is_group) else ""
        out_refs[i] = f"{ref}{REASON_SEP}{why}" if ref else why
        if out_status[i] not in ("missing", "suppressed"):
            out_status[i] = "missing"
    secondary = SECONDARY_TEXT[lang]
    for i in np.flatnonzero(hit).tolist():
        source = out_source[i]
        if isinstance(source, str) and source.endswith(" (secondary)"):
            out_source[i] = source[: -len(" (secondary)")] + secondary
    return years, out_values, out_status, out_source, out_refs, out_retrieved


def query_columns(dataset: Dataset, sel: Selection, lang: str = "sv") -> dict[str, np.ndarray]:
    """The rows for `sel` as one array per export column (the core of `query`, for callers
    such as chart callbacks that do not need a DataFrame). Ordered by region as asked, then year.

    Every region asked gets a row for every year asked within the indicator's span: a year without
    a value is a row with status missing, an empty value and the reason in source_ref (the same rows
    for the chart, the table on screen, the downloads, the CLI export and the API)."""
    indicator = validate_selection(dataset, sel)
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("code", "name", "year", "value", "status", "source", "ref", "retrieved")
    }
    for code in dict.fromkeys(sel.regions):
        years, values, status, source, refs, retrieved = _region_rows(dataset, indicator, code, sel, lang)
        n = len(years)
        name = (
            dataset.regions.groups[code].name(lang)
            if code in dataset.regions.groups
            else dataset.regions.name(code, lang)
        )
        parts["code"].append(np.full(n, code, dtype=object))
        parts["name"].append(np.full(n, name, dtype=object))
        parts["year"].append(years)
        parts["value"].append(values)
        parts["status"].append(status)
        parts["source"].append(source)
        parts["ref"].append(refs)
        parts["retrieved"].append(retrieved)
    cat = {k: (np.concatenate(v) if v else np.array([], dtype=object)) for k, v in parts.items()}
    n = len(cat["year"])
    unit = MODE_UNITS[sel.mode][lang] if sel.mode in MODE_UNITS else indicator.unit.label(lang)
    return {
        "indicator_id": np.full(n, indicator.id, dtype=object),
        "indicator": np.full(n, indicator.label(lang), dtype=object),
        "region_code": cat["code"],
        "region": cat["name"],
        "year": cat["year"].astype(np.int64),
        "sex": np.full(n, sel.sex, dtype=object),
        "value": cat["value"].astype(float),
        "unit": np.full(n, unit, dtype=object),
        "status": cat["status"],
        "source": cat["source"],
        "source_ref": cat["ref"],
        "retrieved_at": cat["retrieved"],
    }


def query(dataset: Dataset, sel: Selection, lang: str = "sv") -> pd.DataFrame:
    """Rows for `sel` in the export contract's columns, ordered by region (as asked) and year."""
    cols = query_columns(dataset, sel, lang)
    out = pd.DataFrame({c: cols[c] for c in EXPORT_COLUMNS if c != "retrieved_at"})
    out["retrieved_at"] = pd.array(list(cols["retrieved_at"]), dtype="string")
    return out
