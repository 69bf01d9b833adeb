"""The API's query parameters: parsed and checked against the catalog and regions, pure.

`parse_observations(args, dataset, limits, fmt)` turns the raw query string
(name -> list of values, as `request.args.to_dict(flat=False)`) into an
`ObsQuery` or raises `ParamError` with a message an analyst can act on. Only
ids found in the catalog and regions leave this module, so no user string
reaches a query, a file path or a spreadsheet formula.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from dashboard.i18n import LANGS
from dashboard.state import GROUP, SEXES
from etl import settings
from etl.query import MODE_REASONS, MODES, Dataset, Selection, allowed_modes

FORMATS = ("csv", "json", "zip")
SEPARATORS = (",", ";")
DECIMALS = (".", ",")
YEAR = re.compile(r"^[0-9]{4}$")
MAX_VALUE_CHARS = 400
COMMON_PARAMS = ("indicator", "regions", "from", "to", "sex", "mode", "base", "lang")
CSV_PARAMS = ("sep", "decimal")


class ParamError(ValueError):
    """A request the API refuses; `message` is shown to the client as JSON with `status`."""

    def __init__(self, message: str, param: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status

    def body(self) -> dict[str, object]:
        return {
            "error": "bad_request" if self.status == 400 else "refused",
            "message": self.message,
            "param": self.param,
        }


@dataclass(frozen=True)
class Limits:
    """Request and result size limits (settings NYCKELTAL_API_MAX_*)."""

    max_indicators: int = 10
    max_regions: int = 40
    max_rows: int = 20000

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            settings.get_int("NYCKELTAL_API_MAX_INDICATORS"),
            settings.get_int("NYCKELTAL_API_MAX_REGIONS"),
            settings.get_int("NYCKELTAL_API_MAX_ROWS"),
        )


@dataclass(frozen=True)
class ObsQuery:
    """A checked observations request: every id exists, every number is in range."""

    fmt: str
    indicators: tuple[str, ...]
    regions: tuple[str, ...]
    year_from: int | None
    year_to: int | None
    sex: str = "T"
    mode: str = "value"
    base: int | None = None
    lang: str = "sv"
    sep: str = ","
    decimal: str = "."

    def selections(self) -> list[Selection]:
        """One query() selection per indicator, in the order asked."""
        return [
            Selection(i, self.regions, self.year_from, self.year_to, self.sex, self.mode, self.base)
            for i in self.indicators
        ]

    def canonical_url(self, prefix: str = "/api/v1") -> str:
        """The request's path and query string in canonical form (cited in the bundle)."""
        path = f"{prefix}/bundle.zip" if self.fmt == "zip" else f"{prefix}/observations.{self.fmt}"
        params = {
            "indicator": ",".join(self.indicators),
            "regions": ",".join(self.regions),
            "from": self.year_from,
            "to": self.year_to,
            "sex": self.sex,
            "mode": self.mode,
            "base": self.base,
            "lang": self.lang,
            "sep": self.sep if self.fmt != "json" else None,
            "decimal": self.decimal if self.fmt != "json" else None,
        }
        return path + "?" + urlencode({k: v for k, v in params.items() if v is not None}, safe=",;")

    def normalised(self) -> dict[str, object]:
        """The request as plain data, echoed in answers and hashed into the ETag."""
        out = asdict(self)
        out["indicators"] = list(self.indicators)
        out["regions"] = list(self.regions)
        if self.fmt == "json":
            out.pop("sep")
            out.pop("decimal")
        return out


def etag(version: object, what: Mapping[str, object]) -> str:
    """'"<dataset version>-<hash of the normalised request>"': changes with every publish."""
    digest = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f'"{version}-{digest}"'


def _single(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParamError(
            f"{name} is given {len(values)} times; give it once (several values: separate by commas)", name
        )
    value = values[0]
    if len(value) > MAX_VALUE_CHARS:
        raise ParamError(f"{name} is longer than {MAX_VALUE_CHARS} characters", name)
    return value


def _list(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))


def _show(text: str) -> str:
    """A user string made safe to echo in a message: printable, short."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return repr(clean[:40] + ("…" if len(clean) > 40 else ""))


def check_known(args: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> None:
    """Unknown parameter names are refused (a typo must not silently return everything)."""
    unknown = [k for k in args if k not in allowed]
    if unknown:
        names = ", ".join(_show(k) for k in unknown[:5])
        raise ParamError(f"unknown parameter(s) {names}; allowed: {', '.join(allowed)}", unknown[0])


def parse_lang(args: Mapping[str, Sequence[str]]) -> str:
    lang = _single(args, "lang")
    if lang is None:
        return "sv"
    if lang not in LANGS:
        raise ParamError(f"lang {_show(lang)} is not one of {', '.join(LANGS)}", "lang")
    return lang


def _year(args: Mapping[str, Sequence[str]], name: str) -> int | None:
    text = _single(args, name)
    if text is None:
        return None
    if not YEAR.match(text):
        raise ParamError(f"{name} {_show(text)} is not a year (four digits, e.g. 2024)", name)
    return int(text)


def parse_observations(args: Mapping[str, Sequence[str]], dataset: Dataset, limits: Limits, fmt: str) -> ObsQuery:
    """An ObsQuery from raw query parameters; ParamError says what is wrong and how to fix it."""
    if fmt not in FORMATS:
        raise ParamError(f"unknown format {_show(fmt)}; one of {', '.join(FORMATS)}", None, 404)
    check_known(args, COMMON_PARAMS + (CSV_PARAMS if fmt in ("csv", "zip") else ()))
    catalog, regions = dataset.catalog, dataset.regions

    text = _single(args, "indicator")
    if text is None or not _list(text):
        raise ParamError(
            "indicator is required: one or several ids separated by commas (see /api/v1/indicators)", "indicator"
        )
    indicators = _list(text)
    if len(indicators) > limits.max_indicators:
        raise ParamError(
            f"too many indicators ({len(indicators)}); at most {limits.max_indicators} per request", "indicator"
        )
    for ind in indicators:
        if ind not in catalog.indicators:
            raise ParamError(f"unknown indicator {_show(ind)} (see /api/v1/indicators)", "indicator")

    text = _single(args, "regions")
    if text is None:
        codes: tuple[str, ...] = tuple(regions.groups[GROUP].members)
    else:
        codes = _list(text)
        if not codes:
            raise ParamError("regions is empty; give region codes or a group id, e.g. sodertorn,0127", "regions")
    if len(codes) > limits.max_regions:
        raise ParamError(f"too many regions ({len(codes)}); at most {limits.max_regions} per request", "regions")
    for code in codes:
        if code not in regions.regions and code not in regions.groups:
            raise ParamError(f"unknown region {_show(code)} (see /api/v1/regions)", "regions")

    sex = _single(args, "sex") or "T"
    if sex not in SEXES:
        raise ParamError(f"sex {_show(sex)} is not one of {', '.join(SEXES)}", "sex")
    mode = _single(args, "mode") or "value"
    if mode not in MODES:
        raise ParamError(f"mode {_show(mode)} is not one of {', '.join(MODES)}", "mode")
    for ind_id in indicators:
        ind = catalog.indicators[ind_id]
        if sex not in ind.sexes:
            raise ParamError(f"{ind_id} has no values for sex {sex} (has {', '.join(ind.sexes)})", "sex")
        if mode == "per1000" and not ind.unit.count:
            raise ParamError(f"mode per1000 applies to counts only; {ind_id} is in {ind.unit.id}", "mode")
        if mode not in (allowed := allowed_modes(ind)):
            raise ParamError(
                f"mode {mode} means nothing for {ind_id} ({MODE_REASONS[mode]}); it has {', '.join(allowed)}", "mode"
            )

    year_from, year_to = _year(args, "from"), _year(args, "to")
    spans = [s for s in (dataset.years(i) for i in indicators) if s is not None]
    first = min((s[0] for s in spans), default=None)
    last = max((s[1] for s in spans), default=None)
    for name, value in (("from", year_from), ("to", year_to)):
        if value is not None and first is not None and last is not None and not first <= value <= last:
            raise ParamError(
                f"{name} {value} is outside the years {', '.join(indicators)} cover{'s' if len(indicators) == 1 else ''} "
                f"({first}–{last})",
                name,
            )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ParamError(f"from {year_from} is after to {year_to}", "from")

    base = _year(args, "base")
    if base is not None and mode != "index":
        raise ParamError("base applies to mode=index only", "base")
    if mode == "index":
        lo = year_from if year_from is not None else first
        hi = year_to if year_to is not None else last
        if base is None:
            base = lo
        if base is None or (lo is not None and hi is not None and not lo <= base <= hi):
            raise ParamError(f"base {base} must be a year between from and to ({lo}–{hi})", "base")

    sep = _single(args, "sep") or ","
    decimal = _single(args, "decimal") or "."
    if sep not in SEPARATORS:
        raise ParamError(f"sep {_show(sep)} is not one of , ;", "sep")
    if decimal not in DECIMALS:
        raise ParamError(f"decimal {_show(decimal)} is not one of . ,", "decimal")
    if sep == decimal:
        raise ParamError("sep and decimal are both ','; use sep=; with decimal=,", "decimal")

    query = ObsQuery(fmt, indicators, codes, year_from, year_to, sex, mode, base, parse_lang(args), sep, decimal)
    estimate = estimate_rows(query, dataset)
    if estimate > limits.max_rows:
        raise ParamError(
            f"the selection may return about {estimate} rows, more than the limit of {limits.max_rows}; "
            "ask for fewer indicators, regions or years",
            None,
        )
    return query


def estimate_rows(query: ObsQuery, dataset: Dataset) -> int:
    """Upper bound of the rows `query` returns (regions x years, per indicator), before running it."""
    total = 0
    for ind in query.indicators:
        span = dataset.years(ind)
        if span is None:
            total += len(query.regions)
            continue
        lo = max(span[0], query.year_from) if query.year_from is not None else span[0]
        hi = min(span[1], query.year_to) if query.year_to is not None else span[1]
        total += len(query.regions) * max(hi - lo + 1, 1)
    return total
