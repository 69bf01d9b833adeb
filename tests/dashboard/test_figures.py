"""Figures carry exactly the values query() returns; gaps stay gaps."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest

from dashboard.figures import GRAPH_CONFIG, ranking_spec, ranks, region_colours, series_by_region, timeseries_figure
from dashboard.state import context_from, parse_query
from etl.query import Dataset, Selection, query

EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")
COLOURS = region_colours(EIGHT)


def _ts(dataset: Dataset, sel: Selection, lang: str = "sv", breaks=()):
    frame = query(dataset, sel, lang)
    years = list(range(sel.year_from, sel.year_to + 1))
    return frame, timeseries_figure(frame, lang, "t", "u", 0, COLOURS, breaks=breaks, years=years)


def _trace(fig, name: str):
    return next(tr for tr in fig.data if tr.name == name)


def test_population_value_botkyrka_2024(bundled_dataset: Dataset) -> None:
    _, fig = _ts(bundled_dataset, Selection("population", ("0127", "0181", "01"), 2000, 2024))
    assert [tr.name for tr in fig.data] == ["Botkyrka", "Södertälje", "Stockholms län"]
    botkyrka = _trace(fig, "Botkyrka")
    assert list(botkyrka.x)[-1] == 2024
    assert botkyrka.y[list(botkyrka.x).index(2024)] == 95905.0
    assert botkyrka.connectgaps is False
    assert _trace(fig, "Stockholms län").y[-1] == 2473307.0
    assert fig.layout.separators == ", "
    assert _trace(fig, "Stockholms län").line.dash == "dash"


def test_english_separators(bundled_dataset: Dataset) -> None:
    _, fig = _ts(bundled_dataset, Selection("population", ("0127",), 2020, 2024), lang="en")
    assert fig.layout.separators == ".,"


def test_index_mode_base_year_is_100(bundled_dataset: Dataset) -> None:
    _, fig = _ts(
        bundled_dataset, Selection("population", ("0127", "0136", "sodertorn"), 2000, 2024, mode="index", base=2010)
    )
    for tr in fig.data:
        assert tr.y[list(tr.x).index(2010)] == pytest.approx(100.0, abs=1e-12)
    raw = query(bundled_dataset, Selection("population", ("0127",), 2000, 2024), "sv").set_index("year")["value"]
    assert _trace(fig, "Botkyrka").y[list(range(2000, 2025)).index(2024)] == pytest.approx(raw[2024] / raw[2010] * 100)


def test_per1000_is_value_over_population(bundled_dataset: Dataset) -> None:
    _, fig = _ts(bundled_dataset, Selection("births", ("0127", "0136"), 2020, 2024, mode="per1000"))
    births = query(bundled_dataset, Selection("births", ("0127", "0136"), 2020, 2024), "sv")
    pop = query(bundled_dataset, Selection("population", ("0127", "0136"), 2020, 2024), "sv")
    pop_by = {(r.region_code, r.year): r.value for r in pop.itertuples()}
    checked = 0
    for r in births.itertuples():
        tr = _trace(fig, r.region)
        y = tr.y[list(tr.x).index(r.year)]
        if math.isnan(r.value):
            assert y is None
        else:
            assert y == pytest.approx(r.value / pop_by[(r.region_code, r.year)] * 1000, rel=1e-12)
            checked += 1
    assert checked >= 3


def test_missing_values_are_none_gaps_not_zero(bundled_dataset: Dataset) -> None:
    frame, fig = _ts(bundled_dataset, Selection("population", ("0140",), 1990, 2000))
    nykvarn = _trace(fig, "Nykvarn")
    assert list(nykvarn.x) == list(range(1990, 2001))
    assert list(nykvarn.y[:8]) == [None] * 8  # 1990-1997: before Nykvarn existed
    assert 0 not in list(nykvarn.y) and nykvarn.y[8] == 7724.0
    assert set(frame.loc[frame["value"].isna(), "status"]) == {"missing"}
    assert nykvarn.customdata[0] == "saknas"


def test_years_without_rows_are_gaps(bundled_dataset: Dataset) -> None:
    frame = query(bundled_dataset, Selection("births", ("0136",), 2020, 2024), "sv")
    series = series_by_region(frame, range(2020, 2025))
    present = set(frame.loc[frame["value"].notna(), "year"])
    for year, value in zip(series["0136"]["years"], series["0136"]["values"], strict=True):
        assert (value is None) == (year not in present)


def test_breaks_drawn_as_vertical_lines(bundled_dataset: Dataset) -> None:
    _, fig = _ts(
        bundled_dataset,
        Selection("net_commuting", ("0127",), 1993, 2021),
        breaks=[(2004, "Ny tabell"), (2030, "utanför")],
    )
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == 2003.5
    # a numbered marker on the chart; the full text is its hover text and the list under the chart
    (mark,) = fig.layout.annotations
    assert (mark.text, mark.hovertext, mark.x, mark.xanchor) == ("1", "2004: Ny tabell", 2003.5, "center")
    assert fig.layout.meta["breaks"] == [[1, 2004, "Ny tabell", 0]]


def test_year_axis_is_fixed_to_the_years_with_data(bundled_dataset: Dataset) -> None:
    # a label near the end can no longer widen the year axis: the range is the data's, half a year padded
    _, fig = _ts(bundled_dataset, Selection("net_commuting", ("0127",), 1993, 2021), breaks=[(2019, "Ny källa")])
    assert tuple(fig.layout.xaxis.range) == (1992.5, 2021.5) and fig.layout.xaxis.autorange is False


def test_ranking_x_of_8(bundled_dataset: Dataset) -> None:
    frame = query(bundled_dataset, Selection("population", EIGHT, 2024, 2024), "sv")
    fig = go.Figure(ranking_spec(frame, 2024, "sv", "t", "u", 0, COLOURS, ("0127",)))
    bar = fig.data[0]
    assert list(bar.y)[-1] == "Huddinge" and list(bar.text)[-1] == "1 av 8"
    i = list(bar.customdata).index("0127")
    assert bar.x[i] == 95905.0 and bar.text[i] == "4 av 8"
    assert bar.marker.color[i] == COLOURS["0127"]
    fig_en = go.Figure(ranking_spec(frame, 2024, "en", "t", "u", 0, COLOURS, ()))
    assert "4 of 8" in list(fig_en.data[0].text)


def test_ranks_ignore_missing() -> None:
    assert ranks({"a": 3.0, "b": None, "c": 5.0, "d": 3.0}) == {"a": 2, "b": None, "c": 1, "d": 2}


def test_stable_distinct_colours() -> None:
    assert len({COLOURS[c] for c in EIGHT}) == 8
    assert region_colours(EIGHT)["0181"] == COLOURS["0181"]


def test_modebar_trimmed() -> None:
    assert GRAPH_CONFIG["displaylogo"] is False
    assert GRAPH_CONFIG["modeBarButtons"] == [["toImage", "resetScale2d"]]


def test_not_plotly_express() -> None:
    from pathlib import Path

    import dashboard.figures as figures

    assert "plotly.express" not in Path(figures.__file__).read_text(encoding="utf-8")


def test_state_context_from_dataset(bundled_dataset: Dataset) -> None:
    state = parse_query("?indicator=tax_rate_total&mode=per1000", context_from(bundled_dataset))
    assert state.mode == "value" and state.notices[0].param == "mode"
