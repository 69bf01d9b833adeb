"""SCB's municipality-pair commuting tables -> tidy flows (etl/tables/flows.py), online only.

RAMS AM0207PendlKomA9303, AM0207PendlKomA04, AM0207PendlKomA04N and BAS ArRegPend2. Their
PxWebApi 2.0 ids are not known here: `SCB_FLOW_TABLES` holds table finders
(etl.sources.scb_discovery) that pick each table from SCB's /tables search at run time, and its
contents and "both sexes" codes by label from the metadata, so a renamed or ambiguous table fails
loudly naming the search and the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from etl.errors import SourceError
from etl.flows import combine
from etl.scb_finders import FINDERS, TableFinder
from etl.sources import jsonstat
from etl.sources.scb import DataRequest
from etl.sources.scb_discovery import one_code_by_label
from etl.tables.flows import FLOWS, validate_flows

SOURCE_SCB = "SCB"
MISSING_SYMBOLS = {"..", ".", "-", "…"}


@dataclass(frozen=True)
class FlowTable:
    """One SCB municipality-pair commuting table; variable names are candidates, resolved from metadata."""

    table: str
    contents: str
    home_vars: tuple[str, ...] = ("Bostadskommun", "BostKommun", "Region")
    work_vars: tuple[str, ...] = ("Arbetsstallekommun", "ArbetsstKommun", "Arbetsstallekommun2")
    sex_var: str = "Kon"
    sex_total: str = "4"
    from_year: int | None = None  # only this year and later (an overlapping older table keeps the rest)


@dataclass(frozen=True)
class FlowFinder:
    """A pair table found at run time: its finder, its contents by label, the years it gives."""

    finder: TableFinder
    contents_label: tuple[str, ...] = ()  # empty: the table must have exactly one ContentsCode
    from_year: int | None = None
    sex_total_labels: tuple[str, ...] = ("totalt", "män och kvinnor", "samtliga")


# In order; a later table wins where two give the same pair and year. RAMS and BAS overlap in
# 2020-2021: RAMS is kept for those years (as in the per-municipality series), BAS from 2022.
SCB_FLOW_TABLES: tuple[FlowFinder, ...] = (
    FlowFinder(FINDERS["AM0207PendlKomA9303"]),
    FlowFinder(FINDERS["AM0207PendlKomA04"]),
    FlowFinder(FINDERS["AM0207PendlKomA04N"]),
    FlowFinder(FINDERS["ArRegPend2"], from_year=2022),
)


@dataclass(frozen=True)
class FlowRequest(DataRequest):
    """One POST to a pair table's /data that also names its home and work dimensions."""

    home_var: str
    work_var: str


def _pick(dims: Sequence[str], candidates: Sequence[str], table: str, what: str) -> str:
    for name in candidates:
        if name in dims:
            return name
    raise SourceError(
        SOURCE_SCB,
        table,
        f"GET /tables/{table}/metadata",
        f"no {what} dimension (looked for {', '.join(candidates)}; the table has {', '.join(dims)})",
    )


def build_flow_requests(
    spec: FlowTable, metadata: dict[str, Any], homes: Sequence[str], works: Sequence[str], max_cells: int
) -> list[FlowRequest]:
    """The pair-table request(s): every home in `homes` x every work place in `works`, all years, both
    directions asked by the caller; split by home municipality to stay within `max_cells`."""
    dims = list(metadata.get("id") or metadata.get("dimension", {}))
    home_var = _pick(dims, spec.home_vars, spec.table, "home municipality")
    work_var = _pick(dims, spec.work_vars, spec.table, "work municipality")
    if "ContentsCode" not in dims or spec.contents not in jsonstat.dimension_codes(metadata, "ContentsCode"):
        raise SourceError(
            SOURCE_SCB, spec.table, f"GET /tables/{spec.table}/metadata", f"contents code {spec.contents!r} not found"
        )
    home_avail = set(jsonstat.dimension_codes(metadata, home_var))
    work_avail = set(jsonstat.dimension_codes(metadata, work_var))
    base: dict[str, list[str]] = {
        home_var: [c for c in homes if c in home_avail],
        work_var: [c for c in works if c in work_avail],
    }
    if spec.sex_var in dims:
        if spec.sex_total not in jsonstat.dimension_codes(metadata, spec.sex_var):
            raise SourceError(
                SOURCE_SCB,
                spec.table,
                f"GET /tables/{spec.table}/metadata",
                f"sex code {spec.sex_total!r} not in {spec.sex_var}",
            )
        base[spec.sex_var] = [spec.sex_total]
    base["ContentsCode"] = [spec.contents]
    base["Tid"] = [t for t in jsonstat.dimension_codes(metadata, "Tid") if _year_ok(t, spec.from_year)]
    if not base[home_var] or not base[work_var] or not base["Tid"]:
        return []
    per_home = max(1, len(base[work_var]) * len(base["Tid"]))
    chunk = max(1, max_cells // per_home)
    out = []
    for i in range(0, len(base[home_var]), chunk):
        sel = dict(base)
        sel[home_var] = base[home_var][i : i + chunk]
        out.append(FlowRequest(spec.table, sel, home_var, work_var))
    return out


def _year_ok(tid: str, from_year: int | None) -> bool:
    return from_year is None or (str(tid)[:4].isdigit() and int(str(tid)[:4]) >= from_year)


def resolve_flow_table(spec: FlowFinder, table: str, metadata: dict[str, Any]) -> FlowTable:
    """The found table as a FlowTable: contents and the both-sexes code chosen by label (pure)."""
    dims = list(metadata.get("id") or metadata.get("dimension", {}))
    missing = [d for d in spec.finder.dims if d not in dims]
    if missing:
        raise SourceError(
            SOURCE_SCB,
            table,
            f"GET /tables/{table}/metadata",
            f"table found by {spec.finder.describe()} lacks dimension(s) {', '.join(missing)} (it has {', '.join(dims)})",
        )
    if spec.contents_label:
        contents = one_code_by_label(metadata, table, "ContentsCode", spec.contents_label)
    else:
        codes = jsonstat.dimension_codes(metadata, "ContentsCode")
        if len(codes) != 1:
            labels = jsonstat.dimension_labels(metadata, "ContentsCode")
            raise SourceError(
                SOURCE_SCB,
                table,
                f"GET /tables/{table}/metadata",
                f"{len(codes)} contents ({'; '.join(f'{c} {labels.get(c, c)!r}' for c in codes)}): "
                "name the one wanted by its label (contents_label) in etl/sources/scb_flows.py SCB_FLOW_TABLES",
            )
        contents = codes[0]
    base = FlowTable(table, contents, from_year=spec.from_year)
    if base.sex_var in dims:
        return FlowTable(
            table,
            contents,
            sex_total=one_code_by_label(metadata, table, base.sex_var, spec.sex_total_labels),
            from_year=spec.from_year,
        )
    return base


def tidy_flow_answer(doc: dict[str, Any], spec: FlowTable, request: FlowRequest, retrieved_at: str) -> pd.DataFrame:
    """One JSON-stat 2.0 pair-table answer -> tidy flow rows (same-municipality cells dropped)."""
    try:
        cells = jsonstat.to_frame(doc)
    except jsonstat.JsonStatError as exc:
        raise SourceError(SOURCE_SCB, spec.table, "POST data", f"unexpected answer: {exc}") from None
    for var in request.selection:
        if var not in cells.columns:
            raise SourceError(SOURCE_SCB, spec.table, "POST data", f"dimension {var!r} missing from the answer")
    for var, codes in request.selection.items():  # an answer may hold more than was asked (a replayed recording)
        cells = cells[cells[var].isin(codes)]
    cells = cells[(cells["ContentsCode"] == spec.contents) & (cells[request.home_var] != cells[request.work_var])]
    missing = cells["value"].isna() | cells["status"].isin(MISSING_SYMBOLS)
    frame = pd.DataFrame(
        {
            "from_code": cells[request.home_var].astype(str),
            "to_code": cells[request.work_var].astype(str),
            "year": cells["Tid"].astype(str).str[:4].astype(int),
            "sex": "T",
            "value": cells["value"].where(~missing),
            "status": missing.map({True: "missing", False: "ok"}),
            "source": SOURCE_SCB,
            "source_ref": f"SCB {spec.table} {spec.contents}",
            "retrieved_at": retrieved_at,
        }
    )
    return validate_flows(frame)


def fetch_scb_flows(
    scb: Any, codes: Sequence[str], specs: Sequence[FlowFinder | FlowTable] = SCB_FLOW_TABLES
) -> pd.DataFrame:
    """Online: every pair among `codes` from SCB's pair tables through the SCB adapter's client
    (same /config limits, retries and raw archive; each table found by its finder). A later table
    wins where two give the same pair and year; requests are split to stay within maxDataCells."""
    frames = []
    max_cells = int(scb.config()["maxDataCells"])
    for spec in specs:
        if isinstance(spec, FlowFinder):
            found = scb.find_table(spec.finder)
            table = resolve_flow_table(spec, found.id, scb.metadata(found.id))
        else:
            table = spec
        meta = scb.metadata(table.table)
        for request in build_flow_requests(table, meta, codes, codes, max_cells):
            answer = scb.http.post(
                f"{scb.base_url}/tables/{table.table}/data",
                table=table.table,
                body=request.body(),
                params={"lang": "sv", "outputFormat": "json-stat2"},
            )
            frames.append(tidy_flow_answer(answer.json(SOURCE_SCB, table.table), table, request, answer.retrieved_at))
    if not frames:
        return FLOWS.empty()
    combined = pd.concat(frames, ignore_index=True).drop_duplicates(list(FLOWS.key_names), keep="last")
    return validate_flows(combined)


def refresh_flows(scb: Any, codes: Sequence[str], published: pd.DataFrame | None) -> pd.DataFrame:
    """The flows a full refresh publishes: SCB's pairs among `codes`, plus the published figures
    (source 'published', e.g. the bundled 2015 flows) wherever SCB has no value for that pair and year."""
    fresh = fetch_scb_flows(scb, codes)
    figures = FLOWS.empty() if published is None or published.empty else published[published["source"] == "published"]
    return combine(fresh, figures)
