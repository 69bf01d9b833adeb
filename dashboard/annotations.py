"""Chart text that never collides, at any width from 320 px up (issue 16).

Plotly draws in the browser; the client width is not known when a figure is built. So nothing here
depends on it: series breaks are drawn as a dotted line with a short numbered marker ("1", "2", …)
above the plot, staggered into rows so that two markers never share a row closer than the narrowest
plot could hold them, and the full text of each break goes into a numbered list under the chart (which
screen readers read, and which the table's notes repeat). Titles and empty-chart messages are wrapped
so that a line fits a 320 px screen. The year axis is fixed to the years with data (half a year of
padding), so no label can stretch it. Pure: plain data in, plain data out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dash import html

from dashboard.i18n import t

BREAK_COLOUR = "#b00020"
# the narrowest plot area: a 320 px screen less page padding, the graph border and the figure's side margins
NARROWEST_PLOT_PX = 150
MARK_PX = 18  # a marker's box ("12" in 11 px type, with its border) plus a gap
MARK_ROW_PX = 17  # the height of one row of markers
TITLE_LINE_PX = 21  # one line of the 16 px title
# characters per line that fit a 320 px screen: the 16 px title (~8.5 px a character on average) and the
# 14 px empty-chart message
TITLE_CHARS = 34
MESSAGE_CHARS = 34


@dataclass(frozen=True)
class BreakMark:
    """One series break on a chart: its number, the year the new series starts, its text and marker row."""

    number: int
    year: int
    label: str
    row: int

    @property
    def x(self) -> float:
        return self.year - 0.5


def break_marks(breaks: Iterable[tuple[int, str]], first: int, last: int) -> list[BreakMark]:
    """The breaks inside (first, last], numbered in year order, each in the lowest row where it keeps
    MARK_PX from the row's previous marker even on the narrowest plot."""
    inside = sorted((int(y), str(label)) for y, label in breaks if first < int(y) <= last)
    span = max(1, last - first + 1)  # the axis runs from first - 0.5 to last + 0.5
    min_gap = span * MARK_PX / NARROWEST_PLOT_PX  # in years
    rows_last: list[float] = []
    marks: list[BreakMark] = []
    for i, (year, label) in enumerate(inside, start=1):
        row = next((r for r, x in enumerate(rows_last) if year - x >= min_gap), len(rows_last))
        if row == len(rows_last):
            rows_last.append(year)
        else:
            rows_last[row] = year
        marks.append(BreakMark(i, year, label, row))
    return marks


def break_shapes(marks: Sequence[BreakMark]) -> list[dict]:
    """A dotted vertical line per break over the whole plot (every panel)."""
    return [
        {
            "type": "line",
            "x0": m.x,
            "x1": m.x,
            "xref": "x",
            "y0": 0,
            "y1": 1,
            "yref": "paper",
            "line": {"color": BREAK_COLOUR, "dash": "dot", "width": 1.5},
        }
        for m in marks
    ]


def break_annotations(marks: Sequence[BreakMark]) -> list[dict]:
    """The numbered markers above the plot; the full text is their hover text and the list under the chart."""
    return [
        {
            "x": m.x,
            "xref": "x",
            "y": 1,
            "yref": "paper",
            "yshift": 2 + m.row * MARK_ROW_PX,
            "text": str(m.number),
            "hovertext": f"{m.year}: {m.label}",
            "showarrow": False,
            "xanchor": "center",
            "yanchor": "bottom",
            "font": {"size": 11, "color": BREAK_COLOUR},
            "bordercolor": BREAK_COLOUR,
            "borderwidth": 1,
            "borderpad": 1,
            "bgcolor": "#ffffff",
            "name": "break",
        }
        for m in marks
    ]


def marker_rows(marks: Sequence[BreakMark]) -> int:
    return 1 + max(m.row for m in marks) if marks else 0


def wrap(text: str, width: int) -> list[str]:
    """Words into lines of at most `width` characters (a longer word stays whole on its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def title_block(title: str, marks: Sequence[BreakMark] = ()) -> tuple[dict, int]:
    """(plotly title, top margin): the title wrapped to fit 320 px, standing on the plot area with room
    between them for the rows of break markers; the margin holds both."""
    lines = wrap(title, TITLE_CHARS) if title else []
    rows_px = MARK_ROW_PX * marker_rows(marks)
    spec = {
        "text": "<br>".join(lines),
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "y": 1,
        "yanchor": "bottom",
        "yref": "paper",
        # plotly stands the first line on the anchor and writes further lines below it: lift them all
        "pad": {"b": rows_px + 8 + TITLE_LINE_PX * max(0, len(lines) - 1), "l": 4},
        "font": {"size": 16},
    }
    return spec, max(40, 12 + TITLE_LINE_PX * len(lines) + rows_px + 8)


def message_text(message: str) -> str:
    """An empty chart's message wrapped to fit 320 px."""
    return "<br>".join(wrap(message, MESSAGE_CHARS))


def year_range(years: Iterable[int]) -> list[float] | None:
    """The year axis: the first to the last year with data, half a year of padding at each end."""
    ys = [int(y) for y in years]
    return [min(ys) - 0.5, max(ys) + 0.5] if ys else None


def years_with_values(xs: Sequence[int], ys: Sequence[float | None]) -> list[int]:
    return [
        int(x) for x, y in zip(xs, ys, strict=True) if y is not None and not (isinstance(y, float) and math.isnan(y))
    ]


def break_list(marks: Sequence[BreakMark], lang: str, list_id: str) -> list:
    """The numbered list of the chart's breaks, under the chart (the markers' full text)."""
    if not marks:
        return []
    return [
        html.Div(
            [
                html.Span(t("cmp_breaks", lang) + ":", className="break-list-title"),
                html.Ol(
                    [html.Li(f"{m.year}: {m.label}", value=str(m.number)) for m in marks],
                    className="break-list",
                ),
            ],
            id=list_id,
            className="breaks-under-chart",
        )
    ]


def marks_of(figure: dict | object) -> list[BreakMark]:
    """The break marks a figure was built with (kept in layout.meta), for the list under it."""
    layout = figure["layout"] if isinstance(figure, dict) else figure.layout  # type: ignore[attr-defined]
    meta = layout.get("meta") if isinstance(layout, dict) else layout.meta
    items = (meta or {}).get("breaks", []) if isinstance(meta, dict) else []
    return [BreakMark(int(n), int(y), str(label), int(r)) for n, y, label, r in items]


def marks_meta(marks: Sequence[BreakMark]) -> dict:
    return {"breaks": [[m.number, m.year, m.label, m.row] for m in marks]}
