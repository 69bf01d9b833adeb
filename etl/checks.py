"""Validation gates between a candidate dataset and the published one.

A failure is a sentence naming indicator, region, year and rule; any failure
stops the publish. Suspicious year-on-year jumps are warnings: shown, logged, not blocking.
A value that changes against the published one beyond its unit's plausibility bounds
(catalog units' `jump_warn`, `jump_fail`) is a warning, or beyond the hard bound a failure
unless accepted (`refresh --accept-jumps`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.catalog import Catalog
from etl.regions import Regions
from etl.schema import OBSERVATION_KEY, check_observations
from etl.urls import is_url, url_problem


@dataclass
class GateReport:
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.ok:
            return f"passed ({len(self.warnings)} warning(s))"
        return f"failed: {len(self.failures)} problem(s), first: {self.failures[0]}"


def check_types_and_keys(frame: pd.DataFrame) -> list[str]:
    return [str(p) for p in check_observations(frame)]


def check_known(frame: pd.DataFrame, catalog: Catalog, regions: Regions) -> list[str]:
    problems = []
    unknown_ind = sorted(set(frame["indicator_id"]) - set(catalog.indicators))
    if unknown_ind:
        problems.append(f"unknown indicator(s) {unknown_ind}: not in catalog.yaml")
    unknown_reg = sorted(set(frame["region_code"]) - set(regions.regions))
    if unknown_reg:
        problems.append(f"unknown region code(s) {unknown_reg}: not in regions.yaml")
    for ind_id, rows in frame.groupby("indicator_id"):
        if ind_id not in catalog.indicators:
            continue
        extra = sorted(set(rows["sex"]) - set(catalog.indicators[ind_id].sexes))
        if extra:
            problems.append(f"{ind_id}: sex {extra} not declared for this indicator")
    return problems


def check_ranges(frame: pd.DataFrame, catalog: Catalog) -> list[str]:
    """Every value within its unit's range (e.g. a tax rate 0–50, a count ≥ 0)."""
    problems = []
    for ind_id, rows in frame[frame["value"].notna()].groupby("indicator_id"):
        ind = catalog.indicators.get(ind_id)
        if ind is None:
            continue
        bad = rows[(rows["value"] < ind.unit.min) | (rows["value"] > ind.unit.max)]
        for _, r in bad.head(5).iterrows():
            problems.append(
                f"{ind_id} region {r.region_code} year {r.year} sex {r.sex}: value {r.value:g} outside the range "
                f"{ind.unit.min:g}–{ind.unit.max:g} of unit {ind.unit.id} (source {r.source_ref})"
            )
        if ind.unit.decimals == 0 and ind.unit.count:
            fractional = rows[(rows["value"] % 1) != 0]
            for _, r in fractional.head(3).iterrows():
                problems.append(
                    f"{ind_id} region {r.region_code} year {r.year} sex {r.sex}: a count with decimals ({r.value})"
                )
    return problems


def check_source_urls(frame: pd.DataFrame) -> list[str]:
    """Every source_ref that is a web address must be well formed (etl.urls.url_problem)."""
    problems = []
    refs = frame["source_ref"].dropna().astype(str)
    for ref in sorted({r for r in refs.unique() if is_url(r)}):
        problem = url_problem(ref)
        if problem:
            rows = frame[frame["source_ref"] == ref]
            first = rows.iloc[0]
            problems.append(
                f"{first.indicator_id} region {first.region_code} year {first.year}: malformed source URL {ref!r} "
                f"({problem}; {len(rows)} row(s))"
            )
    return problems


def check_coverage(candidate: pd.DataFrame, published: pd.DataFrame | None) -> list[str]:
    """No (indicator, region, year, sex) that has a value now may lose it."""
    if published is None or published.empty:
        return []
    cols = list(OBSERVATION_KEY)
    before = published.loc[published["value"].notna(), cols]
    after = candidate.loc[candidate["value"].notna(), cols]
    lost = before.merge(after, how="left", on=cols, indicator=True)
    lost = lost[lost["_merge"] == "left_only"]
    problems = []
    for (ind_id, region), rows in lost.groupby(["indicator_id", "region_code"]):
        years = sorted(set(rows["year"]))
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        problems.append(
            f"{ind_id} region {region} years {span}: coverage would shrink ({len(rows)} value(s) published now, none in the new data)"
        )
    return problems


def check_jumps(frame: pd.DataFrame, max_jump: float, indicators: set[str] | None = None) -> list[str]:
    """Year-on-year changes larger than `max_jump` (a share) for stored counts: warnings."""
    warnings = []
    rows = frame[frame["value"].notna() & (frame["status"] == "ok")]
    if indicators is not None:
        rows = rows[rows["indicator_id"].isin(indicators)]
    rows = rows.sort_values(["indicator_id", "region_code", "sex", "year"])
    prev = rows.groupby(["indicator_id", "region_code", "sex"])["value"].shift()
    prev_year = rows.groupby(["indicator_id", "region_code", "sex"])["year"].shift()
    change = (rows["value"] - prev).abs() / prev.abs()
    flagged = rows[(prev_year == rows["year"] - 1) & (prev.abs() > 0) & (change > max_jump)]
    for _, r in flagged.head(50).iterrows():
        warnings.append(
            f"{r.indicator_id} region {r.region_code} year {r.year} sex {r.sex}: jumps by more than {max_jump:.0%} from the year before"
        )
    return warnings


def check_revisions(
    candidate: pd.DataFrame, published: pd.DataFrame | None, catalog: Catalog
) -> tuple[list[str], list[str]]:
    """(warnings, failures): values whose change against the published value of the same indicator,
    region, year and sex is beyond their unit's plausibility bounds (`jump_warn`, `jump_fail` in the
    catalog's units, shares of the published value). A published 0 has no relative change: skipped;
    a value outside its unit's range is check_ranges' failure, not also this one's."""
    if published is None or published.empty:
        return [], []
    key = list(OBSERVATION_KEY)
    both = published.loc[published["value"].notna(), [*key, "value"]].merge(
        candidate.loc[candidate["value"].notna(), [*key, "value", "source_ref"]], on=key, suffixes=("_old", "_new")
    )
    both = both[both["value_old"] != 0]
    change = (both["value_new"] - both["value_old"]).abs() / both["value_old"].abs()
    both = both.assign(change=change)
    warnings: list[str] = []
    failures: list[str] = []
    for ind_id, rows in both[both["change"] > 0].groupby("indicator_id"):
        ind = catalog.indicators.get(str(ind_id))
        if ind is None:
            continue
        unit = ind.unit
        rows = rows[(rows["value_new"] >= unit.min) & (rows["value_new"] <= unit.max)]  # else check_ranges fails it
        for bound, out, word in ((unit.jump_fail, failures, "hard"), (unit.jump_warn, warnings, "warning")):
            if bound is None:
                continue
            hit = rows[rows["change"] > bound]
            if word == "warning" and unit.jump_fail is not None:
                hit = hit[hit["change"] <= unit.jump_fail]
            for r in hit.head(20).itertuples(index=False):
                out.append(
                    f"{ind_id} region {r.region_code} year {r.year} sex {r.sex}: value {r.value_new:g} changes by "
                    f"{r.change:.0%} from the published {r.value_old:g}, beyond the {word} bound {bound:.0%} of unit "
                    f"{unit.id} (source {r.source_ref})"
                )
    return warnings, failures


def run_gates(
    candidate: pd.DataFrame,
    published: pd.DataFrame | None,
    catalog: Catalog,
    regions: Regions,
    max_jump: float,
    allow_shrink: bool = False,
    accept_jumps: bool = False,
) -> GateReport:
    """All gates; the report says what failed in words. `accept_jumps` turns the hard plausibility
    failures (check_revisions) into warnings."""
    report = GateReport()
    report.failures += check_types_and_keys(candidate)
    if report.failures:
        return report
    report.failures += check_known(candidate, catalog, regions)
    report.failures += check_ranges(candidate, catalog)
    report.failures += check_source_urls(candidate)
    shrink = check_coverage(candidate, published)
    if allow_shrink:
        report.warnings += shrink
    else:
        report.failures += shrink
    jump_warnings, jumps = check_revisions(candidate, published, catalog)
    report.warnings += jump_warnings
    if accept_jumps:
        report.warnings += [f"{j} (accepted with --accept-jumps)" for j in jumps]
    else:
        report.failures += [f"{j}; publish it anyway with --accept-jumps" for j in jumps]
    counts = {i.id for i in catalog.stored() if i.unit.count and i.unit.min >= 0}
    report.warnings += check_jumps(candidate, max_jump, counts)
    return report
