"""Pure figure builders for /karta, /pendling and /befolkning: data in, go.Figure out.

Missing values stay missing (a gap, a hatched 'saknas' shape, no bar), never zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.annotations import break_annotations, break_marks, break_shapes, marks_meta, title_block, year_range
from dashboard.figures import _base_layout, _clean, _value_format, ranks
from dashboard.i18n import fmt_number, t

# Sequential, colour-blind safe (Paul Tol's "YlOrBr"-free single-hue blues are hard to tell apart;
# Cividis was designed for colour-vision deficiency and is monotonic in lightness).
MAP_SCALE = "Cividis"
OUTLINE = "#1a1a1a"  # >= 3:1 against every fill of the scale and against white (WCAG 1.4.11)
OTHER_FILL = "#d9d9d9"
MISSING_FILL = "#ffffff"
CIVIDIS_ENDS = ("#00224e", "#fee838")
SEX_COLOURS = {"K": "#AA3377", "M": "#4477AA"}  # Tol bright: purple / blue
# Every series colour has >= 3:1 contrast on white (WCAG 1.4.11) and stays >= 10 ΔE00 from the other
# series of its chart in normal vision and simulated protanopia, deuteranopia and tritanopia
# (tests/dashboard/colour.py, test_a11y.py). #228833 (live_and_work) was 8.7 ΔE00 from #4477AA
# for a tritanope and #CCBB44 (net migration, 1.95:1) too pale; both are now the dark olive #7B6000.
COMMUTING_SERIES = (
    ("in_commuters", "#4477AA", "solid"),
    ("out_commuters", "#EE6677", "solid"),
    ("net_commuting", "#000000", "dash"),
    ("live_and_work", "#7B6000", "dot"),
)
# /pendling's day and night population (was Tol's #44AA99, 2.82:1)
DAY_NIGHT_SERIES = (("day_population", "#332288", "solid"), ("employed_residents", "#AA7700", "dash"))
COMPONENT_COLOURS = {"births": "#4477AA", "deaths": "#EE6677", "net_migration": "#7B6000"}
TOTAL_COLOUR = "#000000"  # the total change line, Södertörn's bar, the pyramid overlay
NET_COLOURS = {"positive": "#4477AA", "negative": "#EE6677"}
# reference lines, told apart by position and label rather than colour
ZERO_LINE = "#888888"
BREAK_LINE = "#b00020"


# ---------------------------------------------------------------- /karta
def choropleth_figure(
    geojson: dict,
    values: Mapping[str, float | None],
    names: Mapping[str, str],
    year: int,
    unit: str,
    decimals: int,
    lang: str,
    title: str,
) -> go.Figure:
    """The eight (keys of `values`) coloured by value, every other county municipality grey.

    customdata per shape: [name, formatted value, unit, year, rank text, code].
    """
    codes = [f["id"] for f in geojson["features"]]
    eight = [c for c in values if c in codes]
    rank = ranks({c: values[c] for c in eight})
    n = len(eight)
    with_value = [c for c in eight if values[c] is not None]
    missing = [c for c in eight if values[c] is None]
    others = [c for c in codes if c not in values]
    fmt = _value_format(decimals)

    def data(cs: Sequence[str]) -> list[list]:
        return [
            [
                names.get(c, c),
                fmt_number(values.get(c), decimals, lang, missing=t("cmp_rank_missing", lang)),
                unit,
                year,
                t("map_rank", lang, rank=rank[c], n=n) if rank.get(c) else "",
                c,
            ]
            for c in cs
        ]

    common = {"geojson": geojson, "featureidkey": "id", "marker": {"line": {"color": OUTLINE, "width": 1}}}

    def flat(cs: Sequence[str], fill: str, name: str, hover: str, **style: dict) -> go.Choroplethmap:
        """One fill for every shape of `cs` (no colour scale)."""
        return go.Choroplethmap(
            locations=cs,
            z=[0] * len(cs),
            colorscale=[[0, fill], [1, fill]],
            showscale=False,
            customdata=data(cs),
            hovertemplate=hover,
            name=name,
            **common | style,
        )

    fig = go.Figure()
    white_line = {"line": {"color": "#ffffff", "width": 0.8}}
    fig.add_trace(flat(others, OTHER_FILL, t("map_other", lang), "%{customdata[0]}<extra></extra>", marker=white_line))
    if missing:
        hover = "%{customdata[0]}<br>%{customdata[3]}: %{customdata[1]}<extra></extra>"
        fig.add_trace(flat(missing, MISSING_FILL, t("cmp_rank_missing", lang), hover))
    fig.add_trace(
        go.Choroplethmap(
            locations=with_value,
            z=[values[c] for c in with_value],
            colorscale=MAP_SCALE,
            colorbar={"title": {"text": unit}, "tickformat": fmt.replace(".0f", "~r") if decimals == 0 else ""},
            customdata=data(with_value),
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>%{customdata[3]}: %{z:" + fmt + "} %{customdata[2]}"
                "<br>%{customdata[4]}<extra></extra>"
            ),
            name=title,
            **common,
        )
    )
    _base_layout(fig, lang, title)
    fig.update_layout(
        map={"style": "white-bg", "center": {"lon": 18.05, "lat": 59.32}, "zoom": 6.9},
        height=620,
        margin={"l": 10, "r": 10, "b": 10},  # the top margin is the title's (base layout)
        showlegend=False,
    )
    return fig


# ---------------------------------------------------------------- /pendling
def lines_figure(
    frame: pd.DataFrame,
    series: Sequence[tuple[str, str, str, str]],
    lang: str,
    title: str,
    unit: str,
    breaks: Sequence[tuple[int, str]] = (),
) -> go.Figure:
    """One line per indicator of `frame` (query() rows for one region); series: (id, name, colour, dash)."""
    years = sorted({int(y) for y in frame["year"]})
    fig = go.Figure()
    for ind, name, colour, dash in series:
        rows = frame[frame["indicator_id"] == ind]
        by_year = {int(y): _clean(v) for y, v in zip(rows["year"], rows["value"], strict=True)}
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[by_year.get(y) for y in years],
                name=name,
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "dash": dash, "width": 2.2},
                marker={"size": 4},
                hovertemplate=f"{name}<br>%{{x}}: %{{y:,.0f}} {unit}<extra></extra>",
                meta={"indicator_id": ind},
            )
        )
    _base_layout(fig, lang, title)
    fig.update_layout(
        xaxis={"title": {"text": t("axis_year", lang)}, "tickformat": "d"},
        yaxis={"title": {"text": unit}, "tickformat": ",~r"},
        legend={"orientation": "h", "y": -0.2, "x": 0},
        hovermode="x unified",
        height=430,
    )
    fig.add_hline(y=0, line={"color": ZERO_LINE, "width": 1})
    with_data = sorted({int(y) for y, v in zip(frame["year"], frame["value"], strict=True) if _clean(v) is not None})
    shown = with_data or years
    marks = break_marks(breaks, shown[0], shown[-1]) if shown else []
    title_spec, top = title_block(title, marks)
    fig.update_layout(title=title_spec, margin={"t": top}, meta=marks_meta(marks))
    x_range = year_range(shown)
    if x_range is not None:  # the year axis ends with the data
        fig.update_xaxes(range=x_range, autorange=False)
    for shape in break_shapes(marks):
        fig.add_shape(shape)
    for note in break_annotations(marks):
        fig.add_annotation(note)
    return fig


def net_ranking_figure(
    values: Mapping[str, float | None], names: Mapping[str, str], year: int, lang: str, title: str, unit: str
) -> go.Figure:
    """Net commuting of the municipalities (and Södertörn as a region) in `year`, highest on top."""
    order = sorted(values, key=lambda c: (values[c] is None, -(values[c] or 0)))
    order.reverse()
    # the signed value is part of the region's label: a bar's outside text, running left from a negative
    # bar, would collide with the labels ("Södertörn−64 213")
    labels = [f"{names[c]}  {fmt_number(values[c], 0, lang, sign=True)}" for c in order]
    fig = go.Figure(
        go.Bar(
            x=[values[c] for c in order],
            y=labels,
            orientation="h",
            marker={
                "color": [
                    TOTAL_COLOUR
                    if c == "sodertorn"
                    else NET_COLOURS["positive" if (values[c] or 0) >= 0 else "negative"]
                    for c in order
                ]
            },
            customdata=[names[c] for c in order],
            meta={"codes": order},
            hovertemplate=f"%{{customdata}} {year}: %{{x:+,.0f}} {unit}<extra></extra>",
        )
    )
    _base_layout(fig, lang, title)
    fig.update_layout(
        xaxis={
            "title": {"text": unit},
            "tickformat": ",~r",
            "zeroline": True,
            "zerolinecolor": "#333333",
            "automargin": True,
            "nticks": 5,
        },
        yaxis={"automargin": True},
        height=380,
        showlegend=False,
        margin={"r": 30},
    )
    return fig


def sankey_figure(flows: pd.DataFrame, names: Mapping[str, str], year: int, lang: str, title: str) -> go.Figure:
    """Origin (home) -> destination (work) flows of `year` as a Sankey; left nodes live, right nodes work."""
    rows = flows[(flows["year"] == year) & flows["value"].notna()].sort_values(["from_code", "to_code"])
    origins = list(dict.fromkeys(rows["from_code"]))
    dests = list(dict.fromkeys(rows["to_code"]))
    labels = [t("flow_home", lang, name=names.get(c, c)) for c in origins] + [
        t("flow_work", lang, name=names.get(c, c)) for c in dests
    ]
    source = [origins.index(c) for c in rows["from_code"]]
    target = [len(origins) + dests.index(c) for c in rows["to_code"]]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "pad": 12,
                "thickness": 14,
                "color": "#4477AA",
                "line": {"color": OUTLINE, "width": 0.5},
            },
            link={
                "source": source,
                "target": target,
                "value": [float(v) for v in rows["value"]],
                "color": "rgba(68,119,170,0.35)",
                "customdata": [
                    [names.get(a, a), names.get(b, b), r]
                    for a, b, r in zip(rows["from_code"], rows["to_code"], rows["source_ref"], strict=True)
                ],
                "hovertemplate": "%{customdata[0]} → %{customdata[1]}: %{value:,.0f}<extra></extra>",
            },
        )
    )
    _base_layout(fig, lang, title)
    fig.update_layout(height=max(360, 28 * max(len(origins), len(dests))))
    return fig


# ---------------------------------------------------------------- /befolkning
def pyramid_figure(
    table: pd.DataFrame,
    lang: str,
    title: str,
    overlay: pd.DataFrame | None = None,
    overlay_name: str = "",
    as_share: bool = False,
) -> go.Figure:
    """Bands (rows of `table`, youngest at the bottom) x K/M: women right, men left (negative x).

    With `overlay` (same shape) both are drawn as shares of their totals, the overlay as outlines.
    """
    bands = list(table.index)
    share = as_share or overlay is not None
    total = float(table.sum().sum()) if share else 1.0
    fig = go.Figure()
    for sex, sign in (("M", -1), ("K", 1)):
        vals = [_clean(v) for v in table[sex]]
        shown = [None if v is None else sign * (v / total * 100 if share else v) for v in vals]
        fig.add_trace(
            go.Bar(
                y=bands,
                x=shown,
                orientation="h",
                name=t(f"sex_{sex}", lang),
                marker={"color": SEX_COLOURS[sex]},
                customdata=[
                    [fmt_number(v, 0, lang), fmt_number(v / total * 100 if v is not None and share else None, 1, lang)]
                    for v in vals
                ],
                hovertemplate=(
                    f"{t(f'sex_{sex}', lang)} %{{y}}: %{{customdata[0]}}"
                    + (" (%{customdata[1]} %)" if share else "")
                    + "<extra></extra>"
                ),
                meta={"sex": sex, "values": vals},
            )
        )
    if overlay is not None:
        o_total = float(overlay.sum().sum()) or 1.0
        for sex, sign in (("M", -1), ("K", 1)):
            fig.add_trace(
                go.Scatter(
                    y=bands,
                    x=[None if _clean(v) is None else sign * float(v) / o_total * 100 for v in overlay[sex]],
                    mode="lines+markers",
                    line={"color": TOTAL_COLOUR, "width": 1.5, "shape": "hvh"},
                    marker={"size": 3},
                    name=f"{overlay_name} ({t(f'sex_{sex}', lang).lower()})",
                    hovertemplate=f"{overlay_name} %{{y}}: %{{x:.1f}} %<extra></extra>",
                )
            )
    _base_layout(fig, lang, title)
    fig.update_layout(
        barmode="overlay",
        bargap=0.05,
        xaxis={"title": {"text": t("pop_share_axis" if share else "pop_persons_axis", lang)}, "tickformat": ",~r"},
        yaxis={"title": {"text": t("pop_age_axis", lang)}, "categoryorder": "array", "categoryarray": bands},
        legend={"orientation": "h", "y": -0.15, "x": 0},
        height=560,
    )
    return fig


def components_figure(frame: pd.DataFrame, lang: str, title: str, unit: str) -> go.Figure:
    """Births (+), deaths (−) and net migration as stacked bars per year; total change as a line."""
    years = sorted({int(y) for y in frame["year"]})
    fig = go.Figure()
    for ind, sign in (("births", 1), ("deaths", -1), ("net_migration", 1)):
        rows = frame[frame["indicator_id"] == ind]
        by_year = {int(y): _clean(v) for y, v in zip(rows["year"], rows["value"], strict=True)}
        name = rows["indicator"].iloc[0] if len(rows) else ind
        fig.add_trace(
            go.Bar(
                x=years,
                y=[None if by_year.get(y) is None else sign * by_year[y] for y in years],
                name=name + (" (−)" if sign < 0 else ""),
                marker={"color": COMPONENT_COLOURS[ind]},
                hovertemplate=f"{name} %{{x}}: %{{y:+,.0f}} {unit}<extra></extra>",
                meta={"indicator_id": ind},
            )
        )
    rows = frame[frame["indicator_id"] == "population_change"]
    by_year = {int(y): _clean(v) for y, v in zip(rows["year"], rows["value"], strict=True)}
    fig.add_trace(
        go.Scatter(
            x=years,
            y=[by_year.get(y) for y in years],
            mode="lines+markers",
            name=rows["indicator"].iloc[0] if len(rows) else "population_change",
            line={"color": TOTAL_COLOUR, "width": 2.5},
            marker={"size": 7},
            connectgaps=False,
            hovertemplate=f"%{{fullData.name}} %{{x}}: %{{y:+,.0f}} {unit}<extra></extra>",
            meta={"indicator_id": "population_change"},
        )
    )
    _base_layout(fig, lang, title)
    fig.update_layout(
        barmode="relative",
        # a year axis (not one category per year, whose 58 labels turn upright on a phone and push the axis
        # title into the legend), from the first bar to the last (plotly would pad the line by 3 years)
        xaxis={"title": {"text": t("axis_year", lang)}, "tickformat": "d", "type": "linear"}
        | ({"range": [years[0] - 0.6, years[-1] + 0.6]} if years else {}),
        yaxis={"title": {"text": unit}, "tickformat": ",~r"},
        legend={"orientation": "h", "y": -0.2, "x": 0},
        height=420,
    )
    return fig
