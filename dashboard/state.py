"""The /jamfor view's state as it lives in the URL query string: parse, normalise, serialise.

Pure: no Dash, no store. `parse_query` never raises; every unknown or malformed
value falls back to its default and is reported as a `Notice` the page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qs, urlencode

from dashboard.i18n import DEFAULT_LANG, LANGS
from dashboard.url_spec import LANG, Notice, Param, take, to_search, url_texts
from etl.query import MODES, allowed_modes

SEXES = ("T", "K", "M")
REFERENCES = ("01", "00")
GROUP = "sodertorn"
DEFAULT_INDICATOR = "population"


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

    def params(self) -> dict[str, Any]:
        """Its URL parameters by name (jamfor_params' names), in the canonical URL's order (the fields'):
        `base` only in the index mode."""
        values = {URL_NAMES.get(f.name, f.name): getattr(self, f.name) for f in fields(self) if f.name != "notices"}
        values["base"] = values["base"] if self.mode == "index" else None
        return values


URL_NAMES = {"year_from": "from", "year_to": "to"}  # ViewState fields whose URL parameter has another name


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


def jamfor_params(ctx: Context, chosen: Mapping[str, Any]) -> list[Param]:
    """/jamfor's URL parameters, in the order they are read: each one's allowed values and default may
    depend on those `chosen` before it (the indicator's years, sexes and modes; the range from-to)."""
    state = default_state(ctx, chosen.get("lang", DEFAULT_LANG), chosen.get("indicator"))
    info = ctx.indicators[state.indicator]
    first, last = info.years or (state.year_from, state.year_to)
    years = range(first, last + 1)
    y_from, y_to = chosen.get("from", state.year_from), chosen.get("to", state.year_to)
    shown = range(y_from, y_to + 1)
    with_years = [i for i, known in ctx.indicators.items() if known.years is not None]
    return [
        LANG,
        Param("indicator", with_years, None),
        Param("regions", (GROUP, *ctx.municipalities), state.regions, "codes"),
        Param("ref", REFERENCES, (), "codes"),
        Param("from", years, state.year_from, "int"),
        Param("to", years, state.year_to, "int"),
        Param("year", shown, y_to, "int"),
        Param("sex", info.sexes, "T"),
        Param("mode", [m for m in info.modes if m != "per1000" or info.count], "value"),
        Param("base", shown, y_from, "int"),
    ]


def parse_query(raw: Mapping[str, object] | str, ctx: Context) -> ViewState:
    """A ViewState from query parameters (a '?a=b' string or a mapping); never raises.

    The parameters are read as `jamfor_params` declares them; one rule spans two: a range with from
    after to is refused (a notice for `from`) and the indicator's default range is used. `base` is
    read only in the index mode."""
    if isinstance(raw, str):
        raw = {k: v for k, v in parse_qs(raw.lstrip("?"), keep_blank_values=True).items()}
    notices: list[Notice] = []
    chosen: dict[str, Any] = {}
    declared = {p.name: p for p in jamfor_params(ctx, chosen)}
    for name in tuple(declared):
        if name == "year" and chosen["from"] > chosen["to"]:
            notices.append(Notice("from", str(chosen["from"])))
            chosen["from"], chosen["to"] = declared["from"].default, declared["to"].default
        if name in ("regions", "year"):  # those from here on depend on the indicator / the range chosen
            declared = {p.name: p for p in jamfor_params(ctx, chosen)}
        if name == "base" and chosen["mode"] != "index":
            chosen["base"] = None
            continue
        chosen[name] = take(raw, declared[name], notices)
    chosen["indicator"] = default_state(ctx, chosen["lang"], chosen["indicator"]).indicator
    by_field = {f.name: chosen[URL_NAMES.get(f.name, f.name)] for f in fields(ViewState) if f.name != "notices"}
    return ViewState(**by_field, notices=tuple(notices))


def to_params(state: ViewState) -> dict[str, str]:
    """The state's URL parameters as texts (those left out dropped)."""
    return url_texts(state.params())


def to_query(state: ViewState) -> str:
    """'?indicator=...&regions=0127,0181&...' with commas kept readable."""
    return to_search(state.params())


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
