"""The one query function behind charts, tables, downloads, the CLI export and the API.

`Dataset` holds the published observations of one dataset version, indexed once
into small arrays per (indicator, region, sex); `query(dataset, selection)`
returns the rows a user sees, in the export contract's columns, for any mode:
value, per 1 000 inhabitants, index (base year = 100) or annual change in per
cent. Region groups (Södertörn) are computed here by the catalog's aggregation
rule, once per dataset version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.catalog import Catalog, Indicator
from etl.regions import Regions
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
GROUP_REFS = {
    "sum": {"sv": "{name}: summa av {n} kommuner", "en": "{name}: sum of {n} municipalities"},
    "weighted_mean": {
        "sv": "{name}: medel av {n} kommuner vägt med {weight}{lag}",
        "en": "{name}: mean of {n} municipalities weighted by {weight}{lag}",
    },
    "none": {"sv": "{name}: beräknas inte ({reason})", "en": "{name}: not computed ({reason})"},
}
LAG_TEXT = {"sv": " ({lag} år tidigare)", "en": " ({lag} year earlier)"}


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


@dataclass(frozen=True)
class Series:
    """One region's values of one indicator and sex, sorted by year."""

    years: np.ndarray
    values: np.ndarray
    status: np.ndarray
    source: np.ndarray
    source_ref: np.ndarray
    retrieved_at: np.ndarray

    @classmethod
    def empty(cls) -> Series:
        e = np.array([], dtype=object)
        return cls(np.array([], dtype=np.int64), np.array([], dtype=float), e, e, e, e)

    def value_at(self, years: np.ndarray) -> np.ndarray:
        """Values at `years` (NaN where this series has none)."""
        out = np.full(len(years), np.nan)
        if len(self.years) == 0:
            return out
        pos = np.searchsorted(self.years, years)
        pos_ok = pos < len(self.years)
        hit = np.zeros(len(years), dtype=bool)
        hit[pos_ok] = self.years[pos[pos_ok]] == years[pos_ok]
        out[hit] = self.values[pos[hit]]
        return out


@dataclass
class Dataset:
    """The published observations of one dataset version, indexed for fast queries."""

    version: int | None
    observations: pd.DataFrame
    catalog: Catalog
    regions: Regions
    _series: dict[tuple[str, str, str], Series] = field(default_factory=dict, repr=False)
    _rows: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _groups: dict[tuple[str, str, str, str], Series] = field(default_factory=dict, repr=False)
    _group_cores: dict[tuple[str, str, str], tuple[np.ndarray, ...]] = field(default_factory=dict, repr=False)
    _spans: dict[str, tuple[int, int] | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        obs = self.observations
        if not isinstance(obs.index, pd.RangeIndex) or obs.index.start != 0 or obs.index.step != 1:
            obs = self.observations = obs.reset_index(drop=True)
        n = len(obs)
        if n == 0:
            return
        # keys as small integer codes (no Python string per row); the texts once per distinct value.
        # The frame stays as read; the per-series arrays are taken in (indicator, region, sex, year) order.
        keys = [pd.factorize(obs[c], sort=True) for c in ("indicator_id", "region_code", "sex")]
        years = obs["year"].to_numpy(dtype=np.int64)
        order = np.lexsort((years, keys[2][0], keys[1][0], keys[0][0]))
        if (np.diff(order) == 1).all():
            order = slice(None)  # already in that order: views, no copies
        years = years[order]
        values = obs["value"].to_numpy(dtype=float)[order]
        # repeated texts (status, source, …) become references to one shared string each
        cols = {c: _shared_texts(obs[c])[order] for c in ("status", "source", "source_ref", "retrieved_at")}
        ic, rc, sc = (codes[order] for codes, _ in keys)
        change = (ic[1:] != ic[:-1]) | (rc[1:] != rc[:-1]) | (sc[1:] != sc[:-1])
        starts = np.concatenate([[0], np.flatnonzero(change) + 1])
        ends = np.concatenate([starts[1:], [n]])
        iu, ru, su = ([str(u) for u in uniques] for _, uniques in keys)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            self._series[(iu[ic[a]], ru[rc[a]], su[sc[a]])] = Series(
                years[a:b],
                values[a:b],
                cols["status"][a:b],
                cols["source"][a:b],
                cols["source_ref"][a:b],
                cols["retrieved_at"][a:b],
            )

    def rows(self, indicator_id: str) -> pd.DataFrame:
        """All stored rows of one indicator (a frame in the observation columns), by region, sex, year."""
        if indicator_id not in self._rows:
            obs = self.observations
            picked = obs[obs["indicator_id"] == indicator_id]
            picked = picked.sort_values(["region_code", "sex", "year"], kind="stable")
            self._rows[indicator_id] = picked.reset_index(drop=True)
        return self._rows[indicator_id]

    def years(self, indicator_id: str) -> tuple[int, int] | None:
        """First and last year with a value."""
        if indicator_id not in self._spans:
            found = [s.years[~np.isnan(s.values)] for (i, _r, _s), s in self._series.items() if i == indicator_id]
            found = [y for y in found if len(y)]
            self._spans[indicator_id] = (
                (int(min(y.min() for y in found)), int(max(y.max() for y in found))) if found else None
            )
        return self._spans[indicator_id]

    def series(self, indicator: Indicator, code: str, sex: str, lang: str) -> Series:
        """One region's (or group's) series."""
        if code in self.regions.groups:
            key = (indicator.id, code, sex, lang)
            hit = self._groups.get(key)
            if hit is None:
                hit = self._groups[key] = self._group_series(indicator, code, sex, lang)
            return hit
        return self._series.get((indicator.id, code, sex), _EMPTY)

    def precompute_groups(self) -> int:
        """Compute every group series (indicator × group × sex × language) now, so no view pays for
        it later; returns how many. Called once per loaded dataset version."""
        count = 0
        for ind in self.catalog.indicators.values():
            for group_id in self.regions.groups:
                for sex in ind.sexes:
                    for lang in ("sv", "en"):
                        self.series(ind, group_id, sex, lang)
                        count += 1
        return count

    def _member(self, indicator_id: str, code: str, sex: str) -> Series:
        return self._series.get((indicator_id, code, sex), _EMPTY)

    def _group_core(self, indicator: Indicator, group_id: str, sex: str) -> tuple[np.ndarray, ...]:
        """(years, values, retrieved_at) of a group by the catalog's aggregation rule, the same
        arithmetic as etl.transform.aggregate_group, on the per-region arrays (language-free)."""
        key = (indicator.id, group_id, sex)
        hit = self._group_cores.get(key)
        if hit is not None:
            return hit
        members = list(self.regions.groups[group_id].members)
        series = [self._member(indicator.id, m, sex) for m in members]
        present = [s for s in series if len(s.years)]
        years = np.unique(np.concatenate([s.years for s in present])) if present else np.array([], dtype=np.int64)
        values = np.full(len(years), np.nan)
        rule = indicator.aggregation
        if len(years) and rule.method != "none":
            member_values = np.vstack([s.value_at(years) for s in series])  # NaN where a member has no value
            if rule.method == "sum":
                ok = ~np.isnan(member_values).any(axis=0)
                values[ok] = member_values[:, ok].sum(axis=0)
            else:  # weighted_mean; a rate by sex is weighted by the same sex where the weight has it, else the total
                lagged = years - rule.weight_lag
                weights = np.vstack(
                    [
                        np.where(
                            np.isnan(w := self._member(rule.weight, m, sex).value_at(lagged)),
                            self._member(rule.weight, m, "T").value_at(lagged),
                            w,
                        )
                        for m in members
                    ]
                )
                ok = ~(np.isnan(member_values) | np.isnan(weights)).any(axis=0)
                values[ok] = (member_values[:, ok] * weights[:, ok]).sum(axis=0) / weights[:, ok].sum(axis=0)
        retrieved = np.full(len(years), None, dtype=object)
        for s in present:  # the newest retrieval among the members, per year
            pos = np.searchsorted(years, s.years)
            for p, r in zip(pos.tolist(), s.retrieved_at.tolist(), strict=True):
                if r is not None and (retrieved[p] is None or r > retrieved[p]):
                    retrieved[p] = r
        core = (years, values, retrieved)
        self._group_cores[key] = core
        return core

    def _group_series(self, indicator: Indicator, group_id: str, sex: str, lang: str) -> Series:
        group = self.regions.groups[group_id]
        years, values, retrieved = self._group_core(indicator, group_id, sex)
        n = len(years)
        return Series(
            years,
            values,
            np.where(np.isnan(values), "missing", "computed").astype(object),
            np.full(n, "computed", dtype=object),
            np.full(n, group_reference(indicator, group.name(lang), len(group.members), lang), dtype=object),
            retrieved,
        )


_EMPTY = Series.empty()


def _shared_texts(column: pd.Series) -> np.ndarray:
    """An object array of the column's texts (None for missing) in which equal texts are one object."""
    codes, uniques = pd.factorize(column)
    lookup = np.array([*map(str, uniques), None], dtype=object)
    return lookup[codes]  # code -1 (missing) picks the trailing None


def group_reference(indicator: Indicator, name: str, members: int, lang: str) -> str:
    """How a group's value is computed, in words (the group rows' source_ref)."""
    rule = indicator.aggregation
    lag = LAG_TEXT[lang].format(lag=rule.weight_lag) if rule.weight_lag else ""
    reason = rule.reason(lang) if rule.reason else ""
    return GROUP_REFS[rule.method][lang].format(name=name, n=members, weight=rule.weight, lag=lag, reason=reason)


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


def query_columns(dataset: Dataset, sel: Selection, lang: str = "sv") -> dict[str, np.ndarray]:
    """The rows for `sel` as one array per export column (the core of `query`, for callers
    such as chart callbacks that do not need a DataFrame). Ordered by region as asked, then year."""
    indicator = validate_selection(dataset, sel)
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("code", "name", "year", "value", "status", "source", "ref", "retrieved")
    }
    for code in dict.fromkeys(sel.regions):
        s = dataset.series(indicator, code, sel.sex, lang)
        values, status, refs = _in_mode(dataset, s, code, sel, lang)
        keep = np.ones(len(s.years), dtype=bool)
        if sel.year_from is not None:
            keep &= s.years >= sel.year_from
        if sel.year_to is not None:
            keep &= s.years <= sel.year_to
        n = int(keep.sum())
        name = (
            dataset.regions.groups[code].name(lang)
            if code in dataset.regions.groups
            else dataset.regions.name(code, lang)
        )
        parts["code"].append(np.full(n, code, dtype=object))
        parts["name"].append(np.full(n, name, dtype=object))
        parts["year"].append(s.years[keep])
        parts["value"].append(values[keep])
        parts["status"].append(status[keep])
        parts["source"].append(s.source[keep])
        parts["ref"].append(refs[keep])
        parts["retrieved"].append(s.retrieved_at[keep])
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
