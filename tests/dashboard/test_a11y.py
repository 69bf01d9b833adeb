"""Accessibility, pure: the palette's contrast and distinguishability, and the charts' text alternatives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.a11y import (
    MIN_DELTA_E,
    VISIONS,
    closest_pair,
    contrast_ratio,
    delta_e_2000,
    ranking_summary,
    series_summary,
    simulate,
)
from dashboard.figures import GROUP_COLOUR, REFERENCE_STYLE, region_colours
from etl.query import Dataset, Selection, query

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
        "8 kommuner med värde."
    )
    assert ranking_summary({"A": 2.0, "B": None}, "X", "", 1, "en") == (
        "X: highest A (2.0), lowest A (2.0); 1 municipalities with a value. No value: B."
    )
    assert ranking_summary({"A": None}, "X", "", 1, "sv") == "X: inga värden att visa."
