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

from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.catalog import Indicator, SourceRef
from etl.errors import SourceError
from etl.schema import OBSERVATION_COLUMNS, empty_observations
from etl.sources.base import FetchContext, SourceResult
from etl.yamlfile import load_yaml

SOURCE = "published"
RANKS_FILE = Path(__file__).resolve().parent.parent / "published_sources.yaml"
FIGURE_COLUMNS = ("region_code", "indicator", "year", "sex", "value", "source_url")


@lru_cache(maxsize=1)
def _prefixes() -> list[tuple[str, int]]:
    doc = load_yaml(RANKS_FILE.read_text(encoding="utf-8"))
    pairs = [(p.lower(), int(rank)) for rank, prefixes in doc["ranks"].items() for p in prefixes]
    return sorted(pairs, key=lambda pr: -len(pr[0]))


def publisher_rank(url: str) -> int | None:
    """1 (SCB) .. 3 (secondary), or None for a publisher nyckeltal does not use."""
    bare = url.strip().lower().split("://", 1)[-1]
    bare = bare[4:] if bare.startswith("www.") else bare
    for prefix, rank in _prefixes():
        if bare.startswith(prefix):
            return rank
    return None


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
    """The best-ranked published value per (region, year, sex), and the conflicts met (pure)."""
    rows = figures[
        (figures["indicator"] == figure_indicator)
        & figures["region_code"].isin(region_codes)
        & figures["sex"].isin(indicator.sexes)
    ].copy()
    rows["rank"] = rows["source_url"].map(publisher_rank)
    rows = rows[rows["rank"].notna() & (rows["rank"] <= max_rank)]
    rows["value"] = pd.to_numeric(rows["value"], errors="raise")
    rows["year"] = rows["year"].astype(int)
    rows = rows.reset_index().sort_values(["rank", "index"], kind="stable")
    conflicts = []
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
            "source": SOURCE,
            "source_ref": chosen["source_url"],
            "retrieved_at": pd.NA,
        }
    )
    return out.loc[:, list(OBSERVATION_COLUMNS)].reset_index(drop=True), conflicts


class FiguresSource:
    """Adapter over a figures directory, or over the published rows of the bundled snapshot."""

    def __init__(self, directory: Path | None = None, carried: pd.DataFrame | None = None):
        self.directory = directory
        self.carried = carried
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
            rows = self.carried[(self.carried["indicator_id"] == indicator.id) & (self.carried["source"] == SOURCE)]
            ranks = rows["source_ref"].map(publisher_rank)
            frame = rows[ranks.notna() & (ranks <= max_rank)].loc[:, list(OBSERVATION_COLUMNS)]
        else:
            frame = empty_observations()
        if ctx.years:
            frame = frame[frame["year"].between(*ctx.years)]
        return SourceResult(frame.reset_index(drop=True))
