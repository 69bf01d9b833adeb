"""The published observations of one dataset version, packed compactly (etl.store.packed:
integer-coded texts, int16 years, float64 values exactly as published) and indexed once per
(indicator, region, sex), with the region groups (Södertörn) computed once by the catalog's
aggregation rule. What etl/query.py's one query function reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.catalog import Catalog, Indicator
from etl.regions import Regions
from etl.schema import normalise_observations
from etl.store.packed import PACKED_KEYS, PACKED_TEXTS, pack_observations

GROUP_REFS = {
    "sum": {"sv": "{name}: summa av {n} kommuner", "en": "{name}: sum of {n} municipalities"},
    "weighted_mean": {
        "sv": "{name}: medel av {n} kommuner vägt med {weight}{lag}",
        "en": "{name}: mean of {n} municipalities weighted by {weight}{lag}",
    },
    "none": {"sv": "{name}: beräknas inte ({reason})", "en": "{name}: not computed ({reason})"},
}
LAG_TEXT = {"sv": " ({lag} år tidigare)", "en": " ({lag} year earlier)"}


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


def _lookup(texts: np.ndarray) -> np.ndarray:
    """An object array of `texts` plus a trailing None (code len(texts) = missing)."""
    return np.array([*texts.tolist(), None], dtype=object)


class Dataset:
    """The published observations of one dataset version, indexed for fast queries.

    Held compactly (pack_observations: integer codes, int16 years, float64 values, each distinct
    text once): a full-Sweden store is a few MB per worker. `observations` and `rows()` rebuild
    DataFrames from it on demand."""

    def __init__(self, version: int | None, observations: pd.DataFrame, catalog: Catalog, regions: Regions):
        self._init(version, pack_observations(observations), catalog, regions)

    @classmethod
    def from_packed(
        cls, version: int | None, packed: dict[str, np.ndarray], catalog: Catalog, regions: Regions
    ) -> Dataset:
        """A Dataset from pack_observations() output (e.g. read back from a cache file)."""
        dataset = cls.__new__(cls)
        dataset._init(version, packed, catalog, regions)
        return dataset

    def _init(self, version: int | None, packed: dict[str, np.ndarray], catalog: Catalog, regions: Regions) -> None:
        self.version = version
        self.catalog = catalog
        self.regions = regions
        self.packed = packed
        self._groups: dict[tuple[str, str, str, str], Series] = {}
        self._group_cores: dict[tuple[str, str, str], tuple[np.ndarray, ...]] = {}
        self._spans: dict[str, tuple[int, int] | None] = {}
        self._rows: dict[str, pd.DataFrame] = {}
        self._texts = {c: _lookup(packed[f"{c}_texts"]) for c in PACKED_TEXTS}
        self._code = {c: {str(t): i for i, t in enumerate(packed[f"{c}_texts"].tolist())} for c in PACKED_KEYS}
        ic, rc, sc = (packed[c].astype(np.int64) for c in PACKED_KEYS)
        n = len(ic)
        change = (ic[1:] != ic[:-1]) | (rc[1:] != rc[:-1]) | (sc[1:] != sc[:-1])
        starts = np.concatenate([[0], np.flatnonzero(change) + 1]) if n else np.array([], dtype=np.int64)
        self._starts = starts.astype(np.int64)
        self._ends = np.concatenate([starts[1:], [n]]).astype(np.int64) if n else starts
        shape = tuple(max(1, len(self._code[c])) for c in PACKED_KEYS)
        self._slot = np.full(shape, -1, dtype=np.int32)  # (indicator, region, sex) codes -> series number
        if n:
            self._slot[ic[starts], rc[starts], sc[starts]] = np.arange(len(starts), dtype=np.int32)
        ind_change = np.concatenate([[0], np.flatnonzero(ic[1:] != ic[:-1]) + 1, [n]]) if n else np.array([0])
        names = packed["indicator_id_texts"].tolist()
        self._indicator_rows = {
            names[ic[a]]: (int(a), int(b))
            for a, b in zip(ind_change[:-1].tolist(), ind_change[1:].tolist(), strict=True)
        }

    def __len__(self) -> int:
        return len(self.packed["value"])

    @property
    def observations(self) -> pd.DataFrame:
        """Every row as a frame in the observation columns, ordered by indicator, region, sex, year
        (built on demand, not kept: use rows() for one indicator)."""
        return self._frame(0, len(self))

    def _frame(self, a: int, b: int) -> pd.DataFrame:
        p = self.packed
        cols: dict[str, object] = {c: p[f"{c}_texts"][p[c][a:b]] for c in PACKED_KEYS}
        cols["year"] = p["year"][a:b].astype(np.int64)
        cols["value"] = p["value"][a:b]
        cols.update({c: self._texts[c][p[c][a:b]] for c in PACKED_TEXTS})
        return normalise_observations(pd.DataFrame(cols))

    def rows(self, indicator_id: str) -> pd.DataFrame:
        """All stored rows of one indicator (a frame in the observation columns), by region, sex, year."""
        if indicator_id not in self._rows:
            a, b = self._indicator_rows.get(indicator_id, (0, 0))
            self._rows[indicator_id] = self._frame(a, b)
        return self._rows[indicator_id]

    def years(self, indicator_id: str) -> tuple[int, int] | None:
        """First and last year with a value."""
        if indicator_id not in self._spans:
            a, b = self._indicator_rows.get(indicator_id, (0, 0))
            found = self.packed["year"][a:b][~np.isnan(self.packed["value"][a:b])]
            self._spans[indicator_id] = (int(found.min()), int(found.max())) if len(found) else None
        return self._spans[indicator_id]

    def _stored(self, indicator_id: str, code: str, sex: str) -> Series:
        """One stored region's series (views and small arrays over the packed columns)."""
        i, r, s = (self._code[c].get(k) for c, k in zip(PACKED_KEYS, (indicator_id, code, sex), strict=True))
        if i is None or r is None or s is None:
            return _EMPTY
        slot = int(self._slot[i, r, s])
        if slot < 0:
            return _EMPTY
        a, b = int(self._starts[slot]), int(self._ends[slot])
        p, texts = self.packed, self._texts
        return Series(
            p["year"][a:b].astype(np.int64),
            p["value"][a:b],
            texts["status"][p["status"][a:b]],
            texts["source"][p["source"][a:b]],
            texts["source_ref"][p["source_ref"][a:b]],
            texts["retrieved_at"][p["retrieved_at"][a:b]],
        )

    def series(self, indicator: Indicator, code: str, sex: str, lang: str) -> Series:
        """One region's (or group's) series."""
        if code in self.regions.groups:
            key = (indicator.id, code, sex, lang)
            hit = self._groups.get(key)
            if hit is None:
                hit = self._groups[key] = self._group_series(indicator, code, sex, lang)
            return hit
        return self._stored(indicator.id, code, sex)

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
        return self._stored(indicator_id, code, sex)

    def _group_core(self, indicator: Indicator, group_id: str, sex: str) -> tuple[np.ndarray, ...]:
        """(years, values, retrieved_at, members existing) of a group by the catalog's aggregation rule,
        sum or weighted mean (weight taken `weight_lag` years earlier) on the per-region arrays (language-free),
        over the members that existed each year (regions.yaml valid_from: before Nykvarn existed, its area is in
        Södertälje's figures, so the other seven make the whole group)."""
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
        firsts = [self.regions.regions[m].first_year(indicator.measured) for m in members]
        exists = np.vstack(
            [years >= f if f is not None else np.ones(len(years), dtype=bool) for f in firsts]
        ) if members else np.zeros((0, len(years)), dtype=bool)  # fmt: skip
        if len(years) and rule.method != "none":
            member_values = np.vstack([s.value_at(years) for s in series])  # NaN where a member has no value
            member_values = np.where(exists, member_values, 0.0)  # a member that did not exist adds nothing
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
                weights = np.where(exists, weights, 0.0)
                ok = ~(np.isnan(member_values) | np.isnan(weights)).any(axis=0)
                values[ok] = (member_values[:, ok] * weights[:, ok]).sum(axis=0) / weights[:, ok].sum(axis=0)
        retrieved = np.full(len(years), None, dtype=object)
        for s in present:  # the newest retrieval among the members, per year
            pos = np.searchsorted(years, s.years)
            for p, r in zip(pos.tolist(), s.retrieved_at.tolist(), strict=True):
                if r is not None and (retrieved[p] is None or r > retrieved[p]):
                    retrieved[p] = r
        core = (years, values, retrieved, exists.sum(axis=0).astype(np.int64))
        self._group_cores[key] = core
        return core

    def _group_series(self, indicator: Indicator, group_id: str, sex: str, lang: str) -> Series:
        group = self.regions.groups[group_id]
        years, values, retrieved, existing = self._group_core(indicator, group_id, sex)
        n = len(years)
        refs = {k: group_reference(indicator, group.name(lang), k, lang) for k in set(existing.tolist())}
        return Series(
            years,
            values,
            np.where(np.isnan(values), "missing", "computed").astype(object),
            np.full(n, "computed", dtype=object),
            np.array([refs[k] for k in existing.tolist()], dtype=object),
            retrieved,
        )


_EMPTY = Series.empty()


def group_reference(indicator: Indicator, name: str, members: int, lang: str) -> str:
    """How a group's value is computed, in words (the group rows' source_ref)."""
    rule = indicator.aggregation
    lag = LAG_TEXT[lang].format(lag=rule.weight_lag) if rule.weight_lag else ""
    reason = rule.reason(lang) if rule.reason else ""
    return GROUP_REFS[rule.method][lang].format(name=name, n=members, weight=rule.weight, lag=lag, reason=reason)
