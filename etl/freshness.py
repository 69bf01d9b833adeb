"""Is each indicator current? And what did a run do? Pure functions, no I/O.

An indicator is *stale* when its source has not kept to its cadence:
- its newest year with a value is older than the year that must be out by now
  (`cadence_months` plus a publication lag of PUBLICATION_LAG_MONTHS: annual
  statistics for year Y appear during Y+1, some well into Y+2), or
- the source's own "updated" stamp (SCB table metadata) is older than the
  cadence plus SOURCE_GRACE_MONTHS: the table has stopped being updated
  (e.g. discontinued and replaced by a new table).
`python -m etl status`, the dashboard's /om page and the health endpoint all use
this one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

PUBLICATION_LAG_MONTHS = 12
SOURCE_GRACE_MONTHS = 3
OK, STALE, NO_DATA = "ok", "stale", "no_data"


@dataclass(frozen=True)
class Freshness:
    """How current one indicator is."""

    indicator_id: str
    state: str  # ok | stale | no_data
    latest_year: int | None
    expected_year: int  # the newest year that should be published by now
    source_updated: str | None  # newest 'updated' stamp of its sources (ISO), if the source gives one
    retrieved_at: str | None  # newest retrieval of its values (ISO)
    cadence_months: int
    reason: str  # "" when ok; "year" (data too old) or "source" (source not updated on its cadence)

    def describe(self) -> str:
        """One English line for the CLI."""
        if self.state == NO_DATA:
            return "no data"
        if self.reason == "year":
            return f"stale: newest year {self.latest_year}, {self.expected_year} expected by now"
        if self.reason == "source":
            return f"stale: source not updated since {(self.source_updated or '')[:10]} (every {self.cadence_months} months expected)"
        return "ok"


def _months_before(now: datetime, months: int) -> datetime:
    total = now.year * 12 + (now.month - 1) - months
    return now.replace(year=total // 12, month=total % 12 + 1, day=1)


def _parse(stamp: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def expected_year(cadence_months: int, now: datetime) -> int:
    """The newest year whose figures must be out by `now` for a source on this cadence."""
    return _months_before(now, cadence_months + PUBLICATION_LAG_MONTHS).year - 1


def assess(
    indicator_id: str,
    cadence_months: int,
    latest_year: int | None,
    source_updated: Iterable[str],
    retrieved_at: str | None,
    now: datetime,
) -> Freshness:
    """Freshness of one indicator at `now` (timezone-aware)."""
    stamps = [s for s in source_updated if _parse(s) is not None]
    newest_update = max(stamps, key=lambda s: _parse(s)) if stamps else None  # type: ignore[arg-type,return-value]
    due = expected_year(cadence_months, now)
    state, reason = OK, ""
    if latest_year is None:
        state = NO_DATA
    elif latest_year < due:
        state, reason = STALE, "year"
    elif newest_update is not None:
        updated = _parse(newest_update)
        if updated is not None and updated < _months_before(now, cadence_months + SOURCE_GRACE_MONTHS):
            state, reason = STALE, "source"
    return Freshness(indicator_id, state, latest_year, due, newest_update, retrieved_at, cadence_months, reason)


def assess_all(
    catalog: Any, frame: pd.DataFrame, source_updated: Mapping[str, Mapping[str, str]], now: datetime
) -> dict[str, Freshness]:
    """Freshness of every catalog indicator, from the published observations and source stamps."""
    valued = frame[frame["value"].notna()]
    latest = valued.groupby("indicator_id")["year"].max()
    retrieved = valued.dropna(subset=["retrieved_at"]).groupby("indicator_id")["retrieved_at"].max()
    out: dict[str, Freshness] = {}
    for ind in catalog.indicators.values():
        year = int(latest[ind.id]) if ind.id in latest.index else None
        stamp = str(retrieved[ind.id]) if ind.id in retrieved.index else None
        out[ind.id] = assess(ind.id, ind.cadence_months, year, (source_updated.get(ind.id) or {}).values(), stamp, now)
    return out


def run_counts(details: Mapping[str, Any]) -> dict[str, int]:
    """A run's per-indicator report summed up: fetched/unchanged/failed indicators, rows added/changed/removed."""
    counts = dict.fromkeys(("fetched", "unchanged", "failed", "rows_added", "rows_changed", "rows_removed"), 0)
    for entry in (details.get("indicators") or {}).values():
        status = entry.get("status")
        if status in ("fetched", "unchanged", "failed"):
            counts[status] += 1
        for key in ("rows_added", "rows_changed", "rows_removed"):
            counts[key] += int(entry.get(key) or 0)
    return counts


def age_seconds(stamp: str | None, now: datetime) -> int | None:
    """Whole seconds from an ISO stamp to `now`; None when there is no stamp."""
    parsed = _parse(stamp) if stamp else None
    return None if parsed is None else max(0, int((now - parsed).total_seconds()))
