"""The /jamfor view's state as it lives in the URL query string: parse, normalise, serialise.

Pure: no Dash, no store. `parse_query` never raises; every unknown or malformed
value falls back to its default and is reported as a `Notice` the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from dashboard.i18n import DEFAULT_LANG, LANGS
from etl.query import MODES, allowed_modes

SEXES = ("T", "K", "M")
REFERENCES = ("01", "00")
GROUP = "sodertorn"
DEFAULT_INDICATOR = "population"
WHOLE = re.compile(r"-?[0-9]{1,9}")


@dataclass(frozen=True)
class IndicatorInfo:
    """What the state needs to know about one indicator."""

    sexes: tuple[str, ...]
    count: bool
    years: tuple[int, int] | None
    modes: tuple[str, ...] = MODES  # the view modes that mean something for it (etl.query.allowed_modes)


@dataclass(frozen=True)
class Context:
    """The choices that exist: indicators, the eight municipalities (in order)."""

    indicators: Mapping[str, IndicatorInfo]
    municipalities: tuple[str, ...]
    default_indicator: str = DEFAULT_INDICATOR


@dataclass(frozen=True)
class Notice:
    """A refused URL parameter value (the page shows it and uses the default)."""

    param: str
    value: str


@dataclass(frozen=True)
class ViewState:
    """What /jamfor shows: the parsed, normalised URL (with the notices of the values it refused)."""

    indicator: str
    regions: tuple[str, ...]
    year_from: int
    year_to: int
    year: int
    mode: str = "value"
    base: int | None = None
    sex: str = "T"
    ref: tuple[str, ...] = ()
    lang: str = DEFAULT_LANG
    notices: tuple[Notice, ...] = field(default=(), compare=False)

    @property
    def all_regions(self) -> tuple[str, ...]:
        """Municipalities/group then references: the query's region list."""
        return self.regions + self.ref


def default_state(ctx: Context, lang: str = DEFAULT_LANG, indicator: str | None = None) -> ViewState:
    ind = indicator if indicator in ctx.indicators else ctx.default_indicator
    first, last = ctx.indicators[ind].years or (2000, 2024)
    return ViewState(
        ind,
        tuple(ctx.municipalities),
        max(first, last - 24) if ind == DEFAULT_INDICATOR else first,
        last,
        last,
        "value",
        None,
        "T",
        (),
        lang,
    )


def one(raw: Mapping[str, object], key: str) -> str | None:
    """A query parameter's value as a string (the last one when given more than once), or None."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return str(value[-1]) if value else None
    return str(value)


def _int(text: str | None) -> int | None:
    """A whole number written with ASCII digits (at most 9), else None (so '²', '١٢' or a 5 000-digit
    year is an invalid value with a notice, not an error)."""
    if text is None or not WHOLE.fullmatch(text.strip()):
        return None
    return int(text)


def parse_query(raw: Mapping[str, object] | str, ctx: Context) -> ViewState:
    """A ViewState from query parameters (a '?a=b' string or a mapping); never raises."""
    if isinstance(raw, str):
        raw = {k: v for k, v in parse_qs(raw.lstrip("?"), keep_blank_values=True).items()}
    notices: list[Notice] = []

    def bad(param: str, value: str | None) -> None:
        notices.append(Notice(param, value if value is not None else ""))

    lang = one(raw, "lang")
    if lang is not None and lang not in LANGS:
        bad("lang", lang)
        lang = None
    lang = lang or DEFAULT_LANG

    ind = one(raw, "indicator")
    if ind is not None and (ind not in ctx.indicators or ctx.indicators[ind].years is None):
        bad("indicator", ind)
        ind = None
    state = default_state(ctx, lang, ind)
    info = ctx.indicators[state.indicator]
    first, last = info.years or (state.year_from, state.year_to)

    regions = one(raw, "regions")
    if regions is not None:
        codes = tuple(dict.fromkeys(c.strip() for c in regions.split(",") if c.strip()))
        allowed = (GROUP, *ctx.municipalities)
        if all(c in allowed for c in codes):
            state = replace(state, regions=codes)
        else:
            bad("regions", regions)

    ref = one(raw, "ref")
    if ref is not None:
        codes = tuple(dict.fromkeys(c.strip() for c in ref.split(",") if c.strip()))
        if all(c in REFERENCES for c in codes):
            state = replace(state, ref=codes)
        else:
            bad("ref", ref)

    y_from, y_to = state.year_from, state.year_to
    for key in ("from", "to"):
        text = one(raw, key)
        if text is None:
            continue
        value = _int(text)
        if value is None or not first <= value <= last:
            bad(key, text)
        elif key == "from":
            y_from = value
        else:
            y_to = value
    if y_from > y_to:
        bad("from", str(y_from))
        y_from, y_to = state.year_from, state.year_to
    state = replace(state, year_from=y_from, year_to=y_to, year=y_to)

    text = one(raw, "year")
    if text is not None:
        value = _int(text)
        if value is None or not y_from <= value <= y_to:
            bad("year", text)
        else:
            state = replace(state, year=value)

    sex = one(raw, "sex")
    if sex is not None:
        if sex in info.sexes:
            state = replace(state, sex=sex)
        else:
            bad("sex", sex)

    mode = one(raw, "mode")
    if mode is not None:
        if mode not in info.modes or (mode == "per1000" and not info.count):
            bad("mode", mode)
        else:
            state = replace(state, mode=mode)

    base_text = one(raw, "base")
    if state.mode == "index":
        base = _int(base_text) if base_text is not None else None
        if base_text is not None and (base is None or not y_from <= base <= y_to):
            bad("base", base_text)
            base = None
        state = replace(state, base=base if base is not None else y_from)
    return replace(state, notices=tuple(notices))


def to_params(state: ViewState) -> dict[str, str]:
    params = {
        "indicator": state.indicator,
        "regions": ",".join(state.regions),
        "from": str(state.year_from),
        "to": str(state.year_to),
        "year": str(state.year),
        "mode": state.mode,
        "base": str(state.base) if state.mode == "index" and state.base is not None else None,
        "sex": state.sex,
        "ref": ",".join(state.ref),
        "lang": state.lang,
    }
    return {k: v for k, v in params.items() if v is not None}


def to_query(state: ViewState) -> str:
    """'?indicator=...&regions=0127,0181&...' with commas kept readable."""
    return "?" + urlencode(to_params(state), safe=",")


def with_lang(search: str | None, lang: str) -> str:
    """The same query string with `lang` replaced (for the language switch and navigation)."""
    params = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?"), keep_blank_values=True).items()}
    params["lang"] = lang
    return "?" + urlencode(params, safe=",")


def lang_of(search: str | None) -> str:
    value = parse_qs((search or "").lstrip("?")).get("lang", [DEFAULT_LANG])[-1]
    return value if value in LANGS else DEFAULT_LANG


def context_from(dataset) -> Context:
    """The Context of a Dataset (the one place state meets the catalog)."""
    indicators = {
        ind.id: IndicatorInfo(tuple(ind.sexes), bool(ind.unit.count), dataset.years(ind.id), allowed_modes(ind, MODES))
        for ind in dataset.catalog.indicators.values()
    }
    return Context(indicators, tuple(dataset.regions.groups[GROUP].members))
