"""Colour checks for the palette tests, on coloraide: WCAG 2.1 contrast, colour-vision deficiency and CIEDE2000.

- `contrast_ratio`: WCAG 2.1 relative-luminance contrast (1.4.3 text 4.5:1, 1.4.11 graphics 3:1).
- `simulate`: Machado, Oliveira & Fernandes (2009) full-severity protanopia, deuteranopia and tritanopia,
  applied in linear sRGB, clipped back to sRGB.
- `delta_e_2000`: CIEDE2000 colour difference in CIELAB (D65).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from coloraide import Color

CVD_FILTERS = {"protanopia": "protan", "deuteranopia": "deutan", "tritanopia": "tritan"}
VISIONS = ("normal", *CVD_FILTERS)
# ΔE00 below which two palette colours count as confusable for thin chart lines and legend swatches.
# About 1 is a just-noticeable difference side by side; a line is matched to its legend entry at a
# distance and at 2 px, so a categorical palette needs a wide margin: 10 is the usual "clearly distinct"
# threshold of palette checkers. The names in the legend, the summary and the table carry identity too.
MIN_DELTA_E = 10.0


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio (1..21) of two colours."""
    return Color(a).contrast(b, method="wcag21")


def simulate(colour: str, vision: str) -> str:
    """The colour as seen with `vision` ('normal' or a key of CVD_FILTERS), as #rrggbb."""
    seen = Color(colour)
    if vision != "normal":
        seen = seen.filter(CVD_FILTERS[vision], method="machado").convert("srgb").fit("srgb", method="clip")
    return seen.to_string(hex=True)


def delta_e_2000(a: str, b: str) -> float:
    """CIEDE2000 colour difference of two sRGB colours, in CIELAB with the D65 white."""
    return Color(a).delta_e(b, method="2000", space="lab-d65")


def closest_pair(colours: Sequence[str], vision: str = "normal") -> tuple[float, str, str]:
    """(ΔE00, a, b): the least distinguishable pair of `colours` as seen with `vision`."""
    seen = {c: simulate(c, vision) for c in colours}
    return min((delta_e_2000(seen[a], seen[b]), a, b) for a, b in combinations(colours, 2))
