"""A time limit per request: a request still running after its limit is stopped and answered 503.

`start(seconds)` (gunicorn's pre_request hook, gunicorn.conf.py) gives the request of the calling
thread a deadline; `stop()` (the Flask app's teardown, once the answer is built, and gunicorn's
post_request hook) takes it back. One watchdog thread per process raises `RequestTimedOut` in a
request's thread once its deadline has passed (CPython's PyThreadState_SetAsyncExc): the exception
arrives at the request's next Python instruction, Flask turns it into a 503 with a short message, and
the worker goes on serving. Works for sync and threaded workers alike. Code blocked outside Python
(a C call that does not return) is not interrupted: gunicorn's worker timeout remains the backstop.
"""

from __future__ import annotations

import ctypes
import threading
import time

import dash
from werkzeug.exceptions import ServiceUnavailable

TICK = 0.05  # how often the watchdog looks (seconds)


class RequestTimedOut(ServiceUnavailable):
    """The request ran past its time limit."""

    description = "the request took longer than the server's time limit; try again, or ask for less"


_lock = threading.Lock()
_due: dict[int, float] = {}  # thread id -> monotonic deadline
_fired: set[int] = set()
_watchdog: threading.Thread | None = None


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


def _watch() -> None:
    while True:
        time.sleep(TICK)
        now = time.monotonic()
        with _lock:
            for thread_id, due in list(_due.items()):
                if now >= due:
                    del _due[thread_id]
                    _fired.add(thread_id)
                    _raise_in(thread_id, RequestTimedOut)


def start(seconds: float) -> None:
    """Give the calling thread's request `seconds` (0 or less: no limit)."""
    global _watchdog
    if seconds <= 0:
        return
    with _lock:
        _due[threading.get_ident()] = time.monotonic() + seconds
        if _watchdog is None or not _watchdog.is_alive():  # (a forked worker starts its own)
            _watchdog = threading.Thread(target=_watch, name="nyckeltal-deadline", daemon=True)
            _watchdog.start()


def stop() -> None:
    """The calling thread's request is done: no deadline, and no pending RequestTimedOut left behind."""
    thread_id = threading.get_ident()
    with _lock:
        _due.pop(thread_id, None)
        if thread_id in _fired:
            _fired.discard(thread_id)
            _raise_in(thread_id, None)  # clears the exception if it has not arrived yet


def install(app: dash.Dash) -> dash.Dash:
    """Stop the limit once the app has built its answer (writing it to the client is the server's part)."""

    @app.server.teardown_request
    def _done(_exc: BaseException | None) -> None:
        stop()

    return app
