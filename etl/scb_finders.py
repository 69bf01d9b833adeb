"""SCB table finders, declared as data: how to recognise a table in SCB's /tables search answer
(etl/sources/scb_discovery.py searches with them at run time). Pure and free of the fetching code,
so the catalog checks its `find:` entries here without loading a source adapter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TableFinder:
    """How to recognise one SCB table in a /tables search answer (all criteria must hold)."""

    name: str  # short name people know the table by, e.g. the v1 id 'ArRegPend1'
    queries: tuple[str, ...]  # search texts; the candidates of every search are pooled
    folder: str  # a folder id that must be in one of the table's paths, e.g. 'AM0210F'
    label: tuple[str, ...] = ()  # regular expressions the table's label must all match (case-insensitive)
    variables: tuple[str, ...] = ()  # regular expressions each matching one of the table's variable names
    dims: tuple[str, ...] = ()  # dimension ids the table's metadata must have
    first_year: int | None = None  # the table's first period must start with this year
    last_year: int | None = None  # … and its last period with this one (closed series)
    discontinued: bool | None = False  # False: must be current; True: must be discontinued; None: either

    def describe(self) -> str:
        searches = " | ".join(repr(q) for q in self.queries)
        return f"{self.name} (search {searches}, folder {self.folder})"


def _pair_finder(
    name: str, folder: str, first_year: int, last_year: int | None, *, discontinued: bool | None = None
) -> TableFinder:
    """A municipality-pair (home -> work) commuting table: same search and dimensions, own folder and years."""
    return TableFinder(
        name=name,
        queries=(name, "bostadskommun arbetsställekommun"),
        folder=folder,
        variables=(r"bostad", r"arbetsst"),
        dims=("Bostadskommun", "Arbetsstallekommun", "ContentsCode", "Tid"),
        first_year=first_year,
        last_year=last_year,
        discontinued=discontinued,
    )


# Named finders the catalog and etl.flows refer to. Criteria come from SCB's v1 paths and texts
# (../shared/reference/API_NOTES.md, "Table ids and dimension codes" (c) and (d)); the v2 ids are
# found at run time. Third-party code names TAB1830 (ArRegPend2), TAB5850, TAB333, TAB334: unverified.
FINDERS: dict[str, TableFinder] = {
    f.name: f
    for f in (
        TableFinder(
            name="ArRegPend1",
            queries=("ArRegPend1", "pendlare kommungräns"),
            folder="AM0210F",
            variables=(r"^kommun$",),
            dims=("Kommun", "ContentsCode", "Tid"),
            first_year=2020,
        ),
        _pair_finder("ArRegPend2", "AM0210F", 2020, None, discontinued=False),
        _pair_finder("AM0207PendlKomA9303", "AM0207L", 1993, 2003),
        _pair_finder("AM0207PendlKomA04", "AM0207L", 2004, 2018),
        _pair_finder("AM0207PendlKomA04N", "AM0207Z", 2019, 2021),
    )
}


def finder_from_params(value: Any) -> TableFinder:
    """A catalog `find:` value (a named finder or a mapping) -> TableFinder; ValueError says what is wrong."""
    if isinstance(value, str):
        if value not in FINDERS:
            raise ValueError(f"unknown table finder {value!r}; known: {', '.join(FINDERS)}")
        return FINDERS[value]
    if not isinstance(value, dict):
        raise ValueError("find must be a named finder or a mapping with query and folder")
    unknown = set(value) - {"name", "query", "folder", "label", "variables", "dims", "first_year", "last_year",
                            "discontinued"}  # fmt: skip
    if unknown:
        raise ValueError(f"find has unknown key(s) {sorted(unknown)}")
    for key in ("query", "folder"):
        if not value.get(key):
            raise ValueError(f"find lacks {key!r}")
    label = texts_of(value.get("label"), "label")
    variables = texts_of(value.get("variables"), "variables")
    for pattern in (*label, *variables):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"find: {pattern!r} is not a regular expression ({exc})") from None
    years = {}
    for key in ("first_year", "last_year"):
        if value.get(key) is not None:
            if not isinstance(value[key], int) or not 1800 < value[key] < 2200:
                raise ValueError(f"find: {key} must be a year")
            years[key] = value[key]
    discontinued = value.get("discontinued", False)
    if discontinued not in (True, False, None):
        raise ValueError("find: discontinued must be true, false or null (either)")
    queries = texts_of(value["query"], "query")
    return TableFinder(
        name=str(value.get("name") or queries[0]),
        queries=queries,
        folder=str(value["folder"]),
        label=label,
        variables=variables,
        dims=texts_of(value.get("dims"), "dims"),
        discontinued=discontinued,
        **years,
    )


def texts_of(value: Any, what: str) -> tuple[str, ...]:
    """A catalog value that is one text or a list of texts, as a tuple; ValueError names `what`."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise ValueError(f"find: {what} must be a text or a list of texts")
