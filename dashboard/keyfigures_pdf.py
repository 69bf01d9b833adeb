"""The /nyckeltal report as a PDF: A4 landscape, one theme per page, title, source and date on every page.

Pure: already formatted texts in, PDF bytes out. Written with fpdf2 (pure Python, no system libraries:
the offline first start keeps working) and its built-in Helvetica, so the file needs no font files; the
few characters outside Latin-1 that the screen uses (narrow no-break space, minus sign, ▲ ▼) are
written as their plain equivalents.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

PLAIN = str.maketrans(
    {
        "\u202f": " ",
        "\u00a0": " ",
        "\u2212": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2003": " ",
        "▲": "+",
        "▼": "-",
        "«": '"',
        "»": '"',
        "\u2191": "+",
        "\u2193": "-",
    }
)
LABEL_WIDTH = 62.0  # mm
ROW_HEIGHT = 8.6  # mm: two lines of 6.5 pt
HEAD_HEIGHT = 9.0


@dataclass(frozen=True)
class PdfRow:
    label: str
    unit: str
    cells: Sequence[tuple[str, str]]  # per column: (first line: value and year, second line: rank, change, mark)
    note: str | None = None  # instead of the cells: one text across all columns (a figure not fetched yet)


@dataclass(frozen=True)
class PdfBlock:
    title: str
    rows: Sequence[PdfRow]


def plain(text: str) -> str:
    """`text` in the characters Helvetica (Latin-1) can write."""
    return text.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


@functools.cache
def _report_class() -> type:
    """The report's FPDF subclass; fpdf2 (~0.3 s to import, with fontTools) is imported on the first
    PDF asked for, not when the app starts."""
    from fpdf import FPDF

    class _Report(FPDF):
        def __init__(self, title: str, footer_text: str, page_word: str):
            super().__init__(orientation="L", unit="mm", format="A4")
            self.report_title = plain(title)
            self.footer_text = plain(footer_text)
            self.page_word = plain(page_word)
            self.set_auto_page_break(auto=True, margin=14)
            self.set_margins(10, 10, 10)
            self.set_creator("nyckeltal")
            self.set_title(self.report_title)

        def header(self) -> None:
            self.set_font("helvetica", "B", 11)
            self.cell(0, 6, self.report_title, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-11)
            self.set_font("helvetica", "", 7)
            self.cell(0, 4, self.footer_text, align="L")
            self.set_x(-40)
            self.cell(30, 4, self.page_word.format(page=self.page_no()), align="R")

    return _Report


def render_pdf(
    title: str, footer_text: str, page_word: str, header: Sequence[str], blocks: Sequence[PdfBlock]
) -> bytes:
    """The report: each block (theme) starts a page; its column header is repeated on every page it fills."""
    pdf = _report_class()(title, footer_text, page_word)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    col = (usable - LABEL_WIDTH) / max(1, len(header) - 1)
    for block in blocks:
        pdf.add_page()
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(0, 7, plain(block.title), new_x="LMARGIN", new_y="NEXT")
        _head(pdf, header, col)
        for row in block.rows:
            if pdf.get_y() + ROW_HEIGHT > pdf.h - 14:
                pdf.add_page()
                pdf.set_font("helvetica", "B", 10)
                pdf.cell(0, 7, plain(block.title), new_x="LMARGIN", new_y="NEXT")
                _head(pdf, header, col)
            _row(pdf, row, col)
    return bytes(pdf.output())


def _head(pdf: FPDF, header: Sequence[str], col: float) -> None:
    pdf.set_font("helvetica", "B", 6.5)
    pdf.set_fill_color(235, 238, 242)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.multi_cell(LABEL_WIDTH, HEAD_HEIGHT / 2, plain(header[0]), border=1, fill=True, max_line_height=HEAD_HEIGHT / 2)
    for n, name in enumerate(header[1:]):
        pdf.set_xy(x + LABEL_WIDTH + n * col, y)
        pdf.multi_cell(col, HEAD_HEIGHT / 2, plain(name), border=1, align="C", fill=True)
    pdf.set_xy(x, y + HEAD_HEIGHT)


def _row(pdf: FPDF, row: PdfRow, col: float) -> None:
    x, y = pdf.get_x(), pdf.get_y()
    half = ROW_HEIGHT / 2
    pdf.rect(x, y, LABEL_WIDTH, ROW_HEIGHT)
    pdf.set_font("helvetica", "B", 6.5)
    pdf.set_xy(x, y)
    pdf.cell(LABEL_WIDTH, half, _fit(pdf, plain(row.label), LABEL_WIDTH))
    pdf.set_font("helvetica", "", 6)
    pdf.set_xy(x, y + half)
    pdf.cell(LABEL_WIDTH, half, _fit(pdf, plain(row.unit), LABEL_WIDTH))
    if row.note is not None:
        width = col * len(row.cells)
        pdf.rect(x + LABEL_WIDTH, y, width, ROW_HEIGHT)
        pdf.set_font("helvetica", "I", 6.5)
        pdf.set_xy(x + LABEL_WIDTH, y)
        pdf.cell(width, ROW_HEIGHT, plain(row.note), align="C")
        pdf.set_xy(x, y + ROW_HEIGHT)
        return
    for n, (first, second) in enumerate(row.cells):
        cx = x + LABEL_WIDTH + n * col
        pdf.rect(cx, y, col, ROW_HEIGHT)
        pdf.set_font("helvetica", "B", 6.5)
        pdf.set_xy(cx, y)
        pdf.cell(col, half, _fit(pdf, plain(first), col), align="R")
        pdf.set_font("helvetica", "", 5.5)
        pdf.set_xy(cx, y + half)
        pdf.cell(col, half, _fit(pdf, plain(second), col), align="R")
    pdf.set_xy(x, y + ROW_HEIGHT)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` shortened with '...' until it fits `width` (less the cell padding)."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "...") > room:
        text = text[:-1]
    return text + "..."
