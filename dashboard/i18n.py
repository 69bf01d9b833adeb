"""The dashboard's texts in Swedish and English, and the numbers, dates and times formatted as each writes them.

The texts are data, in dashboard/texts.yaml: `TEXTS[lang][key]`, with `str.format` fields. Swedish numbers use
a narrow no-break space as thousands separator and a decimal comma ("1 234,5");
English ones a comma and a point ("1,234.5").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from etl.yamlfile import load_yaml

STOCKHOLM = ZoneInfo("Europe/Stockholm")

LANGS = ("sv", "en")
DEFAULT_LANG = "sv"
THIN_SPACE = "\u202f"  # narrow no-break space, the Swedish thousands separator on screen
PLOTLY_SEPARATORS = {"sv": ", ", "en": ".,"}  # decimal then thousands, as plotly's layout.separators

TEXTS_FILE = Path(__file__).with_name("texts.yaml")


class TextsError(ValueError):
    """dashboard/texts.yaml is not one entry a key with a non-empty text in every language of LANGS."""


def load_texts(path: Path = TEXTS_FILE) -> dict[str, dict[str, str]]:
    """`{lang: {key: text}}` from the texts file (`key: {sv: ..., en: ...}`), refusing an entry that lacks a
    language, has one more, or holds anything but a non-empty text."""
    source = path.read_text(encoding="utf-8")
    entries = load_yaml(source)
    if not isinstance(entries, dict) or not entries:
        raise TextsError(f"{path}: expected a mapping of text keys to {{sv: ..., en: ...}}")
    keys = re.findall(r"^([^\s#][^:]*):", source, flags=re.MULTILINE)  # YAML keeps only the last of a repeated key
    repeated = sorted(key for key, n in Counter(keys).items() if n > 1)
    if repeated:
        raise TextsError(f"{path}: each text key once; given more than once: {', '.join(repeated)}")
    texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGS):
            got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise TextsError(f"{path}: the text {key!r} must give exactly {', '.join(LANGS)} (it gives {got})")
        for lang in LANGS:
            if not isinstance(entry[lang], str) or not entry[lang].strip():
                raise TextsError(f"{path}: the text {key!r} has no {lang} text")
            texts[lang][str(key)] = entry[lang]
    return texts


TEXTS: dict[str, dict[str, str]] = load_texts()


def norm_lang(lang: Any) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fields: Any) -> str:
    """The text `key` in `lang`, with `fields` filled in."""
    text = TEXTS[norm_lang(lang)][key]
    return text.format(**fields) if fields else text


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return str(value) in ("<NA>", "nan")


def fmt_number(value: Any, decimals: int = 0, lang: str = DEFAULT_LANG, sign: bool = False, missing: str = "–") -> str:
    """1234.5 -> '1 234,5' (sv, narrow no-break space) or '1,234.5' (en); missing -> '–'."""
    if is_missing(value):
        return missing
    number = float(value)
    text = f"{number:{'+' if sign else ''},.{decimals}f}"
    if text.lstrip("+-").strip("0.,") == "" and text.startswith("-"):
        text = text[1:]  # no "-0"
    if norm_lang(lang) == "sv":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", THIN_SPACE).replace("-", "\u2212")
    return text


def fmt_percent(value: Any, decimals: int = 1, lang: str = DEFAULT_LANG, sign: bool = False) -> str:
    if is_missing(value):
        return "–"
    return fmt_number(value, decimals, lang, sign) + ("\u00a0%" if norm_lang(lang) == "sv" else "%")


def fmt_date(iso: str | None, lang: str = DEFAULT_LANG) -> str:
    """'2026-11-27T02:50:03Z' -> '2026-11-27' (ISO dates read the same in both languages)."""
    if not iso:
        return t("data_unavailable", lang)
    return str(iso)[:10]


def fmt_time(iso: str | None) -> str:
    """'2026-11-27T02:50:03Z' -> '2026-11-27 03:50', Stockholm time (as the schedule runs); a text that is
    not an ISO time is shown as it is."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
