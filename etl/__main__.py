"""Command line: python -m etl {refresh,schedule,status,export,versions,rollback,snapshot,settings} --help."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from etl import settings
from etl.catalog import CatalogError, load_catalog, source_kinds
from etl.exporters import write_export
from etl.freshness import assess_all, run_counts
from etl.outcome import EXIT_FAILED, EXIT_USAGE
from etl.query import Dataset, QueryError, Selection, query
from etl.refresh import refresh
from etl.regions import RegionsError, load_regions
from etl.snapshot import (
    EMPTY_STORE,
    SnapshotError,
    build_snapshot,
    ensure_published,
    load_bundled,
    snapshot_dir,
)
from etl.store import PublishedState, Store, StoreError, tables_missing


def _store() -> Store:
    return Store(settings.get("NYCKELTAL_DATABASE_URL"))


def fetched_kinds() -> tuple[str, ...]:
    """The kinds of source a refresh fetches: those catalog.yaml's `source_kinds` gives an adapter."""
    return tuple(k for k, decl in source_kinds().items() if decl.adapter)


def _adapters(sources: list[str], args: argparse.Namespace) -> dict:
    """The declared adapter of each chosen kind (imported only now): a class is made with its declared
    option's value when one is given on the command line (else with no arguments), a function is used as it is."""
    table: dict[str, Any] = {}
    for kind in (k for k in fetched_kinds() if k in sources):
        declared = source_kinds()[kind]
        module, attribute = str(declared.adapter).split(":")
        adapter = getattr(importlib.import_module(module), attribute)
        if not isinstance(adapter, type):
            table[kind] = adapter
            continue
        value = getattr(args, _dest(declared.option.flag), None) if declared.option else None
        table[kind] = adapter(**{declared.option.keyword: value}) if value is not None else adapter()
    return table


def _dest(flag: str) -> str:
    """argparse's attribute for --flag."""
    return flag.replace("-", "_")


def _structures(adapters: dict, regions, store, *, full: bool, whole: bool) -> dict:
    """Tables beside the observations fetched by a full refresh of everything (the age
    structure and the municipality-pair commuting flows); otherwise the published ones
    are carried over. See etl.refresh.online_structures."""
    from etl.refresh import online_structures

    return online_structures(adapters, regions, store, full=full, whole=whole)


def cmd_refresh(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    catalog, regions = load_catalog(), load_regions()
    store = _store()
    ensure_published(store, progress=lambda m: print(m, file=sys.stderr))
    sources = args.source.split(",") if args.source else list(fetched_kinds())
    unknown = [s for s in sources if s not in fetched_kinds()]
    if unknown:
        print(f"unknown source(s) {unknown}; choose from {', '.join(fetched_kinds())}", file=sys.stderr)
        return EXIT_USAGE
    indicators = args.indicator.split(",") if args.indicator else None
    chosen = indicators or [i.id for i in catalog.stored()]
    adapters = _adapters(sources, args)
    structures = _structures(adapters, regions, store, full=args.full, whole=indicators is None)
    bar = tqdm(
        total=len(chosen) + len(structures),
        unit="indicator",
        disable=args.quiet or not sys.stderr.isatty(),
        file=sys.stderr,
    )

    def progress(msg: str) -> None:
        if msg.endswith(": fetching"):
            bar.update(1)
            bar.set_description(msg.split(":")[0])
        elif not args.quiet and (msg.startswith("warning") or not sys.stderr.isatty()):
            print(msg, file=sys.stderr)

    try:
        outcome = refresh(
            store,
            catalog,
            regions,
            adapters,
            trigger=args.trigger,
            indicators=indicators,
            full=args.full,
            allow_shrink=args.allow_shrink,
            accept_jumps=args.accept_jumps,
            progress=progress,
            structures=structures,
        )
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        bar.close()
    run, state = outcome.run_id, outcome.state
    return _report(
        outcome,
        {
            "published": lambda: f"published dataset version {state.version} ({state.row_count} rows); run {run}",
            "unchanged": lambda: f"no source changed; the published dataset stays; run {run}",
            "locked": lambda: "another refresh is running (lock held); nothing done",
        },
        lambda: f"refresh failed, the published dataset is unchanged (run {run}): {outcome.error}",
    )


def _report(outcome: Any, said: dict[str, Callable[[], str]], failure: Callable[[], str]) -> int:
    """What a writing command did: the line for its outcome's status on stdout, else `failure` on stderr;
    the outcome's exit code."""
    if outcome.status in said:
        print(said[outcome.status]())
    else:
        print(failure(), file=sys.stderr)
    return outcome.exit_code


def _refresh_options(p: argparse.ArgumentParser) -> None:
    """The options `refresh` and `schedule` share."""
    p.add_argument(
        "--source", help="comma-separated subset of the fetched source kinds (catalog.yaml source_kinds; default: all)"
    )
    p.add_argument("--indicator", help="comma-separated indicator ids (default: every stored indicator)")
    p.add_argument(
        "--full",
        action="store_true",
        default=False,
        help="fetch everything, even what the sources say is unchanged (default: incremental, only what changed)",
    )
    p.add_argument("--incremental", dest="full", action="store_false", help="only what changed (the default)")
    p.add_argument(
        "--allow-shrink", action="store_true", help="publish even if coverage shrinks (otherwise a validation failure)"
    )
    p.add_argument(
        "--accept-jumps",
        action="store_true",
        help="publish even values that change against the published ones beyond their unit's hard plausibility "
        "bound (jump_fail in etl/catalog.yaml; otherwise a validation failure)",
    )
    for declared in source_kinds().values():  # each source kind's own option (catalog.yaml source_kinds)
        if declared.option:
            p.add_argument(f"--{declared.option.flag}", help=declared.option.help)
    p.add_argument("--quiet", action="store_true", help="no progress output")


def cmd_schedule(args: argparse.Namespace) -> int:
    from etl.schedule import CronError, RefreshScheduler, configure_logging

    configure_logging()
    cron = args.cron or settings.get("NYCKELTAL_REFRESH_CRON")
    try:
        scheduler = RefreshScheduler(cron, lambda: _scheduled_refresh(args))
    except CronError as exc:
        print(f"error: {exc} (set NYCKELTAL_REFRESH_CRON or --cron)", file=sys.stderr)
        return EXIT_USAGE
    if args.once:
        return scheduler.run_once()
    return scheduler.run(run_now=args.run_now)


def _scheduled_refresh(args: argparse.Namespace) -> int:
    """One scheduled refresh; errors that end `refresh` become exit codes, never a dead scheduler."""
    try:
        return cmd_refresh(args)
    except (CatalogError, RegionsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StoreError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _published(store: Store) -> PublishedState | None:
    """The published state for a read command; None (after saying so, naming the command that loads
    the snapshot) when the store is empty. Read commands never load anything into the store."""
    try:
        state = store.state()
    except StoreError as exc:
        if not tables_missing(exc):
            raise
        state = None
    if state is None:
        print(f"error: {EMPTY_STORE}", file=sys.stderr)
    return state


def cmd_status(args: argparse.Namespace) -> int:
    catalog, regions = load_catalog(), load_regions()
    store = _store()
    try:
        state = _published(store)
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


def cmd_versions(args: argparse.Namespace) -> int:
    from etl.versions import format_versions, list_versions, versions_json

    store = _store()
    if _published(store) is None:
        return EXIT_FAILED
    found = list_versions(store)
    print(versions_json(found) if args.json else format_versions(found))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from etl.versions import rollback

    store = _store()
    if _published(store) is None:
        return EXIT_FAILED
    outcome = rollback(store, args.to)
    run = outcome.run_id
    return _report(
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


def _span(rows) -> str:
    if rows.empty:
        return "-"
    return f"{int(rows['year'].min())}–{int(rows['year'].max())}"


def _coverage(rows, members: list[str]) -> str:
    mine = rows[rows["region_code"].isin(members)]
    if mine.empty:
        return "-"
    return f"{_span(mine)} ({mine['region_code'].nunique()}/8)"


def cmd_export(args: argparse.Namespace) -> int:
    """The published figures of one indicator: of one sex (--sex), or of every sex it has (T, K, M) in one
    file, by region, year and sex."""
    import pandas as pd

    catalog, regions = load_catalog(), load_regions()
    if args.sex is None and args.indicator not in catalog.indicators:
        print(f"error: unknown indicator {args.indicator!r}; known: {', '.join(catalog.indicators)}", file=sys.stderr)
        return EXIT_USAGE
    store = _store()
    if _published(store) is None:
        return EXIT_FAILED
    version, frame = store.read_observations()
    dataset = Dataset(version, frame, catalog, regions)
    codes = tuple(args.regions.split(",")) if args.regions else tuple(regions.sodertorn.members)
    sexes = [args.sex] if args.sex else list(catalog.indicators[args.indicator].sexes)
    try:
        parts = [
            query(
                dataset,
                Selection(args.indicator, codes, args.year_from, args.year_to, sex, args.mode, args.base),
                lang=args.lang,
            )
            for sex in sexes
        ]
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rows = parts[0]
    if args.sex is None:
        rows = pd.concat(parts, ignore_index=True)
        order = {c: i for i, c in enumerate(codes)}
        sex_order = {"T": 0, "K": 1, "M": 2}
        rows = (
            rows.assign(_r=rows["region_code"].map(order), _s=rows["sex"].map(sex_order))
            .sort_values(["_r", "year", "_s"], kind="stable")
            .drop(columns=["_r", "_s"])
            .reset_index(drop=True)
        )
    if args.format != "csv" and not args.output:
        print(f"error: --format {args.format} needs --output FILE", file=sys.stderr)
        return EXIT_USAGE
    write_export(rows, args.format, Path(args.output) if args.output else sys.stdout, _about(rows, catalog, args.lang))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    if args.action == "load":
        return cmd_snapshot_load(args)
    reference = Path(args.reference)
    if not (reference / "scb").is_dir():
        print(f"error: no recorded reference material at {reference} (expected {reference}/scb)", file=sys.stderr)
        return EXIT_USAGE
    prov = build_snapshot(
        reference,
        Path(args.output or snapshot_dir()),
        progress=lambda m: print(m, file=sys.stderr) if m.startswith("warning") else None,
    )
    print(json.dumps(prov["observations"]))
    return 0


def cmd_snapshot_load(_args: argparse.Namespace) -> int:
    """Load the bundled snapshot into an empty store (waiting for another process that is loading it)."""
    store = _store()
    state, loaded = load_bundled(store, progress=lambda m: print(m, file=sys.stderr))
    if loaded:
        print(f"loaded the bundled snapshot as dataset version {state.version} ({state.row_count} rows)")
    else:
        print(f"the store already holds dataset version {state.version} ({state.origin}); nothing loaded")
    return 0


def cmd_settings(_args: argparse.Namespace) -> int:
    for s in settings.SETTINGS:
        print(f"{s.name}\n    default: {s.default}\n    now:     {s.get()}\n    {s.help}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line (refresh and schedule take each source kind's declared option)."""
    parser = argparse.ArgumentParser(
        prog="python -m etl", description="nyckeltal ETL: fetch, validate and publish Södertörn's key figures."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("refresh", help="fetch from the sources, validate, publish atomically")
    _refresh_options(p)
    p.add_argument("--trigger", default="manual", choices=["manual", "schedule"], help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser(
        "schedule", help="refresh on NYCKELTAL_REFRESH_CRON, in the foreground until stopped (systemd, containers)"
    )
    _refresh_options(p)
    p.add_argument("--cron", help="crontab expression, Europe/Stockholm time (default: setting NYCKELTAL_REFRESH_CRON)")
    p.add_argument("--run-now", action="store_true", help="refresh once right away, then keep to the schedule")
    p.add_argument(
        "--once", action="store_true", help="refresh once now as the scheduler would, exit with the refresh's exit code"
    )
    p.set_defaults(func=cmd_schedule, trigger="schedule")

    p = sub.add_parser("status", help="indicators, coverage, freshness and the last runs")
    p.add_argument("--runs", type=int, default=5, help="how many recent runs to list")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("export", help="write the published figures in the export contract's columns")
    p.add_argument("--indicator", required=True, help="indicator id, e.g. population")
    p.add_argument("--regions", help="comma-separated region codes or group ids (default: the eight)")
    p.add_argument("--from", dest="year_from", type=int, help="first year")
    p.add_argument("--to", dest="year_to", type=int, help="last year")
    p.add_argument(
        "--sex", choices=["T", "K", "M"], default=None, help="T total, K women, M men (default: all the indicator has)"
    )
    p.add_argument(
        "--mode",
        choices=["value", "per1000", "index", "change"],
        default="value",
        help="value (default), per1000, index, change",
    )
    p.add_argument("--base", type=int, help="base year for --mode index")
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="language of labels")
    p.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")
    p.add_argument("--output", help="file to write (default: stdout, csv only)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("versions", help="the published versions the store keeps (NYCKELTAL_KEEP_VERSIONS)")
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("rollback", help="make an earlier kept version the published one (one transaction, a run)")
    p.add_argument("--to", type=int, help="the version to publish again (default: the one before the published one)")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser(
        "snapshot",
        help="build: rebuild the bundled snapshot from recorded reference material (default); "
        "load: load the bundled snapshot into an empty store",
    )
    p.add_argument("action", nargs="?", choices=["build", "load"], default="build", help="build (default) or load")
    p.add_argument(
        "--reference",
        default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "reference"),
        help="reference directory (default ../shared/reference)",
    )
    p.add_argument("--output", help="snapshot directory (default: data/snapshot)")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("settings", help="every setting with its default, value and help")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (CatalogError, RegionsError, StoreError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, CatalogError | RegionsError) else EXIT_FAILED


def _about(rows, catalog, lang: str) -> list[tuple[str, str]]:
    """The XLSX "om" sheet of a CLI export: one row per publisher and its licence (etl.licences)."""
    from etl.licences import licence_rows

    return licence_rows("Licens" if lang == "sv" else "Licence", rows, catalog, lang)


if __name__ == "__main__":
    sys.exit(main())
