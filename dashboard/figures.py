"""Pure figure builders: a query() frame + labels + language -> plotly go.Figure.

Values are indexed once per region on the full year grid, so a missing value
is a None gap in the trace (connectgaps=False), never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.annotations import (
    break_annotations,
    break_marks,
    break_shapes,
    marks_meta,
    message_text,
    title_block,
    year_range,
    years_with_values,
)
from dashboard.i18n import PLOTLY_SEPARATORS, norm_lang, t

# One stable colour per municipality (issue 9): every colour has >= 3:1 contrast on white (WCAG 1.4.11)
# and every pair, with the black group line and the grey references, stays >= 8 ΔE00 apart in normal
# vision and simulated protanopia, deuteranopia and tritanopia (tests/dashboard/test_a11y.py; Paul Tol's
# muted palette had four colours under 3:1). Chosen by a greedy farthest-point search in those terms (tests/dashboard/colour.py).
PALETTE = ("#445577", "#339955", "#bb00dd", "#993322", "#557788", "#bb77bb", "#ff3300", "#776655")
GROUP_COLOUR = "#000000"
REFERENCE_STYLE = {"01": ("#555555", "dash"), "00": ("#888888", "dot")}
OTHER_BAR = "#c9c9c9"


def region_colours(municipalities: Sequence[str]) -> dict[str, str]:
    """Municipality code -> colour, fixed by the municipality's place in the group."""
    colours = {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(municipalities)}
    colours["sodertorn"] = GROUP_COLOUR
    colours.update({code: style[0] for code, style in REFERENCE_STYLE.items()})
    return colours


def _clean(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def series_by_region(frame: pd.DataFrame | Mapping, years: Sequence[int] | None = None) -> dict[str, dict]:
    """region code -> {name, years, values (None for gaps), status} on one common year grid.
    `frame` is a query() DataFrame or the arrays of query_columns()."""
    codes = frame["region_code"].tolist()
    names = frame["region"].tolist()
    year_list = [int(y) for y in frame["year"].tolist()]
    values = frame["value"].tolist()
    statuses = frame["status"].tolist()
    grid = list(years) if years is not None else sorted(set(year_list))
    found: dict[str, tuple[str, dict[int, tuple[float | None, str]]]] = {}
    for code, name, year, value, status in zip(codes, names, year_list, values, statuses, strict=True):
        found.setdefault(str(code), (str(name), {}))[1][year] = (_clean(value), status)
    gap = (None, "missing")
    return {
        code: {
            "name": name,
            "years": grid,
            "values": [by_year.get(y, gap)[0] for y in grid],
            "status": [by_year.get(y, gap)[1] for y in grid],
        }
        for code, (name, by_year) in found.items()
    }


TIMESERIES_MARGIN = {"l": 95, "b": 100}
LEGEND_ROW_PX = 22  # one legend entry's row on a phone
REFERENCE_PANEL = (0.0, 0.24)  # the references' own panel (share of the plot height), under the regions'
REGION_PANEL = (0.36, 1.0)


def _span(series: Mapping[str, dict]) -> tuple[int, int]:
    """The first and last year the chart shows (with data, else the grid's)."""
    with_data = [y for s in series.values() for y in years_with_values(s["years"], s["values"])]
    every = with_data or [y for s in series.values() for y in s["years"]] or [0]
    return min(every), max(every)


def _reference_panel(layout: dict, traces: list[dict], unit: str, decimals: int, lang: str) -> None:
    """Move the references' traces onto a small panel with its own y axis under the regions' panel."""
    for trace in traces:
        if trace["meta"]["region_code"] in REFERENCE_STYLE:
            trace["yaxis"] = "y2"
    tickformat = ",~r" if decimals == 0 else ""
    layout["yaxis"].update(domain=list(REGION_PANEL))
    layout["yaxis2"] = {"domain": list(REFERENCE_PANEL), "tickformat": tickformat, "nticks": 3, "title": {"text": ""}}
    layout["xaxis"]["anchor"] = "y2"
    layout["height"] += 80
    layout["annotations"] = [
        {
            "text": t("ref_panel_label", lang),
            "showarrow": False,
            "xref": "paper",
            "x": 0,
            "xanchor": "left",
            "yref": "paper",
            "y": REFERENCE_PANEL[1],
            "yanchor": "bottom",
            "yshift": 2,
            "font": {"size": 12, "color": "#444444"},
            "name": "ref-panel",
        }
    ]


def _template() -> dict:
    """plotly_white's layout part, once: the figures are plain dicts, so plotly.js gets the object itself."""
    import plotly.io as pio

    return {"layout": pio.templates["plotly_white"].layout.to_plotly_json()}


TEMPLATE = _template()


def _base_layout(fig: go.Figure, lang: str, title: str) -> None:
    """The common layout on a go.Figure (the map pages' figures)."""
    fig.update_layout(**{**base_layout(lang, title), "template": "plotly_white"})


def base_layout(lang: str, title: str) -> dict:
    """The common layout as a dict, with the plotly_white template inlined."""
    title_spec, top = title_block(title)
    return {
        "title": title_spec,
        "separators": PLOTLY_SEPARATORS[norm_lang(lang)],
        "template": TEMPLATE,
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "margin": {"l": 60, "r": 20, "t": max(60, top), "b": 50},
        "hoverlabel": {"namelength": -1},
    }


def _value_format(decimals: int) -> str:
    return f",.{max(0, decimals)}f"


def _status_text(status: str, lang: str) -> str:
    return t(f"status_{status}", lang) if status in ("ok", "computed", "missing") else status


def timeseries_spec(
    frame: pd.DataFrame,
    lang: str,
    title: str,
    unit: str,
    decimals: int,
    colours: Mapping[str, str],
    breaks: Sequence[tuple[int, str]] = (),
    years: Sequence[int] | None = None,
    ref_panel: bool = False,
) -> dict:
    """The time-series figure as a plain plotly.js dict (fast to build and to serialise). Series breaks are
    numbered markers (dashboard.annotations); with `ref_panel` the references get a small panel of their own."""
    series = series_by_region(frame, years)
    fmt = _value_format(decimals)
    status_text = {s: _status_text(s, lang) for s in ("ok", "computed", "missing")}
    traces = []
    for code, s in series.items():
        colour, dash = REFERENCE_STYLE.get(code, (colours.get(code, "#444444"), "solid"))
        traces.append(
            {
                "type": "scatter",
                "x": s["years"],
                "y": s["values"],
                "name": s["name"],
                "mode": "lines+markers",
                "connectgaps": False,
                "line": {"color": colour, "dash": dash, "width": 3.5 if code == "sodertorn" else 2.2},
                "marker": {"size": 4},
                "customdata": [status_text.get(st) or _status_text(st, lang) for st in s["status"]],
                "hovertemplate": f"%{{fullData.name}}<br>%{{x}}: %{{y:{fmt}}} {unit}<br>%{{customdata}}<extra></extra>",
                "meta": {"region_code": code},
            }
        )
    marks = break_marks(breaks, *_span(series))
    layout = base_layout(lang, title)
    layout["title"], top = title_block(title, marks)
    layout.update(
        # room for the legend below and six-digit tick labels beside the axis title from the start: plotly grows a
        # margin that is too small for them (autoexpand) by drawing the chart a second time (~0.1 s on a first load)
        margin={**layout["margin"], **TIMESERIES_MARGIN, "t": top},
        xaxis={"title": {"text": t("axis_year", lang)}, "tickformat": "d"},
        yaxis={"title": {"text": unit}, "tickformat": ",~r" if decimals == 0 else ""},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hovermode="x unified",
        # on a phone the legend takes a row per series: the chart grows with them, so the plot keeps its height
        height=max(480, 380 + LEGEND_ROW_PX * len(traces)),
        meta={**marks_meta(marks), "ref_panel": bool(ref_panel)},
    )
    # the year axis ends with the data: no label or empty year widens it
    x_range = year_range(y for s in series.values() for y in years_with_values(s["years"], s["values"]))
    if x_range is None:
        x_range = year_range(y for s in series.values() for y in s["years"])
    if x_range is not None:
        layout["xaxis"].update(range=x_range, autorange=False)
    if ref_panel:
        _reference_panel(layout, traces, unit, decimals, lang)
    if marks:
        layout["shapes"] = break_shapes(marks)
        layout["annotations"] = [*layout.get("annotations", []), *break_annotations(marks)]
    return {"data": traces, "layout": layout}


def timeseries_figure(
    frame: pd.DataFrame, lang: str, title: str, unit: str, decimals: int, colours: Mapping[str, str], **options: Any
) -> go.Figure:
    """timeseries_spec() as a go.Figure (`options`: its breaks, years, ref_panel)."""
    return go.Figure(timeseries_spec(frame, lang, title, unit, decimals, colours, **options))


def ranks(values: Mapping[str, float | None]) -> dict[str, int | None]:
    """Rank 1 = highest value; missing values have no rank; ties share the better rank."""
    present = sorted((v for v in values.values() if v is not None), reverse=True)
    return {code: (present.index(v) + 1 if v is not None else None) for code, v in values.items()}


def ranking_spec(
    frame: pd.DataFrame,
    year: int,
    lang: str,
    title: str,
    unit: str,
    decimals: int,
    colours: Mapping[str, str],
    highlight: Sequence[str],
) -> dict:
    """The ranking bar chart as a plain plotly.js dict."""
    at = np.asarray(frame["year"]) == year  # `frame`: a query() DataFrame or query_columns() arrays
    codes = [str(c) for c in np.asarray(frame["region_code"])[at].tolist()]
    values = dict(zip(codes, (_clean(v) for v in np.asarray(frame["value"])[at].tolist()), strict=True))
    names = dict(zip(codes, (str(n) for n in np.asarray(frame["region"])[at].tolist()), strict=True))
    rank = ranks(values)
    order = sorted(values, key=lambda c: (rank[c] is None, rank[c] or 0))
    order = list(reversed(order))  # plotly draws the first category at the bottom
    fmt_missing = t("cmp_rank_missing", lang)
    ranked = sum(1 for r in rank.values() if r is not None)
    texts = [t("cmp_rank_text", lang, rank=rank[c], n=ranked) if rank[c] else fmt_missing for c in order]
    # a negative bar's outside text runs left into the region names: then the rank goes into the name
    leftwards = any(values[c] is not None and values[c] < 0 for c in order)
    labels = [f"{names[c]} ({text})" if leftwards else names[c] for c, text in zip(order, texts, strict=True)]
    bar = {
        "type": "bar",
        "x": [values[c] for c in order],
        "y": labels,
        "orientation": "h",
        "marker": {"color": [colours.get(c, OTHER_BAR) if c in highlight else OTHER_BAR for c in order]},
        "text": texts,
        "textposition": "outside",
        "textangle": 0,
        "cliponaxis": False,
        "customdata": list(order),
        "hovertemplate": f"%{{y}}: %{{x:{_value_format(decimals)}}} {unit}<extra></extra>",
    }
    if leftwards:
        del bar["text"], bar["textposition"], bar["textangle"]
    layout = base_layout(lang, title)
    layout.update(
        xaxis={"title": {"text": unit}, "tickformat": ",~r" if decimals == 0 else "", "automargin": True, "nticks": 6},
        yaxis={"automargin": True},
        height=360,
        showlegend=False,
    )
    layout["margin"] = {**layout["margin"], "r": 70}
    return {"data": [bar], "layout": layout}


def empty_spec(message: str, lang: str) -> dict:
    layout = base_layout(lang, "")
    layout.update(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message_text(message),
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 14},
            }
        ],
        height=300,
    )
    return {"data": [], "layout": layout}


def empty_figure(message: str, lang: str) -> go.Figure:
    return go.Figure(empty_spec(message, lang))


GRAPH_CONFIG = {
    "displaylogo": False,
    "modeBarButtons": [["toImage", "resetScale2d"]],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

# plotly.js's own interface texts (the mode bar's tooltips, the zoom hint), in Swedish: plotly's locale files
# are not in the bundle, so the dictionary goes with each graph's config (config.locales)
PLOTLY_SV = {
    "Download plot as a PNG": "Ladda ner diagrammet som PNG",
    "Download plot": "Ladda ner diagrammet",
    "Reset axes": "Återställ axlarna",
    "Reset view": "Återställ vyn",
    "Autoscale": "Skala automatiskt",
    "Zoom": "Zooma",
    "Zoom in": "Zooma in",
    "Zoom out": "Zooma ut",
    "Pan": "Panorera",
    "Double-click to zoom back out": "Dubbelklicka för att zooma ut igen",
    "Taking snapshot - this may take a few seconds": "Sparar bilden – det kan ta några sekunder",
    "Snapshot succeeded": "Bilden är sparad",
    "Sorry, there was a problem downloading your snapshot!": "Bilden kunde inte sparas.",
    "Produced with Plotly.js": "Gjord med Plotly.js",
}


def graph_config(lang: str) -> dict:
    """GRAPH_CONFIG with plotly's interface texts in `lang`."""
    if norm_lang(lang) != "sv":
        return GRAPH_CONFIG
    return {**GRAPH_CONFIG, "locale": "sv", "locales": {"sv": {"dictionary": PLOTLY_SV}}}
