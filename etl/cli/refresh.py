"""`refresh` and `schedule`: fetch from the chosen source kinds with their declared adapters, validate, publish."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from etl import settings
from etl.catalog import CatalogError, load_catalog, source_kinds
from etl.cli.shared import open_store, report
from etl.outcome import EXIT_FAILED, EXIT_USAGE
from etl.refresh import refresh
from etl.regions import RegionsError, load_regions
from etl.snapshot import SnapshotError, ensure_published
from etl.store import StoreError


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
    store = open_store()
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
    return report(
        outcome,
        {
            "published": lambda: f"published dataset version {state.version} ({state.row_count} rows); run {run}",
            "unchanged": lambda: f"no source changed; the published dataset stays; run {run}",
            "locked": lambda: "another refresh is running (lock held); nothing done",
        },
        lambda: f"refresh failed, the published dataset is unchanged (run {run}): {outcome.error}",
    )


def refresh_options(p: argparse.ArgumentParser) -> None:
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
