"""The words of each language that the catalog and the code produce, for the language test.

Derived, not hand-picked: every Swedish text and every English text of dashboard.i18n, the accessibility
statement (dashboard.pages.tillganglighet), the catalog
(themes, labels, descriptions, units, notes, breaks, reasons), the regions' names, etl.query's unit and
source texts, and the English phrases the ETL writes into the data (dashboard.sources_text.ETL_PHRASES).
A word of one language's texts that never occurs in the other's is that language's own: seen on a
page of the other language, it is a string left untranslated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dashboard.i18n import TEXTS
from dashboard.pages.tillganglighet import STATEMENT
from dashboard.sources_text import ETL_PHRASES
from etl.catalog import load_catalog
from etl.query import GROUP_REFS, LAG_TEXT, MODE_REFS, MODE_UNITS
from etl.regions import load_regions

WORD = re.compile(r"[^\W\d_]{2,}")
FIELD = re.compile(r"\{[^}]*\}")
# the language switch names the other language on purpose ("English" / "Svenska")
SWITCH_KEYS = ("lang_switch", "lang_switch_title")


def _strings(value: object) -> Iterable[str]:
    """Every string in nested dicts/lists/tuples (the accessibility statement's data)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(FIELD.sub(" ", text))}


def _texts(lang: str) -> Iterable[str]:
    yield from (v for k, v in TEXTS[lang].items() if k not in SWITCH_KEYS)
    yield from _strings(STATEMENT[lang])
    catalog = load_catalog()
    yield from (theme(lang) for theme in catalog.themes.values())
    for unit in catalog.units.values():
        yield unit.label(lang)
    for ind in catalog.indicators.values():
        yield ind.label(lang)
        yield ind.description(lang)
        yield from (n(lang) for n in ind.notes)
        yield from (b.label(lang) for b in ind.breaks)
        if ind.aggregation.reason:
            yield ind.aggregation.reason(lang)
    regions = load_regions()
    yield from (regions.name(code, lang) for code in regions.regions)
    yield from (g.name(lang) for g in regions.groups.values())
    for table in (MODE_UNITS, MODE_REFS, GROUP_REFS):
        yield from (texts[lang] for texts in table.values())
    yield LAG_TEXT[lang]
    if lang == "en":
        yield from ETL_PHRASES


def vocabulary() -> dict[str, set[str]]:
    """lang -> the words of that language's texts."""
    return {lang: set().union(*(words(text) for text in _texts(lang))) for lang in ("sv", "en")}


def foreign_words() -> dict[str, set[str]]:
    """page language -> the other language's own words (never in this language's texts)."""
    vocab = vocabulary()
    return {"sv": vocab["en"] - vocab["sv"], "en": vocab["sv"] - vocab["en"]}
