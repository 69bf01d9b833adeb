"""One URL parameter declared as data: its name, type, allowed values and default, how a value is read
and how it is written back (`write`, `to_search`: the canonical query string of every page).

Pure (no Dash, no store). Both URL parsers use it: dashboard.state (/jamfor, whose later parameters depend on
earlier ones and on one rule across two: from <= to) and dashboard.page_params (the other pages).
A refused value becomes a `Notice` (the page shows it and uses the default); nothing here raises.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlencode

from dashboard.i18n import DEFAULT_LANG, LANGS

WHOLE = re.compile(r"-?[0-9]{1,9}")
KINDS = ("text", "int", "codes")  # a string, a whole number, a comma-separated list of codes
REFUSED = object()  # what Param.read gives for a value it refuses


class Notice(NamedTuple):
    """A refused URL parameter value (the page shows it and uses the default): a plain pair."""

    param: str
    value: str


@dataclass(frozen=True)
class Param:
    """One URL parameter: `allowed` holds the values (for "codes": each code) it takes; `default` is used
    when it is missing or refused."""

    name: str
    allowed: Collection[Any]
    default: Any
    kind: str = "text"

    def read(self, text: str) -> Any:
        """The value `text` stands for, or REFUSED."""
        if self.kind == "int":
            number = whole(text)
            return number if number is not None and number in self.allowed else REFUSED
        if self.kind == "codes":
            codes = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
            return codes if all(c in self.allowed for c in codes) else REFUSED
        return text if text in self.allowed else REFUSED


LANG = Param("lang", LANGS, DEFAULT_LANG)  # every page's first parameter


def one(raw: Mapping[str, object], key: str) -> str | None:
    """A query parameter's value as a string (the last one when given more than once), or None."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return str(value[-1]) if value else None
    return str(value)


def whole(text: str | None) -> int | None:
    """A whole number written with ASCII digits (at most 9), else None (so '²', '١٢' or a 5 000-digit
    year is an invalid value with a notice, not an error)."""
    if text is None or not WHOLE.fullmatch(text.strip()):
        return None
    return int(text)


def write(value: Any) -> str | None:
    """A parameter's value as the URL writes it (the inverse of `Param.read`): codes joined by commas, a
    number in digits, a text as it is; None when the parameter is left out."""
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def take(raw: Mapping[str, object], param: Param, notices: list[Notice]) -> Any:
    """`param`'s value in `raw`: its default when missing or refused (a refusal is added to `notices`)."""
    text = one(raw, param.name)
    if text is None:
        return param.default
    value = param.read(text)
    if value is REFUSED:
        notices.append(Notice(param.name, text))
        return param.default
    return value


def to_search(params: Mapping[str, Any]) -> str:
    """The canonical query string of parsed parameters ('?a=b&c=d,e', commas kept readable; a parameter
    whose value is None is left out): every page's, /jamfor's included."""
    return "?" + urlencode(url_texts(params), safe=",")


def url_texts(params: Mapping[str, Any]) -> dict[str, str]:
    """Parsed parameters as the URL writes them (dashboard.url_spec.write), those left out dropped."""
    return {name: text for name, value in params.items() if (text := write(value)) is not None}
