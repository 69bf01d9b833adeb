"""The indicator picker's options (dashboard.picker): by theme in catalog order, with coverage for the eight."""

from __future__ import annotations

from dataclasses import replace

from dashboard.pages.jamfor import indicator_options
from dashboard.picker import THEME_PREFIX, coverage_text, picker_options
from etl.catalog import Text
from etl.query import Dataset


def _texts(option: dict) -> list[str]:
    return [part.children for part in option["label"].children]


def test_grouped_by_the_catalogs_themes_with_coverage(bundled_dataset: Dataset) -> None:
    options = indicator_options(bundled_dataset, "sv")
    headings = [o["search"] for o in options if o["value"].startswith(THEME_PREFIX)]
    assert headings == [theme("sv") for theme in bundled_dataset.catalog.themes.values()]
    by_value = {o["value"]: o for o in options}
    assert _texts(by_value["net_commuting"]) == ["Nettopendling", "1993–2021"]
    assert by_value["net_commuting"]["disabled"] is False
    assert "Pendling" in by_value["net_commuting"]["search"]  # typing a theme finds its indicators
    # every indicator is listed; those without data offline disabled and saying so
    assert set(bundled_dataset.catalog.indicators) <= set(by_value)
    missing = [o for o in options if not o["value"].startswith(THEME_PREFIX) and o["disabled"]]
    assert missing and all(_texts(o)[1] == "saknas offline" for o in missing)
    assert all(bundled_dataset.years(o["value"]) is None for o in missing)


def test_a_theme_added_to_the_catalog_appears_in_its_place(bundled_dataset: Dataset) -> None:
    catalog = bundled_dataset.catalog
    themes = {"schools": Text("Skola", "Schools"), **catalog.themes}
    indicators = dict(catalog.indicators)
    indicators["population"] = replace(indicators["population"], theme="schools")
    options = picker_options(replace(catalog, themes=themes, indicators=indicators), {"population": (1968, 2025)}, "en")
    assert options[0]["search"] == "Schools" and options[1]["value"] == "population"
    assert _texts(options[1]) == ["Population", "1968–2025"]


def test_coverage_text() -> None:
    assert coverage_text((1968, 2025), "sv") == "1968–2025"
    assert coverage_text((2024, 2024), "en") == "2024"
    assert coverage_text(None, "sv") == "saknas offline" and coverage_text(None, "en") == "missing offline"
