"""Chart text placement (dashboard.annotations) and the references' own panel (dashboard.references)."""

from __future__ import annotations

from dashboard.annotations import (
    MARK_PX,
    NARROWEST_PLOT_PX,
    TITLE_CHARS,
    break_marks,
    message_text,
    title_block,
    wrap,
    year_range,
)
from dashboard.figures import REFERENCE_STYLE, region_colours, timeseries_spec
from dashboard.references import fitting_modes, flattening_ratio, needs_panel
from etl.query import Dataset, Selection, query

COMMUTING_BREAKS = [
    (2004, "Ny tabell (RAMS 2004–2018)"),
    (2011, "Ändrad klassificering av förvärvsarbetande i RAMS"),
    (2019, "Ny datakälla (AGI), 16–74 år"),
]


def test_marks_are_numbered_in_year_order_and_only_inside_the_span() -> None:
    marks = break_marks([(2019, "c"), (2004, "a"), (2011, "b"), (1990, "före"), (2030, "efter")], 1993, 2021)
    assert [(m.number, m.year, m.label, m.x) for m in marks] == [
        (1, 2004, "a", 2003.5),
        (2, 2011, "b", 2010.5),
        (3, 2019, "c", 2018.5),
    ]
    assert {m.row for m in marks} == {0}  # years apart: one row


def test_close_marks_are_staggered_so_they_never_share_a_row_too_close() -> None:
    # 2004 and 2005 on a 1968-2025 axis: one year is ~2.6 px on the narrowest plot, the markers need 18
    marks = break_marks([(2004, "a"), (2005, "b"), (2006, "c"), (2020, "d")], 1968, 2025)
    assert [m.row for m in marks] == [0, 1, 2, 0]
    px_per_year = NARROWEST_PLOT_PX / (2025 - 1968 + 1)
    for a in marks:
        for b in marks:
            if a is not b and a.row == b.row:
                assert abs(a.year - b.year) * px_per_year >= MARK_PX


def test_titles_and_messages_wrap_to_fit_a_phone() -> None:
    title = "Dagbefolkning och nattbefolkning (förvärvsarbetande boende), Botkyrka"
    lines = wrap(title, TITLE_CHARS)
    assert len(lines) == 3 and all(len(line) <= TITLE_CHARS for line in lines) and " ".join(lines) == title
    spec, top = title_block(title, break_marks(COMMUTING_BREAKS, 1993, 2021))
    assert spec["text"] == "<br>".join(lines) and top >= 3 * 21 + 17
    assert message_text("Inga åldersuppgifter för Botkyrka 2024 i datamängden.") == (
        "Inga åldersuppgifter för Botkyrka<br>2024 i datamängden."
    )
    assert year_range([2001, 2025, 2010]) == [2000.5, 2025.5] and year_range([]) is None


def test_references_that_flatten_a_count_get_their_own_panel(bundled_dataset: Dataset) -> None:
    sel = Selection("population", ("0127", "0140", "01", "00"), 2000, 2024)
    frame = query(bundled_dataset, sel, "sv")
    series = {c: list(frame.loc[frame["region_code"] == c, "value"]) for c in sel.regions}
    assert flattening_ratio(series) > 80  # Riket ~10.5 million, Botkyrka ~96 000
    assert needs_panel(series, count=True, mode="value")
    assert not needs_panel(series, count=True, mode="index") and not needs_panel(series, count=False, mode="value")
    assert not needs_panel({"0127": [1.0], "0140": [2.0]}, count=True, mode="value")  # no reference
    spec = timeseries_spec(frame, "sv", "t", "personer", 0, region_colours(("0127", "0140")), ref_panel=True)
    axes = {t["meta"]["region_code"]: t.get("yaxis", "y") for t in spec["data"]}
    assert axes == {"0127": "y", "0140": "y", "01": "y2", "00": "y2"}
    assert spec["layout"]["yaxis"]["domain"][0] > spec["layout"]["yaxis2"]["domain"][1]  # regions above
    assert spec["layout"]["xaxis"]["anchor"] == "y2" and set(REFERENCE_STYLE) == {"01", "00"}
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["Referenser, egen skala"]


def test_fitting_alternative() -> None:
    assert fitting_modes("population", True) == ("index",)  # population per 1 000 inhabitants is 1 000
    assert fitting_modes("in_commuters", True) == ("per1000", "index")
