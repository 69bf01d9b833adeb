"""`export`: one indicator's published figures in the export contract's columns, as CSV, XLSX or Parquet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.catalog import load_catalog
from etl.cli.shared import open_store, published
from etl.exporters import write_export
from etl.outcome import EXIT_FAILED, EXIT_USAGE
from etl.query import Dataset, QueryError, Selection, query
from etl.regions import load_regions


def cmd_export(args: argparse.Namespace) -> int:
    """The published figures of one indicator: of one sex (--sex), or of every sex it has (T, K, M) in one
    file, by region, year and sex."""
    import pandas as pd

    catalog, regions = load_catalog(), load_regions()
    if args.sex is None and args.indicator not in catalog.indicators:
        print(f"error: unknown indicator {args.indicator!r}; known: {', '.join(catalog.indicators)}", file=sys.stderr)
        return EXIT_USAGE
    store = open_store()
    if published(store) is None:
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


def _about(rows, catalog, lang: str) -> list[tuple[str, str]]:
    """The XLSX "om" sheet of a CLI export: one row per publisher and its licence (etl.licences)."""
    from etl.licences import licence_rows

    return licence_rows("Licens" if lang == "sv" else "Licence", rows, catalog, lang)
