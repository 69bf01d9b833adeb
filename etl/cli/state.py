"""`status`, `versions` and `rollback`: the store's published state, its kept versions and the runs journal."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from etl.catalog import load_catalog
from etl.cli.shared import open_store, published, report
from etl.freshness import assess_all, run_counts
from etl.outcome import EXIT_FAILED
from etl.regions import load_regions
from etl.snapshot import SnapshotError
from etl.store import StoreError


def cmd_status(args: argparse.Namespace) -> int:
    catalog, regions = load_catalog(), load_regions()
    store = open_store()
    try:
        state = published(store)
        if state is None:
            _print_unlogged()
            return EXIT_FAILED
        version, frame = store.read_observations()
    except (StoreError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        _print_unlogged()
        return EXIT_FAILED
    print(f"Dataset version {version}, published {state.published_at} ({state.origin}), {state.row_count} rows")
    print(f"Store: {store._safe_url()}\n")
    sod = list(regions.sodertorn.members)
    header = f"{'indicator':<28} {'source':<10} {'Södertörn (8)':<16} {'county 01':<12} {'Riket 00':<12} {'newest data':<12} freshness"
    print(header)
    print("-" * len(header))
    now = datetime.now(UTC)
    fresh_by_id = assess_all(catalog, frame, store.source_updated(), now)
    for ind in catalog.indicators.values():
        rows = frame[(frame["indicator_id"] == ind.id) & frame["value"].notna()]
        cov = _coverage(rows, sod)
        county = _span(rows[rows["region_code"] == "01"])
        riket = _span(rows[rows["region_code"] == "00"])
        stamps = rows["retrieved_at"].dropna()
        newest = str(stamps.max()) if len(stamps) else None
        fresh = fresh_by_id[ind.id].describe()
        print(
            f"{ind.id:<28} {ind.primary_source:<10} {cov:<16} {county:<12} {riket:<12} {(newest or '-')[:10]:<12} {fresh}"
        )
    runs = store.recent_runs(args.runs)
    print(f"\nLast {len(runs)} run(s):")
    for r in runs:
        c = run_counts(r["details"])
        print(
            f"  #{r['id']} {r['started_at']} → {r['finished_at'] or '…'} {r['trigger']:<9} {r['status']:<11} "
            f"version {r['dataset_version'] or '-'}  indicators {c['fetched']} fetched, {c['unchanged']} unchanged, "
            f"{c['failed']} failed; rows +{c['rows_added']} ~{c['rows_changed']} -{c['rows_removed']}"
        )
        problem = (r["error"] or "").strip().splitlines()
        if problem or r["validation"]:
            print(f"      {problem[0][:160] if problem else r['validation'][:160]}")
    _print_unlogged()
    stale = [f.indicator_id for f in fresh_by_id.values() if f.state == "stale"]
    print(f"\n{len(stale)} stale indicator(s){': ' + ', '.join(stale) if stale else ''}")
    return 0


def _print_unlogged() -> None:
    """Runs the store refused to log (etl.runlog), newest first."""
    from etl.runlog import read_unlogged

    lines = read_unlogged(5)
    if lines:
        print("\nRun(s) the store could not log (NYCKELTAL_RUN_JOURNAL):")
    for line in lines:
        print(
            f"  {line.get('at')} {line.get('trigger', ''):<9} {line.get('status', ''):<11}\n      {line.get('error', '')[:200]}"
        )


def _span(rows) -> str:
    if rows.empty:
        return "-"
    return f"{int(rows['year'].min())}–{int(rows['year'].max())}"


def _coverage(rows, members: list[str]) -> str:
    mine = rows[rows["region_code"].isin(members)]
    if mine.empty:
        return "-"
    return f"{_span(mine)} ({mine['region_code'].nunique()}/8)"


def cmd_versions(args: argparse.Namespace) -> int:
    from etl.versions import format_versions, list_versions, versions_json

    store = open_store()
    if published(store) is None:
        return EXIT_FAILED
    found = list_versions(store)
    print(versions_json(found) if args.json else format_versions(found))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from etl.versions import rollback

    store = open_store()
    if published(store) is None:
        return EXIT_FAILED
    outcome = rollback(store, args.to)
    run = outcome.run_id
    return report(
        outcome,
        {
            "rolled_back": lambda: (
                f"rolled back: version {outcome.after} is the published one again (was {outcome.before}); run {run}"
            ),
            "unchanged": lambda: f"{outcome.error}; run {run}",
            "locked": lambda: "another refresh or rollback is running (lock held); nothing done",
        },
        lambda: f"{outcome.error} (run {run})",
    )
