"""SCB PxWebApi 2.0 adapter: catalog entry -> requests -> tidy observations.

Reads `/config` once and keeps to its limits (calls per window, cells per
request), resolves the catalog's selection against the table's metadata, posts
the data request(s) for JSON-stat 2.0 and turns the answer into tidy rows.
Metadata's `updated` stamp drives incremental refreshes. A catalog entry may name
its table by a finder (`find:`) and its contents by label (`contents_label:`): the
adapter then searches SCB's /tables once per refresh (etl.sources.scb_discovery)
and uses the one table found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from etl import settings
from etl.catalog import Indicator, SourceRef
from etl.errors import InvalidValueError
from etl.http import HttpClient, RateLimit, SourceError
from etl.scb_finders import TableFinder, finder_from_params
from etl.schema import OBSERVATION_COLUMNS, empty_observations
from etl.sources import jsonstat, scb_discovery
from etl.sources.base import FetchContext, SourceResult
from etl.sources.scb_discovery import Candidate

SOURCE = "SCB"
MISSING_SYMBOLS = {"..", ".", "-", "…"}
REFERENCE_CODES = ("00", "01")


@dataclass(frozen=True)
class DataRequest:
    """One POST to /tables/{table}/data."""

    table: str
    selection: dict[str, list[str]]

    def body(self) -> dict[str, Any]:
        return {"selection": [{"variableCode": var, "valueCodes": codes} for var, codes in self.selection.items()]}

    def cells(self) -> int:
        n = 1
        for codes in self.selection.values():
            n *= len(codes)
        return n


def build_requests(
    ref: SourceRef, metadata: dict[str, Any], wanted_regions: list[str], max_cells: int
) -> list[DataRequest]:
    """The data request(s) for one catalog entry, split to stay within `max_cells`.

    Raises SourceError when the catalog asks for a variable or code the table
    does not have (a renamed dimension, a withdrawn code).
    """
    table = ref.params["table"]
    dims = metadata.get("id") or list(metadata.get("dimension", {}))
    selection: dict[str, list[str]] = {}
    region_var = _region_variable(dims)
    if region_var is None:
        raise SourceError(SOURCE, table, f"GET /tables/{table}/metadata", "the table has no Region dimension")
    available_regions = set(jsonstat.dimension_codes(metadata, region_var))
    selection[region_var] = [c for c in wanted_regions if c in available_regions]
    for var, codes in ref.params["select"].items():
        if var not in dims:
            raise SourceError(
                SOURCE,
                table,
                f"GET /tables/{table}/metadata",
                f"dimension {var!r} not found (the table has {', '.join(dims)})",
            )
        available = jsonstat.dimension_codes(metadata, var)
        if codes == "*":
            selection[var] = list(available)
        else:
            unknown = [c for c in codes if c not in available]
            if unknown:
                raise SourceError(
                    SOURCE, table, f"GET /tables/{table}/metadata", f"code(s) {unknown} not found in dimension {var!r}"
                )
            selection[var] = [str(c) for c in codes]
    if "ContentsCode" not in dims or ref.params["contents"] not in jsonstat.dimension_codes(metadata, "ContentsCode"):
        raise SourceError(
            SOURCE, table, f"GET /tables/{table}/metadata", f"contents code {ref.params['contents']!r} not found"
        )
    selection["ContentsCode"] = [ref.params["contents"]]
    if not selection[region_var]:
        return []
    return [DataRequest(table, part) for part in _split(selection, max_cells, region_var)]


def _region_variable(dims: list[str]) -> str | None:
    for name in ("Region", "Kommun"):
        if name in dims:
            return name
    return None


def _split(selection: dict[str, list[str]], max_cells: int, region_var: str) -> list[dict[str, list[str]]]:
    """Split on regions, then years, until each part has at most `max_cells` cells."""
    total = 1
    for codes in selection.values():
        total *= len(codes)
    if total <= max_cells:
        return [selection]
    for var in (region_var, "Tid"):
        codes = selection.get(var, [])
        if len(codes) > 1:
            per = max(1, max_cells // (total // len(codes)))
            parts = []
            for i in range(0, len(codes), per):
                sub = dict(selection)
                sub[var] = codes[i : i + per]
                parts.extend(_split(sub, max_cells, region_var))
            return parts
    return [selection]


def tidy_answer(
    doc: dict[str, Any], ref: SourceRef, indicator: Indicator, request: DataRequest, retrieved_at: str, described: str
) -> pd.DataFrame:
    """One data answer -> tidy observation rows (pure).

    Sums the `sum_over` variables (a cell of the sum is missing if any part is),
    maps sex codes, adds T = K + M when the table has no total, and checks that
    every requested region and dimension came back.
    """
    table = ref.params["table"]
    try:
        cells = jsonstat.to_frame(doc)
    except jsonstat.NotANumberError as exc:
        raise InvalidValueError(SOURCE, table, described, f"validation failed, nothing published: {exc}") from None
    except jsonstat.JsonStatError as exc:
        raise SourceError(SOURCE, table, described, f"unexpected answer: {exc}") from None
    region_var = _region_variable(list(request.selection))
    for var in request.selection:
        if var not in cells.columns:
            raise SourceError(SOURCE, table, described, f"dimension {var!r} missing from the answer (renamed?)")
    got = set(cells[region_var].astype(str))
    lacking = [c for c in request.selection[region_var] if c not in got]
    if lacking:
        raise SourceError(SOURCE, table, described, f"region(s) {', '.join(lacking)} missing from the answer")
    cells = cells[cells["ContentsCode"] == ref.params["contents"]]
    for var, codes in request.selection.items():
        cells = cells[cells[var].isin(codes)]
    cells = cells.copy()
    cells["missing"] = cells["value"].isna() | cells["status"].isin(MISSING_SYMBOLS)
    sex_cfg = ref.params.get("sex") or {}
    sex_var = sex_cfg.get("variable")
    if sex_var:
        mapping = {str(k): v for k, v in (sex_cfg.get("codes") or {}).items()}
        cells["sex"] = cells[sex_var].map(mapping)
        cells = cells[cells["sex"].notna()]
    else:
        cells["sex"] = "T"
    keys = [region_var, "Tid", "sex"]
    grouped = (
        cells.groupby(keys, sort=True, dropna=False)
        .agg(value=("value", "sum"), missing=("missing", "any"))
        .reset_index()
    )
    grouped.loc[grouped["missing"], "value"] = float("nan")
    if "T" in indicator.sexes and "T" not in set(grouped["sex"]) and {"K", "M"} <= set(grouped["sex"]):
        both = grouped[grouped["sex"].isin(["K", "M"])]
        total = (
            both.groupby([region_var, "Tid"], sort=True)
            .agg(value=("value", "sum"), missing=("missing", "any"), n=("sex", "size"))
            .reset_index()
        )
        total["missing"] = total["missing"] | (total["n"] < 2)
        total.loc[total["missing"], "value"] = float("nan")
        total["sex"] = "T"
        grouped = pd.concat([grouped, total.drop(columns="n")], ignore_index=True)
    grouped = grouped[grouped["sex"].isin(indicator.sexes)]
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "region_code": grouped[region_var].astype(str),
            "year": grouped["Tid"].astype(str).str[:4].astype(int),
            "sex": grouped["sex"],
            "value": grouped["value"],
            "status": grouped["missing"].map({True: "missing", False: "ok"}),
            "source": SOURCE,
            "source_ref": f"SCB {table} {ref.params['contents']}",
            "retrieved_at": retrieved_at,
        }
    )
    return out.loc[:, list(OBSERVATION_COLUMNS)].reset_index(drop=True)


@dataclass
class ScbSource:
    """The SCB adapter, one per refresh (it caches /config and table metadata)."""

    base_url: str = field(default_factory=lambda: settings.get("NYCKELTAL_SCB_URL").rstrip("/"))
    client: HttpClient | None = None
    include_references: bool = True
    _config: dict[str, Any] | None = None
    _metadata: dict[str, tuple[dict[str, Any], Any]] = field(default_factory=dict)
    _found: dict[TableFinder, Candidate] = field(default_factory=dict)
    _search_raws: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = HttpClient(
                source=SOURCE,
                raw_dir=Path(settings.get("NYCKELTAL_RAW_DIR")),
                timeout=settings.get_float("NYCKELTAL_HTTP_TIMEOUT"),
                retries=settings.get_int("NYCKELTAL_HTTP_RETRIES"),
            )

    @property
    def http(self) -> HttpClient:
        assert self.client is not None
        return self.client

    def config(self) -> dict[str, Any]:
        """SCB's /config, read once; sets the rate limit it announces."""
        if self._config is None:
            answer = self.http.get(f"{self.base_url}/config", table="config")
            cfg = answer.json(SOURCE, "config")
            if not isinstance(cfg, dict) or "maxDataCells" not in cfg:
                raise SourceError(SOURCE, "config", answer.describe(), "the /config answer lacks maxDataCells")
            calls = int(cfg.get("maxCallsPerTimeWindow") or 0)
            window = float(cfg.get("timeWindow") or 0)
            self.http.rate_limit = RateLimit(calls=calls, window=window, sleep=self.http.sleep)
            self._config = cfg
        return self._config

    def metadata(self, table: str) -> dict[str, Any]:
        if table not in self._metadata:
            self.config()
            answer = self.http.get(f"{self.base_url}/tables/{table}/metadata", table=table, params={"lang": "sv"})
            doc = answer.json(SOURCE, table)
            if not isinstance(doc, dict) or "dimension" not in doc:
                raise SourceError(SOURCE, table, answer.describe(), "the metadata answer has no dimensions")
            self._metadata[table] = (doc, answer)
        return self._metadata[table][0]

    def find_table(self, finder: TableFinder) -> Candidate:
        """The one table `finder` describes, from every page of SCB's /tables search (cached per refresh)."""
        if finder not in self._found:
            self.config()
            candidates: list[Candidate] = []
            described = ""
            for query in finder.queries:
                page, pages = 1, 1
                while page <= pages and page <= scb_discovery.MAX_PAGES:
                    params = {
                        "query": query,
                        "lang": "sv",
                        "includeDiscontinued": "true",
                        "pageSize": str(scb_discovery.PAGE_SIZE),
                        "pageNumber": str(page),
                    }
                    answer = self.http.get(f"{self.base_url}/tables", table="tables", params=params)
                    self._search_raws.append(answer)
                    described = described or answer.describe()
                    found, pages = scb_discovery.parse_tables_page(answer.json(SOURCE, "tables"), answer.describe())
                    candidates.extend(found)
                    page += 1
            self._found[finder] = scb_discovery.pick_table(finder, candidates, described)
        return self._found[finder]

    def resolve(self, ref: SourceRef) -> SourceRef:
        """`ref` with its table and codes known: a finder-based entry is searched for and checked
        against the table's metadata; an ordinary entry is returned as it is."""
        if not scb_discovery.is_found(ref.params):
            return ref
        if ref.params.get("find") is not None:
            table = self.find_table(finder_from_params(ref.params["find"])).id
        else:
            table = ref.params["table"]
        params = scb_discovery.resolve_params(ref.params, table, self.metadata(table))
        return SourceRef(ref.kind, params, ref.position)

    def requests_for(self, ref: SourceRef, ctx: FetchContext) -> list[DataRequest]:
        """The data requests one catalog entry needs (reads metadata, sends no data request)."""
        ref = self.resolve(ref)
        table = ref.params["table"]
        meta = self.metadata(table)
        if ref.params["regions"] == "references":
            wanted = list(REFERENCE_CODES) if self.include_references else []
        else:
            wanted = ctx.regions.municipalities(county="01")
        return build_requests(ref, meta, wanted, int(self.config()["maxDataCells"]))

    def __call__(self, ref: SourceRef, indicator: Indicator, ctx: FetchContext) -> SourceResult:
        searched = len(self._search_raws)
        ref = self.resolve(ref)
        table = ref.params["table"]
        meta = self.metadata(table)
        updated = meta.get("updated")
        raws = [*self._search_raws[searched:], self._metadata[table][1]]
        if ctx.since and updated and updated <= ctx.since:
            ctx.progress(f"SCB {table}: unchanged since {ctx.since}")
            return SourceResult(empty_observations(), raws, updated=updated, unchanged=True)
        frames = []
        for n, request in enumerate(self.requests_for(ref, ctx), start=1):
            ctx.progress(f"SCB {table} {ref.params['contents']}: request {n}, {request.cells()} cells")
            answer = self.http.post(
                f"{self.base_url}/tables/{table}/data",
                table=table,
                body=request.body(),
                params={"lang": "sv", "outputFormat": "json-stat2"},
            )
            raws.append(answer)
            frames.append(
                tidy_answer(answer.json(SOURCE, table), ref, indicator, request, answer.retrieved_at, answer.describe())
            )
        frame = pd.concat(frames, ignore_index=True) if frames else empty_observations()
        if ctx.years:
            frame = frame[frame["year"].between(*ctx.years)]
        return SourceResult(frame.reset_index(drop=True), raws, updated=updated)
