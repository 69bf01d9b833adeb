"""Every gap is visible (issue 15): named under the chart, marked in the controls, counted in the ranking;
no "(saknas)" for a year that has a value; only the modes that mean something; old headline figures dated."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from dashboard import gaps
from dashboard.pages import jamfor, oversikt
from dashboard.state import MODES, context_from, parse_query
from etl.query import Dataset, Selection, allowed_modes, query_columns

EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")


def _text(node) -> str:
    """The visible text of a Dash component tree."""
    if node is None:
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " | ".join(t for t in (_text(n) for n in node) if t)
    return _text(getattr(node, "children", None))


def _view(dataset: Dataset, **params: str) -> dict:
    return jamfor.build_view(dataset, parse_query(params, context_from(dataset)))


def test_year_spans() -> None:
    assert gaps.year_spans([1998, 1993, 1994, 1995, 2001, 2000]) == "1993–1995, 1998, 2000–2001"
    assert gaps.year_spans([2024]) == "2024" and gaps.year_spans([]) == ""


def test_count_text_exact_in_both_languages() -> None:
    assert gaps.count_text(3, 8, "sv", 2024) == "3 av 8 kommuner har värden för 2024"
    assert gaps.count_text(3, 8, "en", 2024) == "3 of 8 municipalities have values for 2024"
    assert gaps.count_text(1, 8, "sv", 2024) == "1 av 8 kommuner har ett värde för 2024"
    assert gaps.count_text(1, 8, "en", 2024) == "1 of 8 municipalities has a value for 2024"
    assert gaps.count_text(0, 8, "sv", 2024) == "ingen av de 8 kommunerna har värden för 2024"
    assert gaps.count_text(0, 8, "en") == "none of the 8 municipalities has a value"
    assert gaps.option_mark("Riket", "sv") == "Riket (inga värden)"
    assert gaps.option_mark("Sweden", "en") == "Sweden (no values)"


def test_complete_gives_every_region_and_year_a_row(bundled_dataset: Dataset) -> None:
    # etl.query gives Riket (no commuting values) a missing row for each year within the indicator's
    # span (1993–2021) and none after it; `complete` adds the years shown beyond, for both regions
    cols = query_columns(bundled_dataset, Selection("in_commuters", ("0127", "00"), 2019, 2023), "sv")
    assert list(zip(cols["region_code"].tolist(), cols["year"].tolist(), strict=True)) == [
        (c, y) for c in ("0127", "00") for y in (2019, 2020, 2021)
    ]
    assert cols["status"][3:].tolist() == ["missing"] * 3 and np.isnan(cols["value"][3:]).all()
    full = gaps.complete(cols, ("0127", "00"), {"0127": "Botkyrka", "00": "Riket"}, range(2019, 2024))
    assert list(zip(full["region"].tolist(), full["year"].tolist(), full["status"].tolist(), strict=True)) == [
        ("Botkyrka", 2019, "ok"),
        ("Botkyrka", 2020, "ok"),
        ("Botkyrka", 2021, "ok"),
        ("Botkyrka", 2022, "missing"),
        ("Botkyrka", 2023, "missing"),
        ("Riket", 2019, "missing"),
        ("Riket", 2020, "missing"),
        ("Riket", 2021, "missing"),
        ("Riket", 2022, "missing"),
        ("Riket", 2023, "missing"),
    ]
    assert full["value"][:3].tolist() == cols["value"][:3].tolist() and np.isnan(full["value"][3:]).all()
    assert full["indicator"][-1] == "Inpendlare" and full["source_ref"][5] == cols["source_ref"][3]
    assert set(gaps.drawn(full)["region_code"].tolist()) == {"0127"}  # no empty line in the chart
    again = gaps.complete(full, ("0127", "00"), {}, range(2019, 2024))  # nothing left to add
    assert again.keys() == full.keys() and all(again[k] is full[k] for k in full)


def test_riket_gap_named_under_the_chart_and_marked_in_the_control(bundled_dataset: Dataset) -> None:
    params = {"indicator": "in_commuters", "regions": "0127", "ref": "01,00", "from": "1993", "to": "2021"}
    sv = _view(bundled_dataset, **params, lang="sv")
    assert _text(sv["gaps"]) == (
        "Saknade värden visas som luckor, aldrig som noll: | Stockholms län: inga värden för Inpendlare 1993–2021"
        " | Riket: inga värden för Inpendlare 1993–2021"
    )
    assert [t["name"] for t in sv["ts"]["data"]] == ["Botkyrka"]  # no empty legend entries
    assert sv["empty"] == frozenset({"sodertorn", "01", "00"})  # Södertörn: in-commuters are not summed
    refs = jamfor.reference_options(bundled_dataset, "sv", sv["empty"])
    assert [_text(o["label"]) for o in refs] == ["Stockholms län (inga värden)", "Riket (inga värden)"]
    en = _view(bundled_dataset, **params, lang="en")
    assert _text(en["gaps"]).endswith("Sweden: no values for In-commuters 1993–2021")
    regions = jamfor.region_options(bundled_dataset, "en", en["empty"])
    assert (
        _text(regions[0]["label"]) == "Södertörn (aggregate) (no values)" and _text(regions[1]["label"]) == "Botkyrka"
    )
    # the table on screen has a row for every region and year shown, the missing ones as such
    table = jamfor.json.loads(en["table"])
    assert len(table["rows"]) == 3 * 29 and table["rows"][-1][:4] == ["Sweden", "2021", "–", "missing"]


def test_a_year_with_a_value_is_never_called_missing_in_index_mode(bundled_dataset: Dataset) -> None:
    # Stockholms län has a tax rate for 2018 only: its index on 2015 cannot be computed, but 2018 has a value
    view = _view(
        bundled_dataset, indicator="tax_rate_total", regions="0127", ref="01", mode="index", base="2015",
        **{"from": "2015", "to": "2024"}, lang="sv",
    )  # fmt: skip
    text = _text(view["gaps"])
    assert "(saknas)" not in text and "2018 (" not in text
    assert text == (
        "Saknade värden visas som luckor, aldrig som noll: "
        "| Stockholms län: inga värden för Total kommunal skattesats 2015–2017, 2019–2024 "
        "| Stockholms län: inget index för 2018, eftersom värdet för basåret 2015 saknas"
    )
    en = _view(
        bundled_dataset, indicator="tax_rate_total", regions="0127", ref="01", mode="change",
        **{"from": "2015", "to": "2024"}, lang="en",
    )  # fmt: skip
    assert _text(en["gaps"]).endswith(
        "Stockholm County: no annual change for 2018, as there is no value for the year before"
    )


def test_ranking_counts_and_ranks_only_regions_with_a_value(bundled_dataset: Dataset) -> None:
    # deaths 2024 (SCB, in the bundled data): Botkyrka, Haninge and Huddinge only
    view = _view(bundled_dataset, indicator="deaths", regions="0127,0192", year="2024", lang="sv")
    values = dict(zip(view["rank"]["data"][0]["y"], view["rank"]["data"][0]["text"], strict=True))
    present = {name: text for name, text in values.items() if text != "saknas"}
    assert sorted(present) == ["Botkyrka", "Haninge", "Huddinge"] and len(values) == 8
    assert sorted(present.values()) == ["1 av 3", "2 av 3", "3 av 3"]
    assert view["rank_count"] == "3 av 8 kommuner har värden för 2024"
    summary = view["rank_summary"]
    assert summary.endswith(
        "3 av 8 kommuner har värden för 2024. Saknar värde: Nykvarn, Nynäshamn, Salem, Södertälje och Tyresö."
    )
    en = _view(bundled_dataset, indicator="deaths", regions="0127", year="2024", lang="en")
    assert en["rank_count"] == "3 of 8 municipalities have values for 2024"
    assert "No value: Nykvarn, Nynäshamn, Salem, Södertälje and Tyresö." in en["rank_summary"]
    # 2023: Södertälje only
    one = _view(bundled_dataset, indicator="deaths", regions="0127", year="2023", lang="sv")
    ranks = dict(zip(one["rank"]["data"][0]["y"], one["rank"]["data"][0]["text"], strict=True))
    assert {name: text for name, text in ranks.items() if text != "saknas"} == {"Södertälje": "1 av 1"}
    assert one["rank_count"] == "1 av 8 kommuner har ett värde för 2023"


@pytest.mark.parametrize(
    ("indicator", "modes"),
    [
        ("population", ("value", "index", "change")),  # per 1 000 inhabitants of the population is 1 000
        ("births", MODES),
        ("in_commuters", MODES),
        ("net_commuting", ("value", "per1000")),  # signed: no index or % change across zero
        ("net_migration", ("value", "per1000")),
        ("natural_increase", ("value", "per1000")),
        ("tax_rate_total", ("value", "index", "change")),  # not a count
        ("employment_rate_20_64", ("value", "index", "change")),
    ],
)
def test_only_modes_that_mean_something_are_offered(bundled_dataset: Dataset, indicator: str, modes) -> None:
    ind = bundled_dataset.catalog.indicators[indicator]
    assert allowed_modes(ind, MODES) == modes
    assert [o["value"] for o in jamfor.mode_options(bundled_dataset, indicator, "sv")] == list(modes)
    for mode in set(MODES) - set(modes):  # a link asking for one falls back to the value, with a notice
        state = parse_query({"indicator": indicator, "mode": mode}, context_from(bundled_dataset))
        assert state.mode == "value" and [n.param for n in state.notices] == ["mode"]


def test_every_indicator_offers_its_value_and_per1000_only_for_counts(bundled_dataset: Dataset) -> None:
    for ind in bundled_dataset.catalog.indicators.values():
        allowed = allowed_modes(ind, MODES)
        assert allowed[0] == "value"
        assert ("per1000" in allowed) == (bool(ind.unit.count) and ind.id != "population")


def test_overview_marks_a_figure_older_than_its_cadence(bundled_dataset: Dataset) -> None:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    info = oversikt.overview_figures(bundled_dataset, "sv", now)
    botkyrka = info["figures"]["0127"]
    assert (botkyrka["net_commuting"].year, botkyrka["net_commuting"].old) == (2021, True)
    assert (botkyrka["population"].year, botkyrka["population"].old) == (2025, False)
    assert botkyrka["tax"].old is False
    for lang, marker in (("sv", "senaste år: 2021"), ("en", "latest year: 2021")):
        info = oversikt.overview_figures(bundled_dataset, lang, now)
        card = oversikt.card(bundled_dataset, "0127", info, lang, "#000")
        stats = card.children[2].children
        assert _text(stats[2].children[1]).endswith(marker)  # net commuting, beside its value
        assert "senaste år" not in _text(stats[0]) and "latest year" not in _text(stats[0])


def test_gap_notes_say_why_per_reason_from_the_rows() -> None:
    # rows as etl.query gives them: a missing row's source_ref says why after the separator
    sep = gaps.REASON_SEP
    cols = {
        "region_code": np.array(["0140"] * 5, dtype=object),
        "region": np.array(["Nykvarn"] * 5, dtype=object),
        "year": np.array([1997, 1998, 1999, 2000, 2001]),
        "value": np.array([np.nan, np.nan, 120.0, np.nan, 131.0]),
        "status": np.array(["missing", "missing", "ok", "missing", "ok"], dtype=object),
        "source_ref": np.array(
            [
                f"SCB TAB1264{sep}kommunen fanns inte (bildades 1999)",
                f"SCB TAB1264{sep}kommunen fanns inte (bildades 1999)",
                "SCB TAB1264",
                "SCB TAB1264",
                "SCB TAB1264",
            ],
            dtype=object,
        ),
    }
    found = gaps.region_gaps(cols, None, ("0140",), range(1997, 2002))
    assert [(g.years, g.whole) for g in found] == [((1997, 1998, 2000), False)]
    assert gaps.gap_texts(found, "Födda", "value", None, "sv") == [
        ("0140", "Nykvarn: inga värden för Födda 1997–1998 – kommunen fanns inte (bildades 1999)"),
        ("0140", "Nykvarn: inga värden för Födda 2000"),
    ]
