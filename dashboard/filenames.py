"""Download file names that say what a file holds and for which program (issue 16).

One rule for the dashboard's buttons and the API's Content-Disposition: `<what>_<regions>_<years>` and a
suffix per format, so the two CSV files of one view never share a name (the browser would save the second
as "… (1).csv"): `_excel.csv` for Swedish Excel (semicolons, decimal comma, BOM), `.csv` for the plain
CSV (commas, decimal point), `.xlsx` for Excel's own format. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

SUFFIXES = {"csv_sv": "_excel.csv", "csv": ".csv", "xlsx": ".xlsx"}


def slug(text: str) -> str:
    """'Folkmängd' -> 'folkmangd'; 'Net commuting' -> 'net_commuting'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_") or "data"


def stem(what: str, regions: Sequence[str], year_from: int | None, year_to: int | None) -> str:
    """e.g. 'folkmangd_0127-0181_2000-2024' (regions and years left out when there are none)."""
    parts = [slug(what), "-".join(regions) or "none"]
    if year_from is not None and year_to is not None:
        parts.append(f"{year_from}-{year_to}" if year_from != year_to else str(year_from))
    return "_".join(parts)


def download_name(file_stem: str, fmt: str) -> str:
    """The stem with the format's suffix: 'folkmangd_2000-2025_excel.csv', 'folkmangd_2000-2025.csv', '….xlsx'."""
    return file_stem + SUFFIXES[fmt]


def api_csv_format(sep: str, decimal: str) -> str:
    """The API's CSV in the Swedish-Excel layout (semicolons, decimal comma) is named like the Excel button's."""
    return "csv_sv" if sep == ";" and decimal == "," else "csv"
