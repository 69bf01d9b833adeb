"""What every source adapter takes and gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from etl.catalog import Indicator, SourceRef
from etl.http import RawAnswer
from etl.regions import Regions

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FetchContext:
    """Everything an adapter needs besides its own HTTP client."""

    regions: Regions
    years: tuple[int, int] | None = None  # inclusive range to keep, None = all
    since: str | None = None  # ISO date: only what changed since (incremental refresh)
    progress: Progress = lambda _msg: None


@dataclass
class SourceResult:
    """Tidy observation rows for one indicator from one source entry.

    `frame` has exactly the columns of etl.schema.OBSERVATION_COLUMNS.
    `updated` is the source's own 'last updated' stamp for what was fetched,
    `unchanged` is True when the source said nothing changed since `since`.
    """

    frame: pd.DataFrame
    raws: list[RawAnswer] = field(default_factory=list)
    updated: str | None = None
    unchanged: bool = False


Adapter = Callable[[SourceRef, Indicator, FetchContext], SourceResult]
