"""/karta's year slider labels (slider_marks): first and last year, round years between, never touching."""

from __future__ import annotations

from itertools import pairwise

from dashboard.pages.karta import LABEL_PX, MINOR_MARK, NARROW_PX, WIDE_PX, slider_marks


def _label(mark: object) -> str:
    return mark if isinstance(mark, str) else mark["label"]  # type: ignore[index]


def test_population_years_get_round_labels_and_a_narrow_subset() -> None:
    marks = slider_marks(list(range(1968, 2026)))
    minor = {"label": "", "style": MINOR_MARK}
    assert marks == {
        0: "1968",
        7: minor | {"label": "1975"},
        12: "1980",
        17: minor | {"label": "1985"},
        22: "1990",
        27: minor | {"label": "1995"},
        32: "2000",
        37: minor | {"label": "2005"},
        42: "2010",
        47: minor | {"label": "2015"},
        52: minor | {"label": "2020"},
        57: "2025",
    }


def test_few_years_are_all_labelled_and_gaps_keep_positions() -> None:
    assert slider_marks([2015, 2016, 2017, 2018, 2019, 2020, 2021]) == {
        0: "2015",
        1: "2016",
        2: "2017",
        3: "2018",
        4: "2019",
        5: "2020",
        6: "2021",
    }
    gappy = slider_marks([1950, 1960, *range(1968, 2026)])
    assert {i: _label(m) for i, m in gappy.items()} == {
        0: "1950",
        14: "1980",
        24: "1990",
        34: "2000",
        44: "2010",
        59: "2025",
    }
    assert slider_marks([2021]) == {0: "2021"} and slider_marks([]) == {}


def test_no_two_labels_are_closer_than_a_label_on_the_track_they_show_on() -> None:
    for first, last in ((1968, 2025), (1993, 2021), (2000, 2025), (1900, 2025), (2010, 2012)):
        years = list(range(first, last + 1))
        marks = slider_marks(years)
        span = len(years) - 1
        shown_narrow = sorted(i for i, m in marks.items() if isinstance(m, str))
        shown_wide = sorted(marks)
        assert shown_narrow[0] == 0 and shown_narrow[-1] == span  # first and last always labelled
        for shown, track in ((shown_narrow, NARROW_PX), (shown_wide, WIDE_PX)):
            gaps = [b - a for a, b in pairwise(shown)]
            assert min(gaps) * track / span >= LABEL_PX, (first, last, track, shown)
