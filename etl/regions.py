"""Regions and region groups, loaded from regions.yaml and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl.yamlfile import load_yaml

REGIONS_FILE = Path(__file__).with_name("regions.yaml")
LEVELS = ("country", "county", "municipality")


@dataclass(frozen=True)
class Region:
    """A country, county or municipality, keyed by SCB's code."""

    code: str
    level: str
    name_sv: str
    name_en: str
    kolada: str
    county: str | None = None
    valid_from: int | None = None  # the first year (from 1 January) the region exists on its present borders

    def name(self, lang: str = "sv") -> str:
        return self.name_en if lang == "en" else self.name_sv

    def first_year(self, measured: str = "year_end") -> int | None:
        """The first year a value can exist: `valid_from` for what happens during a year (births,
        moves, income), the year before for a state at year end (population on 31 December, RAMS in
        November: SCB reports it on the new borders), None when the region always existed."""
        if self.valid_from is None:
            return None
        return self.valid_from if measured == "during_year" else self.valid_from - 1

    def existed(self, year: int, measured: str = "year_end") -> bool:
        first = self.first_year(measured)
        return first is None or year >= first


@dataclass(frozen=True)
class Group:
    """A named set of municipalities whose value follows each indicator's aggregation rule."""

    id: str
    code: str
    name_sv: str
    name_en: str
    members: tuple[str, ...]
    kolada: str | None = None

    def name(self, lang: str = "sv") -> str:
        return self.name_en if lang == "en" else self.name_sv


@dataclass(frozen=True)
class Regions:
    """All regions and groups, with look-ups both ways between SCB and Kolada codes."""

    regions: dict[str, Region]
    groups: dict[str, Group]
    by_kolada: dict[str, str] = field(default_factory=dict)

    def get(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            raise KeyError(f"unknown region code {code!r}") from None

    def name(self, code: str, lang: str = "sv") -> str:
        if code in self.regions:
            return self.regions[code].name(lang)
        for group in self.groups.values():
            if group.code == code:
                return group.name(lang)
        return code

    @property
    def sodertorn(self) -> Group:
        return self.groups["sodertorn"]

    def municipalities(self, county: str | None = None) -> list[str]:
        return [
            r.code
            for r in self.regions.values()
            if r.level == "municipality" and (county is None or r.county == county)
        ]

    def existed(self, code: str, year: int, measured: str = "year_end") -> bool:
        """Whether region `code` existed for a value of `year` (unknown codes and groups: True)."""
        region = self.regions.get(code)
        return region is None or region.existed(year, measured)

    def scb_code(self, kolada_id: str) -> str | None:
        return self.by_kolada.get(kolada_id)


class RegionsError(ValueError):
    """regions.yaml does not hold together."""


def _year(item: dict, code: str) -> int | None:
    if "since" in item:
        raise RegionsError(
            f"region {code}: 'since' is replaced by 'valid_from' (the first year it exists, from 1 January)"
        )
    value = item.get("valid_from")
    if value is None:
        return None
    if not isinstance(value, int) or not 1800 <= value <= 2200:
        raise RegionsError(f"region {code}: valid_from must be a year, got {value!r}")
    return value


def parse_regions(doc: dict) -> Regions:
    """Build and validate Regions from the parsed YAML document."""
    regions: dict[str, Region] = {}
    for item in doc.get("regions", []):
        code = str(item["code"])
        if code in regions:
            raise RegionsError(f"region {code} is declared twice")
        if item["level"] not in LEVELS:
            raise RegionsError(f"region {code}: level {item['level']!r} is not one of {LEVELS}")
        if not (code.isdigit() and len(code) in (2, 4)):
            raise RegionsError(f"region code {code!r} must be 2 or 4 digits as a string")
        regions[code] = Region(
            code=code,
            level=item["level"],
            name_sv=item["name"]["sv"],
            name_en=item["name"]["en"],
            kolada=str(item.get("kolada", code)),
            county=item.get("county"),
            valid_from=_year(item, code),
        )
    groups: dict[str, Group] = {}
    for item in doc.get("groups", []):
        members = tuple(str(m) for m in item["members"])
        unknown = [m for m in members if m not in regions]
        if unknown:
            raise RegionsError(f"group {item['id']}: unknown member(s) {unknown}")
        groups[item["id"]] = Group(
            id=item["id"],
            code=str(item["code"]),
            name_sv=item["name"]["sv"],
            name_en=item["name"]["en"],
            members=members,
            kolada=item.get("kolada"),
        )
    if "sodertorn" not in groups or len(groups["sodertorn"].members) != 8:
        raise RegionsError("the group 'sodertorn' with its eight municipalities is required")
    by_kolada = {r.kolada: r.code for r in regions.values()}
    return Regions(regions=regions, groups=groups, by_kolada=by_kolada)


@lru_cache(maxsize=1)
def load_regions(path: Path = REGIONS_FILE) -> Regions:
    """The project's regions (cached; the file is part of the code)."""
    with open(path, encoding="utf-8") as fh:
        return parse_regions(load_yaml(fh))
