"""The one export writer: the bodies of query results as CSV (plain or Swedish Excel), XLSX, JSON and
Parquet, for the dashboard's downloads, the data API and the CLI (`export_body`; licences: etl.licences).

Text cells that a spreadsheet would run as a formula (starting with = + - @ or
a tab/CR) are neutralised with a leading apostrophe. Missing values are empty
cells, never 0.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from pathlib import Path
from typing import IO, Any

import pandas as pd

from etl.schema import EXPORT_COLUMNS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(cell: Any) -> Any:
    """A text cell made safe from formula injection; other cells unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def format_number(value: Any, decimal: str = ".") -> str:
    """A value as CSV text: no thousands separator, '' for missing, integers without '.0'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}" if isinstance(value, float) else str(value)
    return text.replace(".", decimal) if decimal != "." else text


def csv_text(
    rows: pd.DataFrame, sep: str = ",", decimal: str = ".", preamble: list[str] | None = None, bom: bool = False
) -> str:
    """CSV of `rows`; `preamble` lines (title, unit, licence, link) go first, each as one cell."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n" if bom else "\n", quoting=csv.QUOTE_MINIMAL)
    for line in preamble or []:
        writer.writerow([neutralise(line)])
    writer.writerow(list(rows.columns))
    numeric = {c for c in rows.columns if pd.api.types.is_numeric_dtype(rows[c])}
    for record in rows.itertuples(index=False):
        writer.writerow(
            [
                format_number(v, decimal) if c in numeric else ("" if _blank(v) else neutralise(str(v)))
                for c, v in zip(rows.columns, record, strict=True)
            ]
        )
    return buf.getvalue()


def swedish_excel_csv(rows: pd.DataFrame, preamble: list[str] | None = None) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: opens correctly in Swedish Excel."""
    return csv_text(rows, sep=";", decimal=",", preamble=preamble, bom=True).encode("utf-8")


def plain_csv(rows: pd.DataFrame, preamble: list[str] | None = None) -> bytes:
    return csv_text(rows, preamble=preamble).encode("utf-8")


def xlsx_bytes(rows: pd.DataFrame, about: list[tuple[str, str]] | None = None, sheet: str = "data") -> bytes:
    """An XLSX workbook: the rows on one sheet, `about` (label, text) pairs on a second."""
    safe = rows.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: None if _blank(v) else neutralise(str(v)))
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet, index=False)
        if about:
            pd.DataFrame([(k, neutralise(v)) for k, v in about], columns=["", " "]).to_excel(
                writer, sheet_name="om", index=False
            )
            sheet = writer.sheets["om"]  # readable: wide columns, one item a row
            sheet.column_dimensions["A"].width = max([12, *(len(str(k)) + 2 for k, _ in about)])
            sheet.column_dimensions["B"].width = min(120, max([20, *(len(str(v)) + 2 for _, v in about)]))
    return buf.getvalue()


FORMATS = ("csv_sv", "csv", "xlsx", "parquet")


def export_body(
    rows: pd.DataFrame,
    fmt: str,
    preamble: list[str] | None = None,
    about: list[tuple[str, str]] | None = None,
    sep: str = ",",
    decimal: str = ".",
) -> bytes:
    """`rows` as `fmt`: csv_sv (Swedish Excel), csv (`sep`, `decimal`; `preamble` lines first), xlsx (`about`
    on its "om" sheet) or parquet. (JSON: json_records, for the API to wrap.)"""
    if fmt == "csv_sv":
        return swedish_excel_csv(rows, preamble)
    if fmt == "csv":
        return csv_text(rows, sep, decimal, preamble).encode("utf-8")
    if fmt == "xlsx":
        return xlsx_bytes(rows, about)
    if fmt == "parquet":
        buf = io.BytesIO()
        rows.to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def json_records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON objects with exactly the export columns; missing values are null, years integers,
    whole values without '.0'."""
    out = []
    for rec in rows.to_dict("records"):
        item = {}
        for col in EXPORT_COLUMNS:
            v = rec[col]
            if _blank(v):
                v = None
            elif col == "year":
                v = int(v)
            elif col == "value":
                v = float(v)
                v = int(v) if v.is_integer() and abs(v) < 1e15 else v
            else:
                v = str(v)
            item[col] = v
        out.append(item)
    return out


def write_export(rows: pd.DataFrame, fmt: str, out: Path | IO[str], about: list[tuple[str, str]] | None = None) -> None:
    """The CLI's export (export_body): plain CSV (UTF-8, comma), XLSX (with `about` on its "om" sheet) or
    Parquet, to a file, or CSV to a text stream (stdout)."""
    if isinstance(out, Path):
        out.write_bytes(export_body(rows, fmt, about=about))
        return
    if fmt != "csv":
        raise ValueError(f"--format {fmt} needs a file")
    out.write(csv_text(rows))
    if out is sys.stdout:
        out.flush()


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
