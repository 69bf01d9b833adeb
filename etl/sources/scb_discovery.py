"""Find SCB tables at run time instead of trusting guessed PxWebApi 2.0 ids.

Some SCB tables nyckeltal needs (BAS commuting per municipality, the
municipality-pair commuting tables) were never verified offline: their v2 ids
(TAB…) and ContentsCodes are unknown here. A `TableFinder` says how to recognise
such a table in the answer of `GET /tables?query=…` (its folder in `paths`, its
label, variable names, first/last year, whether it may be discontinued); the
pure functions below pick exactly one table from all pages of that answer and
check it against its metadata, choosing ContentsCode and sex codes by their
label text. Zero or several matches fail with one SourceError line naming the
search and the candidates, so a renamed or split table is noticed, never guessed.

The finders themselves are declared in etl/scb_finders.py (pure data, which the catalog checks
its `find:` entries against without loading this adapter code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from etl.errors import SourceError
from etl.scb_finders import TableFinder, finder_from_params, texts_of

SOURCE = "SCB"
MAX_PAGES = 50  # a search answer longer than this is not a search for one table
PAGE_SIZE = 100


@dataclass(frozen=True)
class Candidate:
    """One table of a /tables answer, as much as the finder looks at."""

    id: str
    label: str
    folders: tuple[str, ...]
    variables: tuple[str, ...]
    first_period: str
    last_period: str
    discontinued: bool
    updated: str | None = None
    reasons: tuple[str, ...] = field(default=(), compare=False)

    def short(self) -> str:
        flag = ", discontinued" if self.discontinued else ""
        where = "/".join(self.folders[-1:]) or "?"
        return f"{self.id} '{self.label}' [{where}, {self.first_period}–{self.last_period}{flag}]"


def norm(text: str) -> str:
    """Case- and space-insensitive form of a label: 'Bostad  I kommunen ' -> 'bostad i kommunen'."""
    return " ".join(str(text).split()).casefold()


# ---------------------------------------------------------------- /tables answers (pure)
def parse_tables_page(doc: Any, described: str) -> tuple[list[Candidate], int]:
    """One /tables answer (PxWebApi 2.0 TablesResponse) -> (its tables, totalPages)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), list):
        raise SourceError(SOURCE, "tables", described, "the /tables answer has no 'tables' list")
    out = []
    for item in doc["tables"]:
        if not isinstance(item, dict) or not item.get("id"):
            raise SourceError(SOURCE, "tables", described, "a table in the /tables answer has no id")
        folders = tuple(
            str(el.get("id"))
            for path in item.get("paths") or []
            for el in (path if isinstance(path, list) else [])
            if isinstance(el, dict) and el.get("id")
        )
        out.append(
            Candidate(
                id=str(item["id"]),
                label=str(item.get("label") or ""),
                folders=folders,
                variables=tuple(str(v) for v in item.get("variableNames") or ()),
                first_period=str(item.get("firstPeriod") or ""),
                last_period=str(item.get("lastPeriod") or ""),
                discontinued=bool(item.get("discontinued")),
                updated=item.get("updated"),
            )
        )
    page = doc.get("page") or {}
    total = page.get("totalPages") if isinstance(page, dict) else None
    return out, int(total) if isinstance(total, int) and total > 0 else 1


def mismatches(finder: TableFinder, cand: Candidate) -> list[str]:
    """Why `cand` is not the table `finder` describes (empty: it is)."""
    why = []
    if finder.folder not in cand.folders:
        why.append(f"not in folder {finder.folder}")
    for pattern in finder.label:
        if not re.search(pattern, cand.label, re.IGNORECASE):
            why.append(f"label does not match {pattern!r}")
    for pattern in finder.variables:
        if not any(re.search(pattern, norm(v), re.IGNORECASE) for v in cand.variables):
            why.append(f"no variable matching {pattern!r}")
    if finder.first_year is not None and not cand.first_period.startswith(str(finder.first_year)):
        why.append(f"starts {cand.first_period or '?'}, not {finder.first_year}")
    if finder.last_year is not None and not cand.last_period.startswith(str(finder.last_year)):
        why.append(f"ends {cand.last_period or '?'}, not {finder.last_year}")
    if finder.discontinued is False and cand.discontinued:
        why.append("discontinued")
    if finder.discontinued is True and not cand.discontinued:
        why.append("not discontinued")
    return why


def pick_table(finder: TableFinder, candidates: Sequence[Candidate], described: str) -> Candidate:
    """Exactly one candidate matching `finder`, else a SourceError naming the search and the candidates."""
    seen: dict[str, Candidate] = {}
    for cand in candidates:
        seen.setdefault(cand.id, cand)
    matching = [c for c in seen.values() if not mismatches(finder, c)]
    if len(matching) == 1:
        return matching[0]
    if matching:
        listed = "; ".join(c.short() for c in matching)
        raise SourceError(
            SOURCE,
            finder.name,
            described,
            f"table finder {finder.describe()} matched {len(matching)} tables, expected one: {listed}"
            " — make the finder stricter (label, years) in etl/scb_finders.py or the catalog",
        )
    near = [c for c in seen.values() if finder.folder in c.folders] or list(seen.values())
    listed = "; ".join(f"{c.short()}: {', '.join(mismatches(finder, c))}" for c in near[:8]) or "none"
    raise SourceError(
        SOURCE,
        finder.name,
        described,
        f"table finder {finder.describe()} matched no table (SCB renamed or moved it?); "
        f"candidates: {listed} — update the finder in etl/scb_finders.py or the catalog",
    )


# ---------------------------------------------------------------- metadata (pure)
def check_dimensions(finder: TableFinder | None, table: str, metadata: dict[str, Any], needed: Iterable[str]) -> None:
    """The table has every dimension the finder and the request need."""
    dims = list(metadata.get("id") or metadata.get("dimension", {}))
    wanted = list(dict.fromkeys([*(finder.dims if finder else ()), *needed]))
    lacking = [d for d in wanted if d not in dims]
    if lacking:
        what = f" found by {finder.describe()}" if finder else ""
        raise SourceError(
            SOURCE,
            table,
            f"GET /tables/{table}/metadata",
            f"table{what} lacks dimension(s) {', '.join(lacking)} (it has {', '.join(dims)})",
        )


def codes_by_label(metadata: dict[str, Any], table: str, variable: str, texts: Sequence[str]) -> list[str]:
    """The codes of `variable` whose label equals one of `texts` (case/space-insensitive), in `texts` order."""
    try:
        labels = metadata["dimension"][variable]["category"].get("label") or {}
    except (KeyError, TypeError, AttributeError):
        raise SourceError(SOURCE, table, f"GET /tables/{table}/metadata", f"dimension {variable!r} not found") from None
    by_text: dict[str, list[str]] = {}
    for code, label in labels.items():
        by_text.setdefault(norm(label), []).append(str(code))
    out: list[str] = []
    for text in texts:
        for code in by_text.get(norm(text), []):
            if code not in out:
                out.append(code)
    return out


def one_code_by_label(metadata: dict[str, Any], table: str, variable: str, texts: Sequence[str]) -> str:
    """The one code of `variable` labelled by one of `texts`; SourceError listing the labels otherwise."""
    codes = codes_by_label(metadata, table, variable, texts)
    if len(codes) == 1:
        return codes[0]
    labels = metadata["dimension"][variable]["category"].get("label") or {}
    have = "; ".join(f"{c} {t!r}" for c, t in labels.items())
    wanted = " or ".join(repr(t) for t in texts)
    problem = "no" if not codes else f"{len(codes)} codes ({', '.join(codes)}) where one is expected:"
    raise SourceError(
        SOURCE,
        table,
        f"GET /tables/{table}/metadata",
        f"{problem} {variable} labelled {wanted}; the table has {have}",
    )


def resolve_params(params: dict[str, Any], table: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """A catalog SCB source's parameters with the found table and label-chosen codes filled in.

    `contents_label` becomes `contents`, `sex: {variable, labels: {T: [texts]}}` becomes
    `sex: {variable, codes}` plus the matching `select` entry. The result is an ordinary
    SCB source (table + contents codes) for etl.sources.scb's request builder.
    """
    finder = finder_from_params(params["find"]) if params.get("find") is not None else None
    out = {k: v for k, v in params.items() if k not in ("find", "contents_label")}
    out["table"] = table
    sex = dict(params.get("sex") or {})
    check_dimensions(finder, table, metadata, ["ContentsCode", *([sex["variable"]] if sex.get("variable") else [])])
    if params.get("contents_label") is not None:
        texts = texts_of(params["contents_label"], "contents_label")
        out["contents"] = one_code_by_label(metadata, table, "ContentsCode", texts)
    if sex.get("labels"):
        codes: dict[str, str] = {}
        for sex_code, texts in sex["labels"].items():
            code = one_code_by_label(metadata, table, sex["variable"], texts_of(texts, "sex labels"))
            codes[code] = str(sex_code)
        out["sex"] = {"variable": sex["variable"], "codes": codes}
        out["select"] = dict(out.get("select") or {}) | {sex["variable"]: list(codes)}
    check_unselected(table, metadata, [*(out.get("select") or {}), "ContentsCode", "Region", "Kommun"])
    return out


def check_unselected(table: str, metadata: dict[str, Any], selected: Iterable[str]) -> None:
    """A dimension the request leaves out must be one SCB can eliminate (sum away); a found table
    with an extra non-eliminable dimension (say, age) fails here rather than at the data request."""
    dims = list(metadata.get("id") or metadata.get("dimension", {}))
    chosen = set(selected)
    stuck = [
        d
        for d in dims
        if d not in chosen and not ((metadata["dimension"].get(d) or {}).get("extension") or {}).get("elimination")
    ]
    if stuck:
        raise SourceError(
            SOURCE,
            table,
            f"GET /tables/{table}/metadata",
            f"dimension(s) {', '.join(stuck)} cannot be left out (not eliminable); select them in the catalog entry",
        )


def is_found(params: dict[str, Any]) -> bool:
    """Whether a catalog SCB source must be resolved against SCB before its table/contents are known."""
    return (
        params.get("find") is not None
        or params.get("contents_label") is not None
        or bool((params.get("sex") or {}).get("labels"))
    )
