"""Origin-destination commuting (home municipality -> work municipality).

Tidy contract, one row per origin, destination, year and sex:
`from_code,to_code,year,sex,value,status,source,source_ref,retrieved_at`.

Two inputs: the published flows in ../shared/reference/figures/commuting_flows.csv
(`from_code,from_name,to_code,to_name,year,value,source`), which go into the
bundled snapshot, and SCB's municipality-pair tables (RAMS AM0207PendlKomA9303,
AM0207PendlKomA04, AM0207PendlKomA04N; BAS ArRegPend2), fetched only online. Their
PxWebApi 2.0 ids are not known here: `SCB_FLOW_TABLES` holds table finders
(etl.sources.scb_discovery) that pick each table from SCB's /tables search at run
time, and its contents and "both sexes" codes by label from the metadata, so a
renamed or ambiguous table fails loudly naming the search and the candidates.
Pure helpers: `region_commuting` computes a region's own in/out-commuting, where
flows between two members are internal to the region.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from etl.errors import SourceError

if TYPE_CHECKING:
    from etl.sources.scb_discovery import TableFinder

FLOW_COLUMNS: tuple[str, ...] = (
    "from_code",
    "to_code",
    "year",
    "sex",
    "value",
    "status",
    "source",
    "source_ref",
    "retrieved_at",
)
FLOW_KEY: tuple[str, ...] = ("from_code", "to_code", "year", "sex")
FIGURES_FILE = "commuting_flows.csv"
FIGURE_FLOW_COLUMNS = ("from_code", "from_name", "to_code", "to_name", "year", "value", "source")
SOURCE_SCB = "SCB"
MISSING_SYMBOLS = {"..", ".", "-", "…"}


class FlowError(ValueError):
    """Flow rows that break the contract; the message lists every problem."""


def empty_flows() -> pd.DataFrame:
    return normalise_flows(pd.DataFrame(columns=list(FLOW_COLUMNS)))


def normalise_flows(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract column order and dtypes."""
    out = frame.loc[:, list(FLOW_COLUMNS)].copy()
    for col in ("from_code", "to_code", "sex", "status", "source", "source_ref"):
        out[col] = out[col].astype(str)
    out["year"] = out["year"].astype(int)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["retrieved_at"] = out["retrieved_at"].astype("string")
    return out.reset_index(drop=True)


def validate_flows(frame: pd.DataFrame, known_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The normalised frame, or FlowError listing every broken row."""
    missing_cols = [c for c in FLOW_COLUMNS if c not in frame.columns]
    if missing_cols:
        raise FlowError(f"flow rows lack column(s) {', '.join(missing_cols)}")
    frame = normalise_flows(frame)
    problems: list[str] = []
    dup = frame.duplicated(list(FLOW_KEY), keep=False)
    if dup.any():
        problems += [f"duplicate flow {r.from_code}->{r.to_code} {r.year} {r.sex}" for r in frame[dup].itertuples()]
    bad_codes = frame["from_code"].eq(frame["to_code"])
    problems += [f"flow from {r.from_code} to itself in {r.year}" for r in frame[bad_codes].itertuples()]
    negative = frame["value"] < 0
    problems += [f"negative flow {r.from_code}->{r.to_code} {r.year}: {r.value}" for r in frame[negative].itertuples()]
    wrong_status = ~frame["status"].isin(["ok", "missing"]) | (frame["status"].eq("ok") & frame["value"].isna())
    problems += [
        f"status {r.status!r} with value {r.value} ({r.from_code}->{r.to_code})"
        for r in frame[wrong_status].itertuples()
    ]
    if not frame["sex"].isin(["T", "K", "M"]).all():
        problems.append(f"unknown sex code(s) {sorted(set(frame['sex']) - {'T', 'K', 'M'})}")
    if known_codes is not None:
        known = set(known_codes)
        unknown = sorted((set(frame["from_code"]) | set(frame["to_code"])) - known)
        # flows may reach municipalities outside the catalog's regions (e.g. Nyköping): only codes must look like SCB's
        bad = [c for c in unknown if not (len(c) == 4 and c.isdigit())]
        if bad:
            problems.append(f"region code(s) that are not SCB municipality codes: {', '.join(bad)}")
    if problems:
        raise FlowError("flow rows break the contract:\n  " + "\n  ".join(problems[:20]))
    return frame.sort_values(list(FLOW_KEY), kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- published figures
def read_figures(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """(tidy flows, code -> name) from a published-flows CSV; the `source` column becomes source_ref."""
    path = Path(path)
    if not path.exists():
        raise FlowError(f"no published flows file at {path}")
    raw = pd.read_csv(path, dtype={"from_code": str, "to_code": str}, keep_default_na=False)
    lacking = [c for c in FIGURE_FLOW_COLUMNS if c not in raw.columns]
    if lacking:
        raise FlowError(
            f"{path.name}: column(s) {', '.join(lacking)} missing (expected {','.join(FIGURE_FLOW_COLUMNS)})"
        )
    names = dict(zip(raw["from_code"], raw["from_name"], strict=True)) | dict(
        zip(raw["to_code"], raw["to_name"], strict=True)
    )
    frame = pd.DataFrame(
        {
            "from_code": raw["from_code"],
            "to_code": raw["to_code"],
            "year": raw["year"].astype(int),
            "sex": "T",
            "value": pd.to_numeric(raw["value"], errors="coerce"),
            "status": "ok",
            "source": "published",
            "source_ref": raw["source"].astype(str),
            "retrieved_at": pd.NA,
        }
    )
    frame.loc[frame["value"].isna(), "status"] = "missing"
    return validate_flows(frame), {str(k): str(v) for k, v in names.items()}


def write_flows_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV in key order."""
    ordered = normalise_flows(frame).sort_values(list(FLOW_KEY), kind="stable")
    ordered.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def read_flows_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        path,
        dtype={"from_code": str, "to_code": str, "sex": str, "source_ref": str, "retrieved_at": str},
        keep_default_na=False,
        na_values={"value": [""], "retrieved_at": [""]},
    )
    return validate_flows(frame)


# ---------------------------------------------------------------- SCB pair tables (online only)
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

    finder: TableFinder  # etl.sources.scb_discovery
    contents_label: tuple[str, ...] = ()  # empty: the table must have exactly one ContentsCode
    from_year: int | None = None
    sex_total_labels: tuple[str, ...] = ("totalt", "män och kvinnor", "samtliga")


def scb_flow_tables() -> tuple[FlowFinder, ...]:
    """In order; a later table wins where two give the same pair and year. RAMS and BAS overlap in
    2020-2021: RAMS is kept for those years (as in the per-municipality series), BAS from 2022.
    (Built on first use: the SCB finders are not imported by readers of the flows contract.)"""
    from etl.sources.scb_discovery import FINDERS

    return (
        FlowFinder(FINDERS["AM0207PendlKomA9303"]),
        FlowFinder(FINDERS["AM0207PendlKomA04"]),
        FlowFinder(FINDERS["AM0207PendlKomA04N"]),
        FlowFinder(FINDERS["ArRegPend2"], from_year=2022),
    )


def __getattr__(name: str) -> Any:
    if name == "SCB_FLOW_TABLES":
        return scb_flow_tables()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class FlowRequest:
    table: str
    selection: dict[str, list[str]]
    home_var: str
    work_var: str

    def body(self) -> dict[str, Any]:
        return {"selection": [{"variableCode": v, "valueCodes": c} for v, c in self.selection.items()]}

    def cells(self) -> int:
        n = 1
        for codes in self.selection.values():
            n *= len(codes)
        return n


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
    from etl.sources import jsonstat  # here, not at the top: the dashboard reads this module's contract

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
    from etl.sources import jsonstat  # here, not at the top: the dashboard reads this module's contract
    from etl.sources.scb_discovery import one_code_by_label

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
                "name the one wanted by its label (contents_label) in etl/flows.py SCB_FLOW_TABLES",
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
    from etl.sources import jsonstat  # here, not at the top: the dashboard reads this module's contract

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
    scb: Any, codes: Sequence[str], specs: Sequence[FlowFinder | FlowTable] | None = None
) -> pd.DataFrame:
    """Online: every pair among `codes` from SCB's pair tables through the SCB adapter's client
    (same /config limits, retries and raw archive; each table found by its finder). A later table
    wins where two give the same pair and year; requests are split to stay within maxDataCells."""
    frames = []
    max_cells = int(scb.config()["maxDataCells"])
    for spec in scb_flow_tables() if specs is None else specs:
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
        return empty_flows()
    combined = pd.concat(frames, ignore_index=True).drop_duplicates(list(FLOW_KEY), keep="last")
    return validate_flows(combined)


def refresh_flows(scb: Any, codes: Sequence[str], published: pd.DataFrame | None) -> pd.DataFrame:
    """The flows a full refresh publishes: SCB's pairs among `codes`, plus the published figures
    (source 'published', e.g. the bundled 2015 flows) wherever SCB has no value for that pair and year."""
    fresh = fetch_scb_flows(scb, codes)
    figures = empty_flows() if published is None or published.empty else published[published["source"] == "published"]
    return combine(fresh, figures)


def combine(primary: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """`primary` (e.g. SCB) wins; `extra` (e.g. published figures) fills only the pairs/years where
    `primary` has no value (no row, or a row SCB marks missing)."""
    if primary.empty:
        return validate_flows(extra)
    key = list(FLOW_KEY)

    def keys(frame: pd.DataFrame) -> set[tuple[str, ...]]:
        return set(map(tuple, frame[key].astype(str).values))

    with_value = keys(primary[primary["value"].notna()])
    extra_keep = pd.Series([k not in with_value for k in map(tuple, extra[key].astype(str).values)], index=extra.index)
    filled = keys(extra[extra_keep & extra["value"].notna()]) if len(extra) else set()
    primary_keep = [k not in filled for k in map(tuple, primary[key].astype(str).values)]
    return validate_flows(pd.concat([primary[primary_keep], extra[extra_keep]], ignore_index=True))
