"""Warm-up: a process loads the dataset, the default views and the static files before its first user.

Under gunicorn `warm_up(compress=False)` runs once in the master (before fork): it does not compress
(~1 s of a start with no cache), it loads what the disk cache holds and leaves the rest to
`dashboard.static_compression.compress_in_background()`, which the workers start once they serve (the
first to reach a file compresses it, the others read it from disk). `after_fork()` runs in each worker.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import dash

from dashboard import static_compression

LOG = logging.getLogger(__name__)


def warm_up(app: dash.Dash, paths: tuple[str, ...] = ("/", "/jamfor"), compress: bool = True) -> dict[str, Any]:
    """Load the dataset, render `paths` and fetch every script/stylesheet they name (filling the caches).

    With `compress=False` only compressed bytes already on disk are loaded; the URLs of the others
    are left in `static_compression.pending` for compress_in_background(). Returns timings for the
    log. Safe to call in gunicorn's master (before fork) and in a worker.
    """
    from dashboard import data  # late: the app module configures the data source

    started = time.perf_counter()
    compressions_before = static_compression.stats["compressions"]
    data.dataset()
    loaded = time.perf_counter()
    client = app.server.test_client()
    urls: set[str] = set()
    for path in paths:
        resp = client.get(path, headers={"Accept-Encoding": "identity"})
        html = resp.get_data(as_text=True)
        urls.update(re.findall(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"', html))
    static_compression.load(client, urls, compress=compress)
    _warm_jamfor()
    done = time.perf_counter()
    report = {
        "dataset_s": round(loaded - started, 3),
        "total_s": round(done - started, 3),
        "static_files": len(urls),
        "compressed": static_compression.held(),  # compressed bodies held (from the disk cache or compressed now)
        "compressed_now": static_compression.stats["compressions"] - compressions_before,
        "compression_deferred": len(static_compression.pending),
    }
    LOG.info("warm-up: %s", report)
    return report


def _warm_jamfor() -> None:
    """Render the default /jamfor views (sv and en) through the real callback, so they are cached."""
    from dashboard import data
    from dashboard.i18n import LANGS
    from dashboard.pages import jamfor
    from dashboard.state import context_from, parse_query

    dataset = data.dataset()
    for lang in LANGS:
        jamfor.render_view(dataset, parse_query({"lang": lang}, context_from(dataset)))


def after_fork() -> None:
    """In a new worker: drop database connections inherited from the master (never share a socket)."""
    from dashboard import data

    data.source().store.engine.dispose(close=False)
