"""Accessibility, pure: the palette's contrast and distinguishability, and the charts' text alternatives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.a11y import ranking_summary, series_summary
from dashboard.figures import GROUP_COLOUR, REFERENCE_STYLE, region_colours
from etl.query import Dataset, Selection, query
from tests.dashboard.colour import MIN_DELTA_E, VISIONS, closest_pair, contrast_ratio, delta_e_2000, simulate

EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")
WHITE = "#ffffff"
STYLE = Path(__file__).resolve().parents[2] / "assets" / "style.css"
NNBSP = "\u202f"


def _css_vars() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", STYLE.read_text(encoding="utf-8"))
    assert root, "assets/style.css has no :root block"
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", root.group(1)))


# ---------------------------------------------------------------- colour maths against known values
def test_contrast_ratio_known_values() -> None:
    assert contrast_ratio("#000000", WHITE) == pytest.approx(21.0)
    assert contrast_ratio(WHITE, WHITE) == pytest.approx(1.0)
    assert contrast_ratio("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)


def test_ciede2000_reference_pair_and_cvd_simulation() -> None:
    assert delta_e_2000("#ff0000", "#ff0000") == 0
    # Sharma et al.'s test data are in Lab; an sRGB sanity check: black/white is the full lightness range
    assert delta_e_2000("#000000", WHITE) == pytest.approx(100.0, abs=0.01)
    # red and green collapse for a deuteranope and stay apart for a tritanope
    red, green = "#cc3311", "#338811"
    assert delta_e_2000(simulate(red, "deuteranopia"), simulate(green, "deuteranopia")) < 10
    assert delta_e_2000(simulate(red, "tritanopia"), simulate(green, "tritanopia")) > 25
    assert simulate("#808080", "protanopia") == "#808080"  # greys are unaffected


# ---------------------------------------------------------------- the palette
def test_every_chart_colour_has_3_to_1_contrast_on_white() -> None:
    colours = region_colours(EIGHT)
    low = {code: round(contrast_ratio(c, WHITE), 2) for code, c in colours.items() if contrast_ratio(c, WHITE) < 3}
    assert not low, f"chart colours under 3:1 on white (WCAG 1.4.11): {low}"


def test_palette_is_distinguishable_in_normal_and_deficient_colour_vision() -> None:
    colours = sorted({*region_colours(EIGHT).values(), GROUP_COLOUR, *(s[0] for s in REFERENCE_STYLE.values())})
    for vision in VISIONS:
        distance, a, b = closest_pair(colours, vision)
        assert distance >= MIN_DELTA_E, f"{vision}: {a} and {b} are only {distance:.1f} ΔE00 apart"


def test_interface_text_and_control_colours() -> None:
    v = _css_vars()
    for fg, bg in (("ink", "bg"), ("muted", "bg"), ("accent", "bg"), ("ink", "warn")):
        assert contrast_ratio(v[fg], v[bg]) >= 4.5, (fg, bg)
    for fg in ("ink", "muted", "accent"):
        assert contrast_ratio(v[fg], WHITE) >= 4.5, fg
    assert contrast_ratio(WHITE, v["accent"]) >= 4.5  # active nav link, focused button
    assert contrast_ratio(v["accent"], WHITE) >= 3  # the focus outline (WCAG 1.4.11)


# ---------------------------------------------------------------- text alternatives
def test_series_summary_exact(bundled_dataset: Dataset) -> None:
    frame = query(bundled_dataset, Selection("population", ("0127", "0181", "01"), 2000, 2024), "sv")
    assert series_summary(frame, "Folkmängd", "personer", 0, "sv") == (
        "Folkmängd, 2000–2024, för Botkyrka, Södertälje och Stockholms län. "
        f"Högst 2024: Stockholms län (2{NNBSP}473{NNBSP}307 personer); lägst: Botkyrka (95{NNBSP}905 personer). "
        f"Botkyrka ökade från 73{NNBSP}097 (2000) till 95{NNBSP}905 (2024); "
        f"Södertälje ökade från 77{NNBSP}882 (2000) till 102{NNBSP}911 (2024); "
        f"Stockholms län ökade från 1{NNBSP}823{NNBSP}210 (2000) till 2{NNBSP}473{NNBSP}307 (2024)."
    )
    frame = query(bundled_dataset, Selection("net_commuting", ("0127", "0181"), 2015, 2024), "en")
    assert series_summary(frame, "Net commuting", "persons", 0, "en") == (
        "Net commuting, 2015–2021, for Botkyrka and Södertälje. "
        "Highest in 2021: Södertälje (6,831 persons); lowest: Botkyrka (-19,006 persons). "
        "Botkyrka fell from -15,939 (2015) to -19,006 (2021); Södertälje rose from 6,528 (2015) to 6,831 (2021)."
    )


def test_ranking_summary_exact(bundled_dataset: Dataset) -> None:
    frame = query(bundled_dataset, Selection("population", EIGHT, 2024, 2024), "sv")
    values = dict(zip(frame["region"], frame["value"], strict=True))
    assert ranking_summary(values, "Folkmängd 2024", "personer", 0, "sv") == (
        f"Folkmängd 2024: högst Huddinge (114{NNBSP}304 personer), lägst Nykvarn (12{NNBSP}342 personer); "
        "8 av 8 kommuner har värden."
    )
    # one with a value: no "highest ... lowest" of one, and the grammar of one (issue 15)
    assert ranking_summary({"A": 2.0, "B": None}, "X", "", 1, "en") == (
        "X: A (2.0); 1 of 2 municipalities has a value. No value: B."
    )
    assert ranking_summary({"A": 2.0, "B": None, "C": None}, "X", "", 1, "sv", 2024) == (
        "X: A (2,0); 1 av 3 kommuner har ett värde för 2024. Saknar värde: B och C."
    )
    assert ranking_summary({"A": 2.0, "B": None, "C": 1.0}, "X", "u", 1, "en", 2024) == (
        "X: highest A (2.0 u), lowest C (1.0 u); 2 of 3 municipalities have values for 2024. No value: B."
    )
    assert ranking_summary({"A": None}, "X", "", 1, "sv") == "X: inga värden att visa."


# ---------------------------------------------------------------- /karta, /pendling, /befolkning
def _chart_colour_sets() -> dict[str, list[str]]:
    """Each chart's data colours (what must be told apart within that chart)."""
    from dashboard.figures_maps import (
        COMMUTING_SERIES,
        COMPONENT_COLOURS,
        DAY_NIGHT_SERIES,
        NET_COLOURS,
        SEX_COLOURS,
        TOTAL_COLOUR,
    )
    from dashboard.pages.pendling import DAY_NIGHT

    assert DAY_NIGHT == DAY_NIGHT_SERIES
    return {
        "pendling: commuting lines": [s[1] for s in COMMUTING_SERIES],
        "pendling: day and night population": [s[1] for s in DAY_NIGHT],
        "pendling: net commuting ranking": [*NET_COLOURS.values(), TOTAL_COLOUR],
        "befolkning: components of change": [*COMPONENT_COLOURS.values(), TOTAL_COLOUR],
        "befolkning: pyramid": [*SEX_COLOURS.values(), TOTAL_COLOUR],
    }


@pytest.mark.parametrize("chart", list(_chart_colour_sets()))
def test_view_chart_colours_contrast_and_distinguishability(chart: str) -> None:
    colours = _chart_colour_sets()[chart]
    low = {c: round(contrast_ratio(c, WHITE), 2) for c in colours if contrast_ratio(c, WHITE) < 3}
    assert not low, f"{chart}: colours under 3:1 on white (WCAG 1.4.11): {low}"
    for vision in VISIONS:
        distance, a, b = closest_pair(colours, vision)
        assert distance >= MIN_DELTA_E, f"{chart}, {vision}: {a} and {b} are only {distance:.1f} ΔE00 apart"


def test_day_night_colours_also_clear_the_reference_lines() -> None:
    from dashboard.figures_maps import BREAK_LINE, DAY_NIGHT_SERIES, ZERO_LINE

    colours = [s[1] for s in DAY_NIGHT_SERIES] + [ZERO_LINE, BREAK_LINE]
    assert min(closest_pair(colours, v)[0] for v in VISIONS) >= MIN_DELTA_E
    assert [s[1] for s in DAY_NIGHT_SERIES] == ["#332288", "#AA7700"]


def test_map_summary_exact(bundled_dataset: Dataset) -> None:
    from dashboard.pages import karta
    from dashboard.pages.views_common import parse_params

    params, _ = parse_params({"indicator": "population", "year": "2024", "lang": "sv"}, karta.spec(bundled_dataset))
    assert karta.render(bundled_dataset, params)["summary"] == (
        f"Folkmängd 2024, personer: högst Huddinge (114{NNBSP}304 personer), lägst Nykvarn (12{NNBSP}342 personer); "
        "8 av 8 kommuner har värden."
    )


def test_commuting_summaries_exact(bundled_dataset: Dataset) -> None:
    from dashboard.pages import pendling
    from dashboard.pages.views_common import parse_params
    from etl.flows import read_flows_csv

    flows = read_flows_csv(Path(__file__).resolve().parents[2] / "data" / "snapshot" / "flows.csv")
    params, _ = parse_params({"region": "0127", "year": "2015", "lang": "en"}, pendling.spec(bundled_dataset))
    view = pendling.render(bundled_dataset, params, flows)
    text = {k: view[k][0].children for k in ("day_night_text", "ranking_text", "flows_text")}
    assert text["day_night_text"] == (
        "Day population and night population (employed residents), Botkyrka, 1993–2021, for Daytime working "
        "population and Employed residents. Highest in 2021: Employed residents (45,020 persons); lowest: Daytime "
        "working population (26,014 persons). Daytime working population rose from 17,829 (1993) to 26,014 (2021); "
        "Employed residents rose from 30,656 (1993) to 45,020 (2021)."
    )
    assert text["ranking_text"] == (
        "Net commuting 2015, the eight municipalities and Södertörn as a region: highest Södertälje (6,528 persons), "
        "lowest Botkyrka (-15,939 persons); 8 of 8 municipalities have values. Södertörn as a region: -54,034 persons."
    )
    assert text["flows_text"] == (
        "Commuting flows 2015, Botkyrka: 2 flows, 19,842 persons in all. Largest: Botkyrka → Stockholm "
        "(15,311 persons); smallest: Stockholm → Botkyrka (4,531 persons)."
    )
    # the ranking's table: signed values and ranks in text, Södertörn last without a rank
    table = view["ranking_text"][1].children[1].children
    body = [[td.children for td in tr.children] for tr in table.children[1].children]
    assert body[0] == ["Södertälje", "+6,528", "1"] and body[-1] == ["Södertörn", "-54,034", "–"]
    assert len(body) == 9


def test_population_summaries_exact(bundled_dataset: Dataset) -> None:
    from dashboard.pages import befolkning
    from dashboard.pages.views_common import parse_params
    from etl.tables.ages import AGES

    params, _ = parse_params({"region": "0127", "year": "2024", "lang": "sv"}, befolkning.spec(bundled_dataset))
    view = befolkning.render(bundled_dataset, params, AGES.empty())
    assert view["pyr_text"] == []  # no age data: the notice says so, nothing to summarise
    assert view["comp_text"][0].children == (
        "Befolkningsförändringens delar, Botkyrka, 1968–2025, 58 år med uppgifter. 2025: Flyttnetto 544 personer. "
        f"Folkökning: störst 2019 (1{NNBSP}500 personer), minst 2024 (313 personer)."
    )
    assert view["index_text"][0].children.startswith(
        "Befolkningsindex (2000 = 100), 2000–2025, för Botkyrka, Haninge, Huddinge, Nykvarn, Nynäshamn, Salem, "
        "Södertälje, Tyresö, Stockholms län och Riket. Högst 2025: Nykvarn (153,8); lägst: Salem (126,2). "
        "Botkyrka ökade från 100,0 (2000) till 132,4 (2025);"
    )


def test_pyramid_summary_exact() -> None:
    import pandas as pd

    from dashboard.a11y import pyramid_summary
    from etl.tables.ages import BANDS

    table = pd.DataFrame({"K": [float(i) for i in range(21)], "M": [2.0 * i for i in range(21)]}, index=list(BANDS))
    table.loc["0-4"] = [5.0, 5.0]
    assert pyramid_summary(table, "Ålderspyramid X 2024", "personer", "sv") == (
        "Ålderspyramid X 2024: 640 personer, 215 kvinnor och 425 män, i 21 åldersgrupper. "
        "Flest i åldern 100+ (60 personer); färst i åldern 5-9 (3 personer)."
    )
    assert pyramid_summary(table, "Age pyramid X 2024", "persons", "en", "Sweden").endswith(
        "The bars show shares of the population; the lines show Sweden for comparison."
    )
