"""Local CSV source: an analyst's own figures, in the export contract's columns.

Declared in the catalog as `csv: {path: my_figures.csv}` (relative to the
project folder, or absolute). Comma files use a decimal point; semicolon files
(Swedish Excel) a decimal comma. Each row keeps its own `source` and
`source_ref` text; rows of other indicators in the same file are ignored.
Every problem is reported with the file and line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from etl.catalog import Indicator, SourceRef
from etl.errors import SourceError
from etl.schema import OBSERVATION_COLUMNS, SEXES
from etl.settings import PROJECT_ROOT
from etl.sources.base import FetchContext, SourceResult

REQUIRED = ("region_code", "year", "sex", "value")


def parse_csv_text(text: str, indicator: Indicator, known_regions: set[str], name: str) -> pd.DataFrame:
    """The rows of `indicator` in an export-format CSV text as tidy observations (pure)."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=sep)
    lacking = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if lacking:
        raise SourceError(
            "csv", name, f"read {name}", f"missing column(s) {', '.join(lacking)}; expected the export columns"
        )
    rows = []
    for line, rec in enumerate(reader, start=2):
        if rec.get("indicator_id") and rec["indicator_id"] != indicator.id:
            continue
        where = f"{name} line {line}"
        code = (rec["region_code"] or "").strip()
        if code not in known_regions:
            raise SourceError("csv", name, where, f"unknown region code {code!r}")
        sex = (rec["sex"] or "T").strip()
        if sex not in SEXES:
            raise SourceError("csv", name, where, f"sex {sex!r} is not T, K or M")
        try:
            year = int(str(rec["year"]).strip())
        except ValueError:
            raise SourceError("csv", name, where, f"year {rec['year']!r} is not a whole number") from None
        raw = (rec["value"] or "").strip().replace("\u00a0", "").replace(" ", "")
        if sep == ";":
            raw = raw.replace(",", ".")
        try:
            value = float(raw) if raw else float("nan")
        except ValueError:
            raise SourceError("csv", name, where, f"value {rec['value']!r} is not a number") from None
        status = (rec.get("status") or "").strip() or ("ok" if raw else "missing")
        rows.append(
            {
                "indicator_id": indicator.id,
                "region_code": code,
                "year": year,
                "sex": sex,
                "value": value,
                "status": status,
                "source": (rec.get("source") or "").strip() or "csv",
                "source_ref": (rec.get("source_ref") or "").strip() or name,
                "retrieved_at": (rec.get("retrieved_at") or "").strip() or None,
            }
        )
    return pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))


def fetch_csv(ref: SourceRef, indicator: Indicator, ctx: FetchContext) -> SourceResult:
    """Read the catalog entry's CSV file."""
    path = Path(ref.params["path"])
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError("csv", path.name, f"read {path}", f"cannot read the file ({exc.strerror})") from None
    ctx.progress(f"csv {path.name}: read")
    frame = parse_csv_text(text, indicator, set(ctx.regions.regions), path.name)
    if ctx.years:
        frame = frame[frame["year"].between(*ctx.years)]
    return SourceResult(frame.reset_index(drop=True))
