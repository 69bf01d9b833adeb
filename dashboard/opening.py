"""Where a view opens (issue 16): on the newest year that has something to show, not merely the newest year.

/pendling opens on the newest year with commuting flows for the chosen region, /befolkning on the newest
year with age data (the region's, else any region's); without such a year, on the newest year. A year
named in the URL is always kept (share links open exactly what they name): these are only defaults. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd


def newest_with(years: Sequence[int], *candidates: Iterable[int]) -> int | None:
    """The newest of `years` found in the first non-empty `candidates` list that meets `years`, else the newest year."""
    allowed = set(years)
    for found in candidates:
        hits = allowed.intersection(int(y) for y in found)
        if hits:
            return max(hits)
    return max(years) if years else None


def flows_touching(flows: pd.DataFrame, region: str, members: Sequence[str], group: str) -> pd.DataFrame:
    """The flows from or to `region` (for the group: from or to any member)."""
    if region == group:
        return flows[flows["from_code"].isin(members) | flows["to_code"].isin(members)]
    return flows[(flows["from_code"] == region) | (flows["to_code"] == region)]
