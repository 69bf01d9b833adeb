"""When references would flatten the eight (issue 16): detect it and choose the fitting alternative.

Riket (~10 million) and Stockholms län (~2.4 million) drawn on one axis with municipalities of
~10 000–100 000 leave the municipalities as flat lines at zero. For counts in value mode the
references then get a small panel of their own under the chart (their own y scale), the view says
so, and it offers in one click what an analyst would compare instead: the index (population: growth
relative to a base year) or per 1 000 inhabitants (other counts: births, commuters, …).
Pure: values in, decisions out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from dashboard.state import REFERENCES

# a reference this many times larger than the largest of the regions drawn would squeeze them into
# less than a quarter of a shared y-range
FLATTEN_RATIO = 4.0


def _magnitude(values: Iterable[float | None]) -> float:
    present = [abs(float(v)) for v in values if v is not None and not math.isnan(float(v))]
    return max(present) if present else 0.0


def flattening_ratio(series: Mapping[str, Sequence[float | None]]) -> float | None:
    """How many times the largest reference value exceeds the largest value of the other series
    (region code -> values), or None when there is no reference or nothing else to compare."""
    refs = [code for code in series if code in REFERENCES]
    others = [code for code in series if code not in REFERENCES]
    if not refs or not others:
        return None
    main = max(_magnitude(series[c]) for c in others)
    ref = max(_magnitude(series[c]) for c in refs)
    if main == 0 or ref == 0:
        return None
    return ref / main


def needs_panel(series: Mapping[str, Sequence[float | None]], count: bool, mode: str) -> bool:
    """References go into their own panel: a count in value mode whose references would flatten the rest.
    Rates, shares and amounts per person are comparable in level and stay on one axis."""
    if mode != "value" or not count:
        return False
    ratio = flattening_ratio(series)
    return ratio is not None and ratio >= FLATTEN_RATIO


def fitting_modes(indicator: str, count: bool) -> tuple[str, ...]:
    """The alternatives to offer, the fitting one first: population is compared as an index (per 1 000
    inhabitants of population is always 1 000); other counts per 1 000 inhabitants, then as an index."""
    if indicator == "population" or not count:
        return ("index",)
    return ("per1000", "index")
