"""The indicator catalog: loaded from catalog.yaml and validated as a whole.

Everything the pipeline and the dashboard know about an indicator comes from
here: its sources in order of precedence, its unit, labels, aggregation rule,
notes and series breaks. Validation fails with every problem listed at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from etl.catalog_sources import SourceKind, parse_source_kinds, scb_contents_text, scb_problems, scb_table_text
from etl.yamlfile import load_yaml

CATALOG_FILE = Path(__file__).with_name("catalog.yaml")
AGGREGATIONS = ("sum", "weighted_mean", "none")
MEASURED = ("year_end", "during_year")  # a state at year end, or what happens during the year
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class Text:
    """A text in Swedish and English."""

    sv: str
    en: str

    def __call__(self, lang: str = "sv") -> str:
        return self.en if lang == "en" else self.sv


@dataclass(frozen=True)
class Unit:
    id: str
    label: Text
    min: float
    max: float
    decimals: int
    count: bool
    # plausibility against the published value (etl/checks.py check_revisions): a relative change
    # beyond jump_warn is a warning, beyond jump_fail a validation failure (unless --accept-jumps)
    jump_warn: float | None = None
    jump_fail: float | None = None


@dataclass(frozen=True)
class Aggregation:
    method: str
    weight: str | None = None
    weight_lag: int = 0
    reason: Text | None = None


@dataclass(frozen=True)
class SourceRef:
    """One entry of an indicator's ordered source list."""

    kind: str
    params: dict[str, Any]
    position: int
    declared: SourceKind | None = field(default=None, compare=False, repr=False)  # its kind, from its catalog

    @property
    def kind_declared(self) -> SourceKind:
        """The declaration of this entry's kind: its catalog's, else the project's (catalog.yaml)."""
        return self.declared or source_kinds()[self.kind]

    @property
    def source_name(self) -> str:
        return self.kind_declared.name

    def describe(self) -> str:
        """Short human reference, e.g. 'SCB TAB638 BE0101N1' or 'Kolada N01951' (catalog.yaml source_kinds)."""
        p = self.params
        if self.kind == "scb":
            return f"SCB {scb_table_text(p)} {scb_contents_text(p)}"
        template = self.kind_declared.describe
        return template.format(**p) if template else f"{self.source_name} {p}"


def source_kinds() -> dict[str, SourceKind]:
    """The declared kinds of source (catalog.yaml `source_kinds`)."""
    return load_catalog().source_kinds


@dataclass(frozen=True)
class Break:
    """A break in a series from `year` on (a new table, definition or border), with its note."""

    year: int
    label: Text


@dataclass(frozen=True)
class Indicator:
    id: str
    theme: str
    label: Text
    description: Text
    unit: Unit
    sexes: tuple[str, ...]
    aggregation: Aggregation
    cadence_months: int
    sources: tuple[SourceRef, ...] = ()
    formula: str | None = None
    notes: tuple[Text, ...] = ()
    breaks: tuple[Break, ...] = ()
    measured: str = "year_end"

    @property
    def derived(self) -> bool:
        return self.formula is not None

    def formula_terms(self) -> list[tuple[int, str]]:
        """The formula as (sign, indicator id) terms: 'a - b' -> [(1, 'a'), (-1, 'b')]."""
        return parse_formula(self.formula) if self.formula else []

    @property
    def primary_source(self) -> str:
        if self.derived:
            return "computed"
        return self.sources[0].source_name if self.sources else ""


@dataclass(frozen=True)
class Catalog:
    indicators: dict[str, Indicator]
    themes: dict[str, Text]
    units: dict[str, Unit]
    licences: dict[str, dict[str, str]] = field(default_factory=dict)
    source_kinds: dict[str, SourceKind] = field(default_factory=dict)

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            known = ", ".join(self.indicators)
            raise KeyError(f"unknown indicator {indicator_id!r}; known: {known}") from None

    def stored(self) -> list[Indicator]:
        return [i for i in self.indicators.values() if not i.derived]

    def derived(self) -> list[Indicator]:
        """Derived indicators, each after the ones it depends on."""
        return [i for i in self.indicators.values() if i.derived]


class CatalogError(ValueError):
    """catalog.yaml does not hold together; the message lists every problem."""


def parse_formula(formula: str) -> list[tuple[int, str]]:
    """'a + b - c' -> [(1,'a'), (1,'b'), (-1,'c')]. Only sums and differences are allowed."""
    tokens = formula.replace("+", " + ").replace("-", " - ").split()
    terms: list[tuple[int, str]] = []
    sign = 1
    expect_term = True
    for tok in tokens:
        if tok in "+-" and not expect_term:
            sign = 1 if tok == "+" else -1
            expect_term = True
        elif expect_term and ID_PATTERN.match(tok):
            terms.append((sign, tok))
            expect_term = False
        else:
            raise CatalogError(f"formula {formula!r}: unexpected {tok!r}")
    if expect_term:
        raise CatalogError(f"formula {formula!r} is incomplete")
    return terms


def _text(value: Any, where: str, problems: list[str]) -> Text:
    if not isinstance(value, dict) or not value.get("sv") or not value.get("en"):
        problems.append(f"{where}: needs both sv and en text")
        return Text("", "")
    return Text(str(value["sv"]), str(value["en"]))


def _bound(unit: dict[str, Any], key: str, where: str, problems: list[str]) -> float | None:
    """A unit's plausibility bound: a positive share (0.5 = a change of half the published value)."""
    raw = unit.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not raw > 0:
        problems.append(f"{where}: {key} must be a positive number (a share of the published value), not {raw!r}")
        return None
    return float(raw)


def parse_catalog(doc: dict[str, Any]) -> Catalog:
    """Build and validate the catalog from the parsed YAML document."""
    problems: list[str] = []
    # a document without its own kinds (a test's small catalog) uses the project's
    kinds = parse_source_kinds(doc["source_kinds"], problems) if "source_kinds" in doc else source_kinds()
    themes = {k: _text(v, f"theme {k}", problems) for k, v in (doc.get("themes") or {}).items()}
    units: dict[str, Unit] = {}
    for uid, u in (doc.get("units") or {}).items():
        warn, fail = (_bound(u, key, f"unit {uid}", problems) for key in ("jump_warn", "jump_fail"))
        if warn is not None and fail is not None and warn > fail:
            problems.append(f"unit {uid}: jump_warn {warn:g} is larger than jump_fail {fail:g}")
        units[uid] = Unit(
            uid,
            Text(u["sv"], u["en"]),
            float(u["min"]),
            float(u["max"]),
            int(u["decimals"]),
            bool(u["count"]),
            warn,
            fail,
        )
    indicators: dict[str, Indicator] = {}
    for n, item in enumerate(doc.get("indicators") or []):
        iid = str(item.get("id", f"#{n}"))
        where = f"indicator {iid}"
        if not ID_PATTERN.match(iid):
            problems.append(f"{where}: id must be a short snake_case word")
        if iid in indicators:
            problems.append(f"{where}: declared twice")
        if item.get("theme") not in themes:
            problems.append(f"{where}: theme {item.get('theme')!r} is not declared")
        if item.get("unit") not in units:
            problems.append(f"{where}: unit {item.get('unit')!r} is not declared")
            continue
        sexes = tuple(item.get("sexes") or ())
        if not sexes or any(s not in ("T", "K", "M") for s in sexes):
            problems.append(f"{where}: sexes must be a non-empty list of T, K, M")
        agg = item.get("aggregation") or {}
        method = agg.get("method")
        if method not in AGGREGATIONS:
            problems.append(f"{where}: aggregation method {method!r} is not one of {AGGREGATIONS}")
        if method == "weighted_mean" and not agg.get("weight"):
            problems.append(f"{where}: weighted_mean needs a named weight indicator")
        if method == "none" and not agg.get("reason"):
            problems.append(f"{where}: aggregation none needs a reason (sv, en) to show users")
        sources: list[SourceRef] = []
        for pos, entry in enumerate(item.get("sources") or []):
            if not isinstance(entry, dict) or len(entry) != 1:
                problems.append(f"{where}: source #{pos + 1} must be one of {tuple(kinds)} with its parameters")
                continue
            kind, params = next(iter(entry.items()))
            params = params or {}
            if kind not in kinds:
                problems.append(f"{where}: source kind {kind!r} is not one of {tuple(kinds)}")
                continue
            for key in kinds[kind].requires:
                if key not in params:
                    problems.append(f"{where}: {kind} source #{pos + 1} lacks {key!r}")
            if kind == "scb" and params.get("regions") not in ("municipalities", "references"):
                problems.append(f"{where}: scb source #{pos + 1}: regions must be municipalities or references")
            if kind == "scb":
                problems += [f"{where}: scb source #{pos + 1}: {p}" for p in scb_problems(params)]
            if kind == "county_sum" and method != "sum":
                problems.append(f"{where}: a county may only be computed for indicators that aggregate by sum")
            if kind == "county_sum" and item.get("theme") == "commuting":
                problems.append(
                    f"{where}: no county sum for commuting (flows inside the county do not cross its border)"
                )
            sources.append(SourceRef(kind, dict(params), pos, kinds[kind]))
        measured = item.get("measured", "year_end")
        if measured not in MEASURED:
            problems.append(f"{where}: measured must be one of {MEASURED}")
        formula = (item.get("derive") or {}).get("formula")
        if formula and sources:
            problems.append(f"{where}: a derived indicator takes no sources")
        if not formula and not sources:
            problems.append(f"{where}: needs sources or a derive formula")
        if formula:
            try:
                parse_formula(formula)
            except CatalogError as exc:
                problems.append(f"{where}: {exc}")
        try:
            indicators[iid] = Indicator(
                id=iid,
                theme=item.get("theme", ""),
                label=_text(item.get("label"), f"{where} label", problems),
                description=_text(item.get("description"), f"{where} description", problems),
                unit=units[item["unit"]],
                sexes=sexes,
                aggregation=Aggregation(
                    method=method or "none",
                    weight=agg.get("weight"),
                    weight_lag=int(agg.get("weight_lag", 0)),
                    reason=_text(agg["reason"], f"{where} reason", problems) if agg.get("reason") else None,
                ),
                cadence_months=int(item.get("cadence_months", 12)),
                sources=tuple(sources),
                formula=formula,
                notes=tuple(_text(t, f"{where} note", problems) for t in item.get("notes") or ()),
                breaks=tuple(Break(int(b["year"]), Text(b["sv"], b["en"])) for b in item.get("breaks") or ()),
                measured=measured,
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
    for ind in indicators.values():
        if ind.aggregation.weight and ind.aggregation.weight not in indicators:
            problems.append(f"indicator {ind.id}: weight {ind.aggregation.weight!r} is not an indicator")
        for _, dep in ind.formula_terms():
            if dep not in indicators:
                problems.append(f"indicator {ind.id}: formula uses unknown indicator {dep!r}")
            elif indicators[dep].derived:
                problems.append(f"indicator {ind.id}: formula input {dep!r} must be a stored indicator")
    if problems:
        raise CatalogError("catalog.yaml has problems:\n  " + "\n  ".join(problems))
    return Catalog(
        indicators=indicators, themes=themes, units=units, licences=doc.get("licences") or {}, source_kinds=kinds
    )


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The project's catalog plus an analyst's extra catalog (setting NYCKELTAL_EXTRA_CATALOG)."""
    from etl import settings

    with open(CATALOG_FILE, encoding="utf-8") as fh:
        doc = load_yaml(fh)
    extra = settings.get("NYCKELTAL_EXTRA_CATALOG")
    if extra:
        try:
            with open(extra, encoding="utf-8") as fh:
                more = load_yaml(fh) or {}
        except OSError as exc:
            raise CatalogError(f"NYCKELTAL_EXTRA_CATALOG={extra}: cannot read it ({exc.strerror})") from None
        except yaml.YAMLError as exc:
            raise CatalogError(
                f"NYCKELTAL_EXTRA_CATALOG={extra} is not valid YAML: {str(exc).splitlines()[0]}"
            ) from None
        doc["indicators"] = list(doc["indicators"]) + list(more.get("indicators") or [])
    return parse_catalog(doc)
