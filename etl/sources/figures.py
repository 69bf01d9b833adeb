"""Published figures: values printed by SCB, the municipalities or others, each with its URL.

Two inputs, one output. With a directory of published-figures CSVs (columns
`region_code,region_name,indicator,year,sex,value,source_url`, as in
../shared/reference/figures) the adapter reads, ranks and picks them. Without
one it carries forward the published rows already in the bundled snapshot, so a
refresh on a user's machine keeps them. For every (region, year, sex) the best
ranked publisher wins (etl/published_sources.yaml); equal ranks that disagree
are resolved towards the first in file order and reported as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.catalog import Indicator, SourceRef
from etl.errors import SourceError
from etl.schema import OBSERVATION_COLUMNS, empty_observations
from etl.sources.base import FetchContext, SourceResult
from etl.urls import is_url, url_problem
from etl.yamlfile import load_yaml

SOURCE = "published"  # the catalog's name for this kind of source; each value's `source` is its publisher
SECONDARY = " (secondary)"  # appended to a secondary publisher's name in `source`
RANKS_FILE = Path(__file__).resolve().parent.parent / "published_sources.yaml"


@dataclass(frozen=True)
class Publisher:
    """One publisher of figures (etl/published_sources.yaml)."""

    name: str
    rank: int
    secondary: bool = False

    @property
    def source(self) -> str:
        """The value's `source`: the publisher's name, marked when it is a secondary source."""
        return self.name + (SECONDARY if self.secondary else "")


@lru_cache(maxsize=1)
def _prefixes() -> list[tuple[str, Publisher]]:
    doc = load_yaml(RANKS_FILE.read_text(encoding="utf-8"))
    pairs = [
        (p.lower(), Publisher(str(item["name"]), int(item["rank"]), bool(item.get("secondary", False))))
        for item in doc["publishers"]
        for p in item["prefixes"]
    ]
    too_long = sorted({pub.source for _, pub in pairs if len(pub.source) > 32})
    if too_long:
        raise ValueError(f"{RANKS_FILE.name}: publisher names longer than the store's 32 characters: {too_long}")
    return sorted(pairs, key=lambda pr: -len(pr[0]))


def publisher(url: str) -> Publisher | None:
    """The publisher of a well-formed `url`, or None (malformed, or a publisher nyckeltal does not use)."""
    if url_problem(url) is not None:
        return None
    bare = url.strip().lower().split("://", 1)[-1]
    bare = bare[4:] if bare.startswith("www.") else bare
    for prefix, pub in _prefixes():
        if bare.startswith(prefix):
            return pub
    return None


def publisher_rank(url: str) -> int | None:
    """1 (SCB) .. 3 (secondary), or None for a URL nyckeltal does not use."""
    pub = publisher(url)
    return pub.rank if pub else None


def is_published_row(source: str, source_ref: str) -> bool:
    """Whether a stored row came from the published figures (its source_ref is a publisher's page)."""
    return is_url(source_ref) and publisher(source_ref) is not None


def read_figure_files(directory: Path) -> pd.DataFrame:
    """All published-figures CSVs of `directory` with region/indicator/year/sex/value/url columns."""
    frames = []
    for path in sorted(Path(directory).glob("*.csv")):
        frame = pd.read_csv(path, dtype={"region_code": str, "sex": str}, keep_default_na=False)
        if not {"region_code", "indicator", "year", "value"} <= set(frame.columns):
            continue  # a file in another layout (e.g. origin-destination flows)
        url_col = "source_url" if "source_url" in frame.columns else "source"
        if "sex" not in frame.columns:
            frame["sex"] = "T"
        frame = frame.rename(columns={url_col: "source_url"})
        frame["file"] = path.name
        frames.append(frame)
    if not frames:
        raise FileNotFoundError(f"no published-figures CSV files in {directory}")
    return pd.concat(frames, ignore_index=True)


def pick_figures(
    figures: pd.DataFrame, figure_indicator: str, indicator: Indicator, max_rank: int, region_codes: set[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The best-ranked published value per (region, year, sex), and the problems met (pure):
    equal-ranked publishers that disagree, and figures rejected for a malformed URL."""
    rows = figures[
        (figures["indicator"] == figure_indicator)
        & figures["region_code"].isin(region_codes)
        & figures["sex"].isin(indicator.sexes)
    ].copy()
    conflicts = [
        f"{indicator.id} {r.region_code} {r.year} {r.sex}: rejected, malformed URL {r.source_url!r} ({problem})"
        for r in rows.itertuples()
        if (problem := url_problem(r.source_url))
    ]
    rows["rank"] = rows["source_url"].map(publisher_rank)
    rows = rows[rows["rank"].notna() & (rows["rank"] <= max_rank)]
    rows["value"] = pd.to_numeric(rows["value"], errors="raise")
    rows["year"] = rows["year"].astype(int)
    rows = rows.reset_index().sort_values(["rank", "index"], kind="stable")
    key = ["region_code", "year", "sex"]
    for (region, year, sex), group in rows.groupby(key, sort=True):
        best = group[group["rank"] == group["rank"].min()]
        if best["value"].nunique() > 1:
            values = ", ".join(f"{v:g} ({u})" for v, u in zip(best["value"], best["source_url"], strict=True))
            conflicts.append(f"{indicator.id} {region} {year} {sex}: equal-ranked publishers disagree: {values}")
    chosen = rows.drop_duplicates(key, keep="first")
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "region_code": chosen["region_code"],
            "year": chosen["year"],
            "sex": chosen["sex"],
            "value": chosen["value"].astype(float),
            "status": "ok",
            "source": chosen["source_url"].map(lambda u: publisher(u).source),
            "source_ref": chosen["source_url"],
            "retrieved_at": pd.NA,
        }
    )
    return out.loc[:, list(OBSERVATION_COLUMNS)].reset_index(drop=True), conflicts


class FiguresSource:
    """Adapter over a figures directory, or over the published rows of the bundled snapshot."""

    def __init__(self, directory: str | Path | None = None, carried: pd.DataFrame | None = None):
        """With neither a directory nor carried rows: the published rows of the bundled snapshot."""
        self.directory = Path(directory) if directory is not None else None
        self.carried = carried if carried is not None or directory is not None else bundled_figures()
        self._figures: pd.DataFrame | None = None
        self.conflicts: list[str] = []

    def __call__(self, ref: SourceRef, indicator: Indicator, ctx: FetchContext) -> SourceResult:
        max_rank = int(ref.params.get("max_rank", 3))
        codes = set(ctx.regions.regions)
        if self.directory is not None:
            if self._figures is None:
                try:
                    self._figures = read_figure_files(self.directory)
                except (OSError, ValueError) as exc:
                    raise SourceError(SOURCE, ref.params["indicator"], str(self.directory), str(exc)) from None
            frame, conflicts = pick_figures(self._figures, ref.params["indicator"], indicator, max_rank, codes)
            self.conflicts.extend(conflicts)
        elif self.carried is not None:
            rows = self.carried[self.carried["indicator_id"] == indicator.id]
            rows = rows[[is_published_row(s, r) for s, r in zip(rows["source"], rows["source_ref"], strict=True)]]
            ranks = rows["source_ref"].map(publisher_rank)
            frame = rows[ranks.notna() & (ranks <= max_rank)].loc[:, list(OBSERVATION_COLUMNS)]
        else:
            frame = empty_observations()
        if ctx.years:
            frame = frame[frame["year"].between(*ctx.years)]
        return SourceResult(frame.reset_index(drop=True))


def bundled_figures() -> pd.DataFrame | None:
    """The bundled snapshot's observations (its published rows are carried forward), None without one."""
    from etl.snapshot import read_observations_csv, snapshot_dir  # etl.snapshot imports this module

    path = snapshot_dir() / "observations.csv"
    return read_observations_csv(path) if path.exists() else None
