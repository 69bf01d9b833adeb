"""The parser of `python -m etl` and `main`: each subcommand's options, dispatch, and the exit code of an error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.catalog import CatalogError
from etl.cli.deploy import cmd_settings, cmd_snapshot
from etl.cli.export import cmd_export
from etl.cli.refresh import cmd_refresh, cmd_schedule, refresh_options
from etl.cli.state import cmd_rollback, cmd_status, cmd_versions
from etl.outcome import EXIT_FAILED, EXIT_USAGE
from etl.regions import RegionsError
from etl.snapshot import SnapshotError
from etl.store import StoreError

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"  # ../shared/reference beside the checkout


def build_parser() -> argparse.ArgumentParser:
    """The command line (refresh and schedule take each source kind's declared option)."""
    parser = argparse.ArgumentParser(
        prog="python -m etl", description="nyckeltal ETL: fetch, validate and publish Södertörn's key figures."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("refresh", help="fetch from the sources, validate, publish atomically")
    refresh_options(p)
    p.add_argument("--trigger", default="manual", choices=["manual", "schedule"], help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser(
        "schedule", help="refresh on NYCKELTAL_REFRESH_CRON, in the foreground until stopped (systemd, containers)"
    )
    refresh_options(p)
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
    p.add_argument("--reference", default=str(REFERENCE), help="reference directory (default ../shared/reference)")
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
