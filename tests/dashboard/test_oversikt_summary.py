"""The overview card's sentence compares with Stockholms län only when the county has a figure."""

from __future__ import annotations

from dashboard.pages.oversikt import Figure, summary_sentence


def test_a_missing_county_figure_is_said_missing_not_compared() -> None:
    growth = {"growth": Figure(0.9, 2025, "SCB")}
    missing = Figure(None, 2025, "")
    assert summary_sentence("Tyresö", growth, missing, 1, "sv") == (
        "Tyresö växte med 0,9\u00a0% under 2025, plats 1 av 8 bland Södertörnskommunerna; "
        "för Stockholms län saknas siffran för 2025."
    )
    assert summary_sentence("Tyresö", {"growth": Figure(-0.1, 2025, "SCB")}, missing, 7, "en") == (
        "Tyresö shrank by 0.1% in 2025, rank 7 of 8 among the Södertörn municipalities; "
        "Stockholm County has no figure for 2025."
    )


def test_a_county_figure_is_compared() -> None:
    growth = {"growth": Figure(0.9, 2025, "SCB")}
    assert summary_sentence("Tyresö", growth, Figure(0.5, 2025, "SCB"), 1, "sv") == (
        "Tyresö växte med 0,9\u00a0% under 2025, plats 1 av 8 bland Södertörnskommunerna, snabbare än Stockholms län (0,5\u00a0%)."
    )
    assert summary_sentence("Tyresö", growth, Figure(0.92, 2025, "SCB"), 1, "en").endswith(
        ", in step with Stockholm County (0.9%)."
    )
