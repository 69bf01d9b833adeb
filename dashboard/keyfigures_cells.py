"""/nyckeltal's cells in words, alike on screen, in the PDF and in the files: value, change, rank, the
mark against the county and why a cell is empty; and the whole table as export rows and PDF blocks.
Pure: a KeyTable (etl.keyfigures_table) and a language in, texts out."""

from __future__ import annotations

import pandas as pd

from dashboard.i18n import fmt_number, t
from dashboard.keyfigures_pdf import PdfBlock, PdfRow
from etl.keyfigures_table import Cell, KeyTable, Row, sort_rows
from etl.query import Dataset

EXPORT_COLUMNS = (
    "theme",
    "key_figure",
    "indicator_id",
    "mode",
    "region_code",
    "region",
    "year",
    "sex",
    "value",
    "unit",
    "rank",
    "ranked",
    "change",
    "vs_county",
    "direction",
    "status",
    "reason",
    "source",
    "source_ref",
    "retrieved_at",
)


def column_name(dataset: Dataset, code: str, lang: str) -> str:
    return (
        dataset.regions.groups[code].name(lang) if code in dataset.regions.groups else dataset.regions.name(code, lang)
    )


# ---------------------------------------------------------------- cell texts (screen, PDF and files alike)
def value_text(row: Row, cell: Cell, lang: str) -> str:
    return fmt_number(cell.value, row.decimals, lang)


def change_text(row: Row, cell: Cell, lang: str) -> str:
    if cell.change is None:
        return ""
    return fmt_number(cell.change, row.decimals, lang, sign=True)


def rank_text(cell: Cell, lang: str) -> str:
    return t("kf_rank", lang, rank=cell.rank, n=cell.ranked) if cell.rank is not None else ""


def mark(row: Row, cell: Cell, lang: str) -> tuple[str, str, str]:
    """(symbol, words, colour class) of the cell against the county; empty when there is no comparison.
    Counts are not compared (a municipality is always smaller than its county)."""
    if cell.vs_county is None or (row.figure.mode == "value" and row.indicator.unit.count):
        return "", "", ""
    symbol, words = {1: ("▲", "kf_above"), -1: ("▼", "kf_below"), 0: ("=", "kf_equal")}[cell.vs_county]
    colour = "kf-neutral"
    direction = row.figure.direction
    if cell.vs_county and direction != "neutral":
        good = (cell.vs_county > 0) == (direction == "higher_better")
        colour = "kf-good" if good else "kf-bad"
        words_full = f"{t(words, lang)}, {t('kf_better' if good else 'kf_worse', lang)}"
        return symbol, words_full, colour
    return symbol, t(words, lang), colour


def reason_text(cell: Cell, lang: str) -> str:
    text = t(f"kf_{cell.reason or 'no_data'}", lang)
    return f"{text}: {cell.detail}" if cell.detail else text


def export_frame(dataset: Dataset, table: KeyTable) -> pd.DataFrame:
    """One line per cell of the table (every figure × every column), in EXPORT_COLUMNS."""
    lang = table.lang
    records = []
    for block in table.blocks:
        for row in block.rows:
            for code in table.columns:
                cell = row.cells[code]
                vs = (
                    {1: "kf_vs_above", -1: "kf_vs_below", 0: "kf_vs_equal"}.get(cell.vs_county)
                    if mark(row, cell, lang)[0]
                    else None
                )
                records.append(
                    {
                        "theme": block.title,
                        "key_figure": row.label,
                        "indicator_id": row.figure.indicator,
                        "mode": row.figure.mode,
                        "region_code": code,
                        "region": column_name(dataset, code, lang),
                        "year": cell.year,
                        "sex": row.figure.sex,
                        "value": cell.value,
                        "unit": row.unit,
                        "rank": cell.rank,
                        "ranked": cell.ranked or None,
                        "change": cell.change,
                        "vs_county": t(vs, lang) if vs else "",
                        "direction": ""
                        if row.figure.direction == "neutral"
                        else t(f"kf_direction_{row.figure.direction}", lang),
                        "status": cell.status,
                        "reason": reason_text(cell, lang) if cell.value is None else "",
                        "source": cell.source,
                        "source_ref": cell.source_ref,
                        "retrieved_at": cell.retrieved_at,
                    }
                )
    frame = pd.DataFrame.from_records(records, columns=list(EXPORT_COLUMNS))
    for column in ("year", "rank", "ranked"):
        frame[column] = frame[column].astype("Int64")
    for column in ("value", "change"):
        frame[column] = frame[column].astype(float)
    return frame


def pdf_blocks(dataset: Dataset, table: KeyTable, params: dict[str, str]) -> list[PdfBlock]:
    lang = table.lang
    blocks = []
    for block in table.blocks:
        rows = []
        for row in sort_rows(block.rows, params.get("sort") or None, params.get("dir") == "desc"):
            cells = []
            for code in table.columns:
                cell = row.cells[code]
                if cell.value is None:
                    cells.append(("–", t(f"kf_{cell.reason or 'no_data'}", lang)))
                    continue
                first = value_text(row, cell, lang) + (f" ({cell.year})" if cell.year != row.year else "")
                vs = {1: "kf_vs_above", -1: "kf_vs_below", 0: "kf_vs_equal"}.get(cell.vs_county)
                words = t(vs, lang) if vs and mark(row, cell, lang)[0] else ""
                second = " ".join(p for p in (rank_text(cell, lang), change_text(row, cell, lang), words) if p)
                cells.append((first, second))
            unit = row.unit + (f" · {row.year}" if row.year else "")
            rows.append(PdfRow(row.label, unit, cells, t("kf_pending", lang) if row.pending else None))
        blocks.append(PdfBlock(block.title, rows))
    return blocks
