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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import flows, settings
from etl.catalog import Catalog, Indicator, SourceRef, load_catalog
from etl.checks import run_gates
from etl.http import HttpClient, SourceError
from etl.recorded import RecordedSet, ReplayServer
from etl.refresh import RefreshOutcome, refresh
from etl.regions import Regions, load_regions
from etl.schema import OBSERVATION_COLUMNS, OBSERVATION_KEY, validate_observations
from etl.sources.base import FetchContext
from etl.sources.figures import FiguresSource
from etl.sources.scb import ScbSource
from etl.sources.scb_discovery import is_found
from etl.store import PublishedState, Store, StoreError

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


@dataclass(frozen=True)
class Replay:
    """What replaying the recorded material into a store did."""

    outcome: RefreshOutcome
    requests: list[str]  # the loopback server's request log, in order
    base_url: str  # the loopback server's URL (the raw archive names it)
    included: list[str]  # catalog entries the material answers
    excluded: list[str]  # catalog entries it cannot answer
    figure_conflicts: list[str]


def replay_into(
    store: Store,
    recorded: RecordedSet,
    figures_dir: Path,
    catalog: Catalog,
    regions: Regions,
    raw_dir: Path | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> Replay:
    """Run the refresh into `store` on the recorded SCB answers (served from a loopback server through
    the SCB adapter) and the published figures in `figures_dir`; only the entries they can answer."""
    included: list[str] = []
    excluded: list[str] = []
    with ReplayServer(recorded) as server:
        scb = ScbSource(base_url=server.url, client=HttpClient(source="SCB", raw_dir=raw_dir, retries=0))
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
        log = list(server.log)
    return Replay(outcome, log, server.url, included, excluded, list(dict.fromkeys(figures.conflicts)))


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
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'snapshot.sqlite'}")
        try:
            replay = replay_into(store, recorded, figures_dir, catalog, regions, progress=progress)
            if replay.outcome.status != "published":
                raise SnapshotError(f"snapshot build failed: {replay.outcome.error}")
            _, frame = store.read_observations()
        finally:
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
        "catalog_entries_included": replay.included,
        "catalog_entries_not_in_the_material": replay.excluded,
        "figure_conflicts": replay.figure_conflicts,
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
    store: Store,
    catalog: Catalog | None = None,
    regions: Regions | None = None,
    directory: Path | None = None,
    run_id: int | None = None,
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
    return store.publish(frame, catalog, regions, origin="snapshot", flows=flow_rows, run_id=run_id)


EMPTY_STORE = (
    "the store is empty (no published dataset): load the bundled snapshot with "
    "`python -m etl snapshot load`, or fetch from the sources with `python -m etl refresh`"
)


def load_bundled(
    store: Store, wait_s: float | None = None, progress: Callable[[str], None] = lambda _m: None
) -> tuple[PublishedState, bool]:
    """The one public step that fills an empty store with the bundled snapshot
    (`python -m etl snapshot load`; the app's first start and a refresh into an empty store use it too).

    Returns (published state, whether this call loaded it). A store that already has a dataset is
    left as it is. When another process holds the refresh lock (it is loading the snapshot, or
    refreshing), this one waits for its dataset, up to `wait_s` seconds (NYCKELTAL_SNAPSHOT_WAIT),
    then gives up with a SnapshotError saying so. The load is logged as a run (`loaded`)."""
    wait_s = settings.get_float("NYCKELTAL_SNAPSHOT_WAIT") if wait_s is None else wait_s
    store.create_schema()
    end = time.monotonic() + wait_s
    told = False
    while True:
        state = store.state()
        if state is not None:
            return state, False
        with store.refresh_lock() as held:
            if held:
                state = store.state()
                if state is not None:
                    return state, False
                return _load_logged(store), True
        if not told:
            progress(f"another process is loading the snapshot or refreshing; waiting for it (up to {wait_s:g} s)")
            told = True
        if time.monotonic() >= end:
            raise SnapshotError(
                f"the store is still empty after waiting {wait_s:g} s for another process that holds the refresh "
                "lock (loading the snapshot or refreshing); nothing was loaded. If that process is gone, run "
                "`python -m etl snapshot load` again (NYCKELTAL_SNAPSHOT_WAIT sets how long to wait)"
            )
        time.sleep(0.2)


def _load_logged(store: Store) -> PublishedState:
    """load_snapshot_into under a run row (status `loaded`, or `failed` with the reason)."""
    store.mark_interrupted()
    run_id = store.start_run("snapshot")
    try:
        state = load_snapshot_into(store, run_id=run_id)
    except (SnapshotError, StoreError, OSError, ValueError) as exc:
        store.finish_run(run_id, "failed", error=f"snapshot load failed: {str(exc).strip().splitlines()[0]}")
        raise
    store.finish_run(run_id, "loaded", {"snapshot": {"rows": state.row_count}}, version=state.version)
    return state


def ensure_published(store: Store, progress: Callable[[str], None] = lambda _m: None) -> PublishedState:
    """The published state; an empty store is first loaded with the bundled snapshot (load_bundled),
    saying so through `progress`. For commands that write (refresh); read commands never load."""
    state, loaded = load_bundled(store, progress=progress)
    if loaded:
        progress(
            f"the store was empty: loaded the bundled snapshot as version {state.version} (python -m etl snapshot load)"
        )
    return state
