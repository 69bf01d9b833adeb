"""What the commands share: the store the settings name, a read command's published state, a writing command's report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from etl import settings
from etl.snapshot import EMPTY_STORE
from etl.store import PublishedState, Store, StoreError, tables_missing


def open_store() -> Store:
    """The store NYCKELTAL_DATABASE_URL names."""
    return Store(settings.get("NYCKELTAL_DATABASE_URL"))


def published(store: Store) -> PublishedState | None:
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


def report(outcome: Any, said: dict[str, Callable[[], str]], failure: Callable[[], str]) -> int:
    """What a writing command did: the line for its outcome's status on stdout, else `failure` on stderr;
    the outcome's exit code."""
    if outcome.status in said:
        print(said[outcome.status]())
    else:
        print(failure(), file=sys.stderr)
    return outcome.exit_code
