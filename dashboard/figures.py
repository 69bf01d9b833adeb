"""Pure figure builders: a query() frame + labels + language -> plotly go.Figure.

Values are indexed once per region on the full year grid, so a missing value
is a None gap in the trace (connectgaps=False), never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import PLOTLY_SEPARATORS, norm_lang, t

# Paul Tol's "muted" palette (colour-blind safe), one stable colour per municipality.
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
GROUP_COLOUR = "#000000"
REFERENCE_STYLE = {"01": ("#555555", "dash"), "00": ("#888888", "dot")}
MISSING_BAR = "#dddddd"
OTHER_BAR = "#c9c9c9"


def region_colours(municipalities: Sequence[str]) -> dict[str, str]:
    """Municipality code -> colour, fixed by the municipality's place in the group."""
    colours = {code: TOL_MUTED[i % len(TOL_MUTED)] for i, code in enumerate(municipalities)}
    colours["sodertorn"] = GROUP_COLOUR
    colours.update({code: style[0] for code, style in REFERENCE_STYLE.items()})
    return colours


def _clean(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def series_by_region(frame: pd.DataFrame, years: Sequence[int] | None = None) -> dict[str, dict]:
    """region code -> {name, years, values (None for gaps), status} on one common year grid."""
    grid = list(years) if years is not None else sorted({int(y) for y in frame["year"]})
    out: dict[str, dict] = {}
    for code, rows in frame.groupby("region_code", sort=False):
        by_year = {int(y): (_clean(v), s) for y, v, s in zip(rows["year"], rows["value"], rows["status"], strict=True)}
        out[str(code)] = {
            "name": str(rows["region"].iloc[0]),
            "years": grid,
            "values": [by_year.get(y, (None, "missing"))[0] for y in grid],
            "status": [by_year.get(y, (None, "missing"))[1] for y in grid],
        }
    return out


def _base_layout(fig: go.Figure, lang: str, title: str) -> None:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=PLOTLY_SEPARATORS[norm_lang(lang)],
        template="plotly_white",
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hoverlabel={"namelength": -1},
    )


def _value_format(decimals: int) -> str:
    return f",.{max(0, decimals)}f"


def timeseries_figure(
    frame: pd.DataFrame,
    lang: str,
    title: str,
    unit: str,
    decimals: int,
    colours: Mapping[str, str],
    breaks: Sequence[tuple[int, str]] = (),
    years: Sequence[int] | None = None,
) -> go.Figure:
    """One line per region in the frame's order; references dashed; breaks as vertical lines."""
    fig = go.Figure()
    series = series_by_region(frame, years)
    fmt = _value_format(decimals)
    for code, s in series.items():
        colour, dash = REFERENCE_STYLE.get(code, (colours.get(code, "#444444"), "solid"))
        width = 3.5 if code == "sodertorn" else 2.2
        fig.add_trace(
            go.Scatter(
                x=s["years"],
                y=s["values"],
                name=s["name"],
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "dash": dash, "width": width},
                marker={"size": 4},
                customdata=[
                    t(f"status_{st}", lang) if st in ("ok", "computed", "missing") else st for st in s["status"]
                ],
                hovertemplate=f"%{{fullData.name}}<br>%{{x}}: %{{y:{fmt}}} {unit}<br>%{{customdata}}<extra></extra>",
                meta={"region_code": code},
            )
        )
    _base_layout(fig, lang, title)
    fig.update_layout(
        xaxis={"title": {"text": t("axis_year", lang)}, "tickformat": "d", "dtick": None},
        yaxis={"title": {"text": unit}, "tickformat": ",~r" if decimals == 0 else ""},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hovermode="x unified",
        height=480,
    )
    all_years = [y for s in series.values() for y in s["years"]]
    for year, label in breaks:
        if all_years and min(all_years) <= year <= max(all_years):
            fig.add_vline(x=year - 0.5, line={"color": "#b00020", "dash": "dot", "width": 1.5})
            fig.add_annotation(
                x=year - 0.5,
                y=1,
                yref="paper",
                text=label,
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                font={"size": 11, "color": "#b00020"},
            )
    return fig


def ranks(values: Mapping[str, float | None]) -> dict[str, int | None]:
    """Rank 1 = highest value; missing values have no rank; ties share the better rank."""
    present = sorted((v for v in values.values() if v is not None), reverse=True)
    return {code: (present.index(v) + 1 if v is not None else None) for code, v in values.items()}


def ranking_figure(
    frame: pd.DataFrame,
    year: int,
    lang: str,
    title: str,
    unit: str,
    decimals: int,
    colours: Mapping[str, str],
    highlight: Sequence[str],
) -> go.Figure:
    """Horizontal bars of the eight municipalities in `year`, best on top, with 'x av 8'."""
    rows = frame[frame["year"] == year]
    values = {str(c): _clean(v) for c, v in zip(rows["region_code"], rows["value"], strict=True)}
    names = {str(c): str(n) for c, n in zip(rows["region_code"], rows["region"], strict=True)}
    rank = ranks(values)
    order = sorted(values, key=lambda c: (rank[c] is None, rank[c] or 0))
    order = list(reversed(order))  # plotly draws the first category at the bottom
    fmt_missing = t("cmp_rank_missing", lang)
    fig = go.Figure(
        go.Bar(
            x=[values[c] for c in order],
            y=[names[c] for c in order],
            orientation="h",
            marker={"color": [colours.get(c, OTHER_BAR) if c in highlight else OTHER_BAR for c in order]},
            text=[t("cmp_rank_text", lang, rank=rank[c]) if rank[c] else fmt_missing for c in order],
            textposition="outside",
            textangle=0,
            cliponaxis=False,
            customdata=[c for c in order],
            hovertemplate=f"%{{y}}: %{{x:{_value_format(decimals)}}} {unit}<extra></extra>",
        )
    )
    _base_layout(fig, lang, title)
    fig.update_layout(
        xaxis={"title": {"text": unit}, "tickformat": ",~r" if decimals == 0 else ""},
        yaxis={"automargin": True},
        height=360,
        showlegend=False,
        margin={"r": 70},
    )
    return fig


def empty_figure(message: str, lang: str) -> go.Figure:
    fig = go.Figure()
    _base_layout(fig, lang, "")
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 15},
            }
        ],
        height=300,
    )
    return fig


GRAPH_CONFIG = {
    "displaylogo": False,
    "modeBarButtons": [["toImage", "resetScale2d"]],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
