"""A fake SCB adapter for the publish tests: tax_rate_total for Botkyrka and Haninge 2024 at one rate."""

from __future__ import annotations

import pandas as pd

from etl.catalog import Indicator, SourceRef
from etl.schema import OBSERVATION_COLUMNS, normalise_observations
from etl.sources.base import FetchContext, SourceResult


def tax_source(rate: float):
    def fetch(ref: SourceRef, ind: Indicator, ctx: FetchContext) -> SourceResult:
        records = [
            (ind.id, code, 2024, "T", rate, "ok", "SCB", "SCB TAB2017 OE0101D1", "2025-01-01T00:00:00Z")
            for code in ("0127", "0136")
        ]
        return SourceResult(normalise_observations(pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS))))

    return fetch
