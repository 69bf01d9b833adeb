"""The declared key-figure list of /nyckeltal (etl/keyfigures.yaml): loaded and validated against the catalog.

Which figures the table shows, in which order and grouped under which theme, is data. Validation lists
every problem at once, as the catalog's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from etl.catalog import Catalog, Text, load_catalog
from etl.yamlfile import load_yaml

KEYFIGURES_FILE = Path(__file__).with_name("keyfigures.yaml")
MODES = ("value", "change")
DIRECTIONS = ("higher_better", "lower_better", "neutral")


class KeyFiguresError(ValueError):
    """keyfigures.yaml does not hold together; the message lists every problem."""


@dataclass(frozen=True)
class KeyFigure:
    """One row of the table: an indicator in a mode and sex, with its declared direction."""

    indicator: str
    mode: str = "value"
    sex: str = "T"
    direction: str = "neutral"
    label: Text | None = None

    @property
    def key(self) -> str:
        """A stable id for the row (URL, tests, exports): 'population' or 'population.change'."""
        parts = (
            [self.indicator] + ([self.mode] if self.mode != "value" else []) + ([self.sex] if self.sex != "T" else [])
        )
        return ".".join(parts)


@dataclass(frozen=True)
class Section:
    theme: str
    figures: tuple[KeyFigure, ...]


def parse_keyfigures(doc: Any, catalog: Catalog) -> tuple[Section, ...]:
    """The sections of `doc` (the parsed YAML), checked against `catalog`."""
    problems: list[str] = []
    sections: list[Section] = []
    seen: set[str] = set()
    raw_sections = (doc or {}).get("sections") if isinstance(doc, dict) else None
    if not isinstance(raw_sections, list) or not raw_sections:
        raise KeyFiguresError("keyfigures.yaml has problems:\n  needs a non-empty list 'sections'")
    for n, raw in enumerate(raw_sections):
        theme = str((raw or {}).get("theme", f"#{n + 1}"))
        where = f"section {theme}"
        if theme not in catalog.themes:
            problems.append(f"{where}: theme {theme!r} is not a theme of the catalog")
        figures: list[KeyFigure] = []
        for m, item in enumerate((raw or {}).get("figures") or []):
            if not isinstance(item, dict):
                problems.append(f"{where}: figure #{m + 1} must be a mapping with 'indicator'")
                continue
            iid = str(item.get("indicator", ""))
            fig_where = f"{where}: figure {iid or '#' + str(m + 1)}"
            mode = str(item.get("mode", "value"))
            sex = str(item.get("sex", "T"))
            direction = str(item.get("direction", "neutral"))
            indicator = catalog.indicators.get(iid)
            if indicator is None:
                problems.append(f"{fig_where}: not an indicator of the catalog")
            elif sex not in indicator.sexes:
                problems.append(f"{fig_where}: sex {sex!r} is not one of {', '.join(indicator.sexes)}")
            if mode not in MODES:
                problems.append(f"{fig_where}: mode {mode!r} is not one of {', '.join(MODES)}")
            if direction not in DIRECTIONS:
                problems.append(f"{fig_where}: direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
            label = item.get("label")
            text = None
            if label is not None:
                if not isinstance(label, dict) or not label.get("sv") or not label.get("en"):
                    problems.append(f"{fig_where}: label needs both sv and en text")
                else:
                    text = Text(str(label["sv"]), str(label["en"]))
            elif mode != "value":
                problems.append(f"{fig_where}: a {mode} row needs its own label (sv, en)")
            figure = KeyFigure(iid, mode, sex, direction, text)
            if figure.key in seen:
                problems.append(f"{fig_where}: declared twice ({figure.key})")
            seen.add(figure.key)
            figures.append(figure)
        if not figures:
            problems.append(f"{where}: has no figures")
        sections.append(Section(theme, tuple(figures)))
    if problems:
        raise KeyFiguresError("keyfigures.yaml has problems:\n  " + "\n  ".join(problems))
    return tuple(sections)


def load_keyfigures_file(path: Path, catalog: Catalog) -> tuple[Section, ...]:
    with open(path, encoding="utf-8") as fh:
        return parse_keyfigures(load_yaml(fh), catalog)


@lru_cache(maxsize=1)
def load_keyfigures() -> tuple[Section, ...]:
    """The project's key-figure list, checked against the project's catalog."""
    return load_keyfigures_file(KEYFIGURES_FILE, load_catalog())
