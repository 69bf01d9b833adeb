"""Run the nyckeltal dashboard: `python app.py [--host H] [--port P]` (default 127.0.0.1:8050).

`server` is the Flask app for a WSGI server, e.g. `gunicorn app:server`.
"""

from __future__ import annotations

import argparse

from dashboard.app import create_app
from dashboard.security import QuietRequestHandler
from etl import settings

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
