"""Fault-injection helper run as a subprocess by test_faults.py (not a test module).

Refreshes population from the SCB table TAB638 at `scb_url` into the store at
`store_url` and, inside the publish transaction after every row is written but
before the commit, writes `marker` and waits forever: the test then SIGKILLs it.

usage: python tests/etl/fault_child.py STORE_URL SCB_URL MARKER RAW_DIR
       python tests/etl/fault_child.py rollback STORE_URL MARKER   (the same, inside a rollback's transaction)
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from etl.catalog import load_catalog  # noqa: E402
from etl.http import HttpClient  # noqa: E402
from etl.refresh import refresh  # noqa: E402
from etl.regions import load_regions  # noqa: E402
from etl.sources.scb import ScbSource  # noqa: E402
from etl.store import Store  # noqa: E402


def main(store_url: str, scb_url: str, marker: str, raw_dir: str) -> int:
    store = Store(store_url)

    def pause_before_commit() -> None:
        Path(marker).write_text("publishing, not committed\n", encoding="utf-8")
        threading.Event().wait()  # until SIGKILL

    store.before_commit = pause_before_commit
    source = ScbSource(base_url=scb_url, client=HttpClient("SCB", raw_dir=Path(raw_dir), timeout=10, retries=0))
    outcome = refresh(
        store,
        load_catalog(),
        load_regions(),
        {"scb": source},
        indicators=["population"],
        include=lambda _ind, ref: (
            ref.kind == "scb" and ref.params["table"] == "TAB638" and ref.params["regions"] == "municipalities"
        ),
        trigger="schedule",
    )
    print(f"refresh ended without being killed: {outcome.status} {outcome.error}", file=sys.stderr)
    return 1


def main_rollback(store_url: str, marker: str) -> int:
    from etl.versions import rollback

    store = Store(store_url)

    def pause_before_commit() -> None:
        Path(marker).write_text("rolling back, not committed\n", encoding="utf-8")
        threading.Event().wait()  # until SIGKILL

    store.before_commit = pause_before_commit
    outcome = rollback(store)
    print(f"rollback ended without being killed: {outcome.status} {outcome.error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "rollback":
        sys.exit(main_rollback(*sys.argv[2:4]))
    sys.exit(main(*sys.argv[1:5]))
