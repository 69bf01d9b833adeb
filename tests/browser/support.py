"""What every browser test shares: Debian's Chromium, and the dashboard served on loopback."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bench.pages import CHROMIUM, CHROMIUM_ARGS

# as root on a closed network: no sandbox, and no background calls to Google's hosts (the benchmark's own)
ARGS = CHROMIUM_ARGS


def require_chromium() -> None:
    """Skip on a developer machine without Debian's chromium; in CI its absence is a failure."""
    if Path(CHROMIUM).exists():
        return
    message = f"no Chromium at {CHROMIUM}: install Debian's chromium (scripts/test.sh does)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def live_dashboard(database_url: str, request_handler: Any = None) -> Iterator[str]:
    """The dashboard over `database_url` on 127.0.0.1 (a free port) in a thread; yields its base URL. An
    empty store is first loaded by the deploy step (load_bundled, `python -m etl snapshot load`)."""
    require_chromium()
    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from etl.snapshot import load_bundled
    from etl.store import Store

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    store = Store(database_url)
    try:
        load_bundled(store)
    finally:
        store.dispose()
    app = create_app(database_url)
    extra = {"request_handler": request_handler} if request_handler else {}
    server = make_server("127.0.0.1", 0, app.server, threaded=True, **extra)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
