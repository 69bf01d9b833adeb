"""gunicorn settings for production: `.venv/bin/gunicorn -c gunicorn.conf.py app:server`.

Workers one per CPU, threaded against slow clients (see the "slow clients" block at the end);
the app is imported and warmed up once in the master (dataset loaded, default views
rendered, compressed static files read from the disk cache) and shared with the workers by fork;
static files not yet compressed on this host are compressed by the workers in a background thread
once they serve (so a start with no cache does not wait ~1 s for brotli). Each worker
keeps the dataset in memory and reloads it when the store's dataset version changes.
Environment: NYCKELTAL_HOST / NYCKELTAL_PORT (bind), NYCKELTAL_WORKERS (default: CPU count),
NYCKELTAL_ACCESS_LOG ('-' stdout, a file path, or 'off').
"""

from __future__ import annotations

import gc
import os

from etl import settings

_host = settings.get("NYCKELTAL_HOST")
_port = settings.get("NYCKELTAL_PORT")

bind = [f"{_host}:{_port}"]
workers = int(settings.get("NYCKELTAL_WORKERS") or os.cpu_count() or 1)
worker_class = "sync"
threads = 1
preload_app = True  # import + warm up once in the master; workers start in milliseconds
timeout = 30  # a worker stuck this long is restarted
graceful_timeout = 20
keepalive = 5
backlog = 512
max_requests = 20000  # recycle workers now and then (bounds any slow leak) ...
max_requests_jitter = 2000  # ... not all at once
limit_request_line = 8190
control_socket_disable = True  # same as --no-control-socket: several instances can run on one host
_access = settings.get("NYCKELTAL_ACCESS_LOG")
accesslog = None if _access == "off" else _access
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = "info"
proc_name = "nyckeltal"


def on_starting(server) -> None:
    """Nothing to do before the app is loaded (kept for symmetry with the hooks below)."""


def when_ready(server) -> None:
    """The app is imported (preload_app): warm it up once, before any worker forks."""
    import app as application
    from dashboard.data import release_memory
    from dashboard.warm_up import warm_up

    report = warm_up(application.app, compress=False)
    server.log.info("nyckeltal warmed up in the master: %s", report)
    release_memory()  # what the warm-up dropped goes back to the system, not into every worker's RSS
    # everything loaded so far lives as long as the process: keep the garbage collector off it, so
    # collections in the workers neither scan it nor touch (and so copy) the pages shared by fork
    gc.freeze()


def post_fork(server, worker) -> None:
    """In each new worker: drop the database connections inherited from the master."""
    from dashboard.warm_up import after_fork

    after_fork()


def post_worker_init(worker) -> None:
    """Before the worker's first request: make sure its dataset is current (cheap when already loaded)."""
    import app as application
    from dashboard import data
    from dashboard.static_compression import compress_in_background

    data.dataset()
    compress_in_background(application.app)  # static files the master found no compressed copy of
    guard_slow_clients(worker)  # see the "slow clients" block below
    worker.log.info("worker %s ready", worker.pid)


# ---------------------------------------------------------------------------------------- slow clients
# (issue 20) A client that sends its request slowly must not hold the server: with sync workers two
# half-sent POST bodies held both workers and /healthz waited 31.5 s. So: threaded workers (a slow
# client holds one thread, the others answer; gunicorn's gthread also parks a connection that has
# sent nothing yet on its poller instead of a thread), and a body that has not arrived within
# CLIENT_BODY_TIMEOUT seconds is answered 408 and its connection closed (guard_slow_clients). A
# buffering reverse proxy in front (docs/operations.md) keeps slow clients off the app altogether.
# Overrides the worker_class/threads above. Environment: NYCKELTAL_THREADS (threads per worker).
worker_class = "gthread"
threads = settings.get_int("NYCKELTAL_THREADS")
worker_connections = 1000
CLIENT_BODY_TIMEOUT = 10.0  # seconds a client may take to send a request body of up to NYCKELTAL_MAX_REQUEST_BYTES


def guard_slow_clients(worker) -> None:
    """Wrap the worker's WSGI app: a request body (Content-Length, within the size limit) is read up
    front under CLIENT_BODY_TIMEOUT; a client too slow to send it gets 408 and the connection closes."""
    import io

    limit = settings.get_int("NYCKELTAL_MAX_REQUEST_BYTES")
    inner = worker.wsgi

    def guarded(environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        sock = environ.get("gunicorn.socket")
        if not length.isdigit() or not 0 < int(length) <= limit or sock is None:
            return inner(environ, start_response)
        previous = sock.gettimeout()
        sock.settimeout(CLIENT_BODY_TIMEOUT)
        try:
            body = environ["wsgi.input"].read(int(length))
        except OSError:  # a timeout (TimeoutError), or the client went away
            start_response("408 Request Timeout", [("Content-Type", "text/plain"), ("Connection", "close")])
            return [b"408 Request Timeout: the request body did not arrive in time\n"]
        finally:
            sock.settimeout(previous)
        environ["wsgi.input"] = io.BytesIO(body)
        return inner(environ, start_response)

    worker.wsgi = guarded


# ---- per-request time limit (issue 19, docs/hardening.md) ---------------------------------------
# A request still running after NYCKELTAL_REQUEST_TIMEOUT seconds is stopped in its worker and answered
# 503 (dashboard/deadline.py); the worker goes on serving. `timeout` above stays the backstop for a
# worker stuck outside Python code, so the request limit must be shorter.
request_timeout = settings.get_float("NYCKELTAL_REQUEST_TIMEOUT")
if not 0 < request_timeout < timeout:
    raise SystemExit(f"NYCKELTAL_REQUEST_TIMEOUT={request_timeout:g} must be above 0 and below timeout={timeout}")


def pre_request(worker, req) -> None:
    """Start this request's time limit (in the thread that serves it)."""
    from dashboard import deadline

    deadline.start(request_timeout)


def post_request(worker, req, environ, resp) -> None:
    """The answer is sent: end its time limit (the app already ended it once the answer was built)."""
    from dashboard import deadline

    deadline.stop()
