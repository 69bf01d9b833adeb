"""URL state of /jamfor: round trips, and malformed values fall back to defaults with a notice."""

from __future__ import annotations

import pytest

from dashboard.state import (
    Context,
    IndicatorInfo,
    Notice,
    ViewState,
    default_state,
    lang_of,
    parse_query,
    to_query,
    with_lang,
)
from dashboard.url_spec import to_search

EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")
CTX = Context(
    indicators={
        "population": IndicatorInfo(("T", "K", "M"), True, (1950, 2025)),
        "tax_rate_total": IndicatorInfo(("T",), False, (2000, 2026)),
        "median_income_20_64": IndicatorInfo(("T", "K", "M"), False, None),
    },
    municipalities=EIGHT,
)
SHARE = "?indicator=population&regions=0127,0181&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01&lang=sv"


def test_share_link_parses_exactly() -> None:
    state = parse_query(SHARE, CTX)
    assert state == ViewState("population", ("0127", "0181"), 2000, 2024, 2024, "value", None, "T", ("01",), "sv")
    assert state.notices == ()
    assert state.all_regions == ("0127", "0181", "01")


def test_round_trip_is_exact() -> None:
    assert to_query(parse_query(SHARE, CTX)) == SHARE
    index = "?indicator=population&regions=sodertorn,0138&from=2005&to=2020&year=2010&mode=index&base=2008&sex=K&ref=01,00&lang=en"
    state = parse_query(index, CTX)
    assert (state.mode, state.base, state.sex, state.lang, state.regions, state.ref) == (
        "index",
        2008,
        "K",
        "en",
        ("sodertorn", "0138"),
        ("01", "00"),
    )
    assert to_query(state) == index
    assert parse_query(to_query(state), CTX) == state


def test_the_url_is_written_from_the_parameters_and_base_only_in_the_index_mode() -> None:
    state = ViewState("population", ("0127",), 2000, 2024, 2024, "value", 2008, "T", (), "en")
    assert (
        to_query(state)
        == "?indicator=population&regions=0127&from=2000&to=2024&year=2024&mode=value&sex=T&ref=&lang=en"
    )
    assert to_search({"regions": ("0127", "0181"), "year": 2024, "base": None}) == "?regions=0127,0181&year=2024"


def test_mapping_input_as_dash_pages_passes_it() -> None:
    state = parse_query({"indicator": "tax_rate_total", "regions": "", "lang": "en"}, CTX)
    assert state.regions == () and state.indicator == "tax_rate_total" and state.lang == "en"
    assert (state.year_from, state.year_to, state.year) == (2000, 2026, 2026)


def test_empty_query_is_the_default_view() -> None:
    state = parse_query("", CTX)
    assert state == default_state(CTX)
    assert state.regions == EIGHT and state.notices == ()


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("?indicator=nonsense", "indicator"),
        ("?indicator=median_income_20_64", "indicator"),  # no data
        ("?regions=0127,9999", "regions"),
        ("?ref=01,02", "ref"),
        ("?from=abc", "from"),
        ("?from=1800", "from"),
        ("?to=2100", "to"),
        ("?from=2020&to=2010", "from"),
        ("?year=1990&from=2000", "year"),
        ("?mode=cubic", "mode"),
        ("?indicator=tax_rate_total&mode=per1000", "mode"),
        ("?indicator=tax_rate_total&sex=K", "sex"),
        ("?sex=X", "sex"),
        ("?mode=index&base=x", "base"),
        ("?lang=de", "lang"),
    ],
)
def test_malformed_values_fall_back_with_notice(query: str, param: str) -> None:
    state = parse_query(query, CTX)
    assert param in [n.param for n in state.notices]
    defaults = default_state(CTX, state.lang, state.indicator)
    field = {
        "from": "year_from",
        "to": "year_to",
        "indicator": "indicator",
        "regions": "regions",
        "ref": "ref",
        "mode": "mode",
        "sex": "sex",
        "lang": "lang",
    }.get(param)
    if field:
        assert getattr(state, field) == getattr(defaults, field)
    assert parse_query(to_query(state), CTX).notices == ()  # the corrected URL is clean


def test_notice_carries_the_bad_value() -> None:
    assert parse_query("?mode=cubic", CTX).notices == (Notice("mode", "cubic"),)


def test_index_without_base_uses_first_year() -> None:
    state = parse_query("?mode=index&from=2010&to=2020", CTX)
    assert state.base == 2010 and state.notices == ()


def test_lang_helpers() -> None:
    assert lang_of("?a=1&lang=en") == "en"
    assert lang_of("?lang=xx") == "sv"
    assert (
        with_lang("?indicator=population&regions=0127,0181&lang=sv", "en")
        == "?indicator=population&regions=0127,0181&lang=en"
    )
    assert with_lang("", "en") == "?lang=en"
