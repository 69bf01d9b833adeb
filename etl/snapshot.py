"""The bundled snapshot: built from the recorded reference material by this ETL's own
code, committed under data/snapshot/, loaded into an empty store on first start.

Building replays the recorded SCB answers from a loopback server through the
same SCB adapter a live refresh uses, adds the published figures through the
figures adapter, and runs the same refresh (combine, derive, gates, publish)
into a scratch store. Only catalog entries whose requests the recordings can
answer are run; the provenance file lists what was and was not included.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pandas as pd

from etl import flows, settings
from etl.catalog import Catalog, Indicator, SourceRef, load_catalog
from etl.checks import run_gates
from etl.http import HttpClient, SourceError
from etl.recorded import RecordedSet, ReplayServer
from etl.refresh import refresh
from etl.regions import Regions, load_regions
from etl.schema import OBSERVATION_COLUMNS, OBSERVATION_KEY, validate_observations
from etl.sources.base import FetchContext
from etl.sources.figures import FiguresSource
from etl.sources.scb import ScbSource
from etl.sources.scb_discovery import is_found
from etl.store import PublishedState, Store

OBSERVATIONS_FILE = "observations.csv"
PROVENANCE_FILE = "provenance.json"
FLOWS_FILE = "flows.csv"  # origin-destination commuting from the published figures (etl/flows.py)


class SnapshotError(RuntimeError):
    """The snapshot cannot be built or loaded; the message says why."""


def snapshot_dir() -> Path:
    return Path(settings.get("NYCKELTAL_SNAPSHOT_DIR"))


def write_observations_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV: key order, values as up to 10 significant digits."""
    ordered = frame.sort_values(list(OBSERVATION_KEY), kind="stable").loc[:, list(OBSERVATION_COLUMNS)]
    ordered.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def read_observations_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        path,
        dtype={"region_code": str, "sex": str, "source_ref": str, "retrieved_at": str},
        keep_default_na=False,
        na_values={"value": [""], "retrieved_at": [""]},
    )
    return validate_observations(frame)


def replayable_requests(scb: ScbSource, ref: SourceRef, ctx: FetchContext) -> list:
    """The data requests of one SCB catalog entry, or [] for an entry whose table is found by a
    search (`find:`) the recorded material cannot answer: it is "not in the material", not an error."""
    try:
        return scb.requests_for(ref, ctx)
    except SourceError:
        if is_found(ref.params):
            return []
        raise


def build_snapshot(
    reference_dir: Path,
    out_dir: Path,
    catalog: Catalog | None = None,
    regions: Regions | None = None,
    progress=lambda _m: None,
) -> dict:
    """Rebuild the snapshot from `reference_dir` into `out_dir`; returns the provenance."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    recorded = RecordedSet.load(reference_dir)
    figures_dir = Path(reference_dir) / "figures"
    included: list[str] = []
    excluded: list[str] = []
    with ReplayServer(recorded) as server, tempfile.TemporaryDirectory() as tmp:
        scb = ScbSource(base_url=server.url, client=HttpClient(source="SCB", raw_dir=None, retries=0))
        figures = FiguresSource(directory=figures_dir)
        ctx = FetchContext(regions=regions)

        def include(ind: Indicator, ref: SourceRef) -> bool:
            label = f"{ind.id}: {ref.describe()}" + (f" ({ref.params['regions']})" if ref.kind == "scb" else "")
            if ref.kind in ("figures", "county_sum"):
                ok = True
            elif ref.kind == "scb":
                reqs = replayable_requests(scb, ref, ctx)
                ok = bool(reqs) and all(recorded.find(r.table, r.selection) for r in reqs)
            else:
                ok = False  # no recorded Kolada answers exist
            (included if ok else excluded).append(label)
            return ok

        store = Store(f"sqlite:///{Path(tmp) / 'snapshot.sqlite'}")
        outcome = refresh(
            store,
            catalog,
            regions,
            {"scb": scb, "figures": figures},
            trigger="snapshot",
            include=include,
            origin="snapshot",
            progress=progress,
        )
        if outcome.status != "published":
            raise SnapshotError(f"snapshot build failed: {outcome.error}")
        _, frame = store.read_observations()
        store.dispose()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_observations_csv(frame, out_dir / OBSERVATIONS_FILE)
    if (figures_dir / flows.FIGURES_FILE).exists():
        flow_rows, _names = flows.read_figures(figures_dir / flows.FIGURES_FILE)
        flows.write_flows_csv(flow_rows, out_dir / FLOWS_FILE)
    provenance = {
        "built_by": "python -m etl snapshot build --reference ../shared/reference",
        "method": "recorded SCB PxWebApi 2.0 answers replayed from a loopback server through etl.sources.scb; published figures through etl.sources.figures (ranked by etl/published_sources.yaml); the same refresh, derivations and validation gates as a live run",
        "recorded_answers": [
            {
                "file": str(r.path.relative_to(reference_dir)),
                "table": r.table,
                "kind": r.kind,
                "fetched_at": r.fetched_at,
                "sha256": hashlib.sha256(r.path.read_bytes()).hexdigest(),
            }
            for r in recorded.recordings
        ],
        "published_figures": [
            {"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
            for p in sorted(figures_dir.glob("*.csv"))
        ],
        "catalog_entries_included": included,
        "catalog_entries_not_in_the_material": excluded,
        "figure_conflicts": list(dict.fromkeys(figures.conflicts)),
        "observations": {
            "rows": len(frame),
            "with_value": int(frame["value"].notna().sum()),
            "sha256": hashlib.sha256((out_dir / OBSERVATIONS_FILE).read_bytes()).hexdigest(),
        },
        "licences": {"SCB": "CC0 1.0", "published": "each value's source_ref names its publisher"},
    }
    (out_dir / PROVENANCE_FILE).write_text(
        json.dumps(provenance, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return provenance


def load_snapshot_into(
    store: Store, catalog: Catalog | None = None, regions: Regions | None = None, directory: Path | None = None
) -> PublishedState:
    """Publish the bundled snapshot into `store` (validated like any other load)."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    path = Path(directory or snapshot_dir()) / OBSERVATIONS_FILE
    if not path.exists():
        raise SnapshotError(f"the bundled snapshot {path} is missing; restore it with git checkout -- data/snapshot")
    frame = read_observations_csv(path)
    flows_path = path.parent / FLOWS_FILE
    flow_rows = flows.read_flows_csv(flows_path) if flows_path.exists() else None
    gates = run_gates(frame, None, catalog, regions, settings.get_float("NYCKELTAL_MAX_JUMP"))
    if not gates.ok:
        raise SnapshotError("the bundled snapshot fails validation:\n  " + "\n  ".join(gates.failures[:20]))
    store.create_schema()
    return store.publish(frame, catalog, regions, origin="snapshot", flows=flow_rows)


def ensure_published(store: Store) -> PublishedState:
    """The published state, loading the bundled snapshot first when the store is empty."""
    store.create_schema()
    state = store.state()
    if state is not None:
        return state
    with store.refresh_lock() as held:
        state = store.state()
        if state is None and held:
            return load_snapshot_into(store)
    state = store.state()
    if state is None:
        raise SnapshotError("the store is empty and another process is loading the snapshot; try again in a moment")
    return state
