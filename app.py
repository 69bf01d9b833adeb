"""Run the nyckeltal dashboard: `python app.py [--host H] [--port P]` (default 127.0.0.1:8050).

`server` is the Flask app for a WSGI server, e.g. `gunicorn app:server`. The dashboard only reads:
an empty store is first loaded by the deploy step `python -m etl snapshot load`, run here in its own
process (a second process starting at once waits for the first's load), never by the dashboard.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from dashboard.app import create_app
from dashboard.data import LOAD_COMMAND, EmptyStoreError, published_version
from dashboard.security import QuietRequestHandler
from etl import settings
from etl.store import Store

ROOT = Path(__file__).resolve().parent


def load_snapshot_if_empty(url: str) -> None:
    """First start on an empty store: run the public deploy step (`python -m etl snapshot load`) in a
    child process; exit with its status when it fails. A store with a dataset is left as it is."""
    store = Store(url)
    try:
        published_version(store)
        return
    except EmptyStoreError:
        pass
    finally:
        store.dispose()
    env = os.environ | {"NYCKELTAL_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "etl", "snapshot", "load"], cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"`{LOAD_COMMAND}` failed (exit {done.returncode}); the dashboard did not start")


load_snapshot_if_empty(settings.get("NYCKELTAL_DATABASE_URL"))
app = create_app()
server = app.server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the nyckeltal dashboard.")
    parser.add_argument("--host", default=settings.get("NYCKELTAL_HOST"), help="address to listen on (NYCKELTAL_HOST)")
    parser.add_argument("--port", type=int, default=settings.get_int("NYCKELTAL_PORT"), help="port (NYCKELTAL_PORT)")
    args = parser.parse_args(argv)
    app.run(
        host=args.host,
        port=args.port,
        debug=settings.get("NYCKELTAL_DEBUG") == "1",
        request_handler=QuietRequestHandler,  # no 'Server: Werkzeug/… Python/…' header
    )


if __name__ == "__main__":
    main()
