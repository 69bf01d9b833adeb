"""One rule for which view modes mean something (etl.query.allowed_modes): the query refuses the rest, so
the CLI, the API and the pages agree."""

from __future__ import annotations

import pytest

from etl.query import Dataset, QueryError, Selection, query


@pytest.mark.parametrize(
    ("indicator", "mode", "said"),
    [
        ("population", "per1000", "mode per1000 means nothing for population"),
        ("net_migration", "index", "mode index means nothing for net_migration"),
        ("net_commuting", "change", "mode change means nothing for net_commuting"),
    ],
)
def test_a_mode_that_means_nothing_is_refused(bundled_dataset: Dataset, indicator: str, mode: str, said: str) -> None:
    with pytest.raises(QueryError, match=said):
        query(
            bundled_dataset, Selection(indicator, ("0138",), 2010, 2020, "T", mode, 2010 if mode == "index" else None)
        )


def test_births_per1000_is_births_over_population(bundled_dataset: Dataset) -> None:
    rows = query(bundled_dataset, Selection("births", ("0138",), 2024, 2024, "T", "per1000"))
    births = query(bundled_dataset, Selection("births", ("0138",), 2024, 2024))["value"].iloc[0]
    population = query(bundled_dataset, Selection("population", ("0138",), 2024, 2024))["value"].iloc[0]
    assert (births, population) == (393, 49179)
    assert rows["value"].iloc[0] == pytest.approx(393 / 49179 * 1000)
