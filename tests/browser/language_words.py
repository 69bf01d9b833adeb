"""The words of each language that the catalog and the code produce, for the language test.

Derived, not hand-picked: every Swedish text and every English text of dashboard.i18n, the accessibility
statement (dashboard.pages.tillganglighet), the catalog
(themes, labels, descriptions, units, notes, breaks, reasons), the regions' names, etl.query's unit and
source, reason and secondary-source texts, the export's licence lines (etl.licences), the labels of
/nyckeltal's rows (etl/keyfigures.yaml), and the English phrases the ETL writes into the data
(dashboard.sources_text.ETL_PHRASES). A word of one language's texts that never occurs in the other's is
that language's own: seen on a page of the other language, it is a string left untranslated.
A published title quoted as published (the catalog's «Kolada title» in both languages' notes) is
neither language's own and is left out, here as on the pages (QUOTED); so is a publisher's name on a
page ("Tyresö kommun", etl/published_sources.yaml: a name, cited as the publisher writes it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from dashboard.i18n import TEXTS
from dashboard.pages.tillganglighet import STATEMENT
from dashboard.sources_text import ETL_PHRASES
from etl.catalog import load_catalog
from etl.dataset import GROUP_REFS, LAG_TEXT
from etl.keyfigures import load_keyfigures
from etl.licences import COMPUTED, NONE, OTHERS
from etl.query import MODE_REFS, MODE_UNITS, REASONS, SECONDARY_TEXT
from etl.regions import load_regions
from etl.sources.figures import RANKS_FILE

WORD = re.compile(r"[^\W\d_]{2,}")
FIELD = re.compile(r"\{[^}]*\}")
# quoted titles, cited as published: not checked on a page, not a word of either language's texts
QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|'[^']*'")
TITLE = re.compile(r"«[^»]*»|“[^”]*”")
_NAMES = {str(p["name"]) for p in yaml.safe_load(RANKS_FILE.read_text(encoding="utf-8"))["publishers"]}
PUBLISHER = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in sorted(_NAMES, key=len, reverse=True)))
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
    for table in (MODE_UNITS, MODE_REFS, GROUP_REFS, REASONS):
        yield from (texts[lang] for texts in table.values())
    yield from (text(lang) for text in (OTHERS, COMPUTED, NONE))
    yield LAG_TEXT[lang]
    yield SECONDARY_TEXT[lang]
    yield from (fig.label(lang) for section in load_keyfigures() for fig in section.figures if fig.label)
    if lang == "en":
        yield from ETL_PHRASES


def vocabulary() -> dict[str, set[str]]:
    """lang -> the words of that language's texts."""
    return {lang: set().union(*(words(TITLE.sub(" ", text)) for text in _texts(lang))) for lang in ("sv", "en")}


def foreign_words() -> dict[str, set[str]]:
    """page language -> the other language's own words (never in this language's texts)."""
    vocab = vocabulary()
    return {"sv": vocab["en"] - vocab["sv"], "en": vocab["sv"] - vocab["en"]}
