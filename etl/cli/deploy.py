"""`snapshot` and `settings`: build the bundled snapshot, load it into an empty store, list every setting."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etl import settings
from etl.cli.shared import open_store
from etl.outcome import EXIT_USAGE
from etl.snapshot import build_snapshot, load_bundled, snapshot_dir


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
    store = open_store()
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
