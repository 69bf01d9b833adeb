"""What went wrong with the store, in words an operator acts on (never a URL, password or path)."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be read or written; the message says which and how to fix it."""


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:240]


def error_kind(exc: Exception | str) -> str:
    """What went wrong with the store, in words an operator acts on, from an exception or its text:
    never a URL, password or path (what /healthz shows)."""
    low = str(exc).lower()
    if tables_missing(low):
        return "the store's tables are missing"
    kinds = (
        (("read-only", "readonly", "read only"), "the store refuses writes (read-only)"),
        (("malformed", "not a database", "file is encrypted"), "the store file is damaged"),
        (("does not exist",), "the database does not exist"),
        (
            ("connection refused", "could not connect", "connection failed", "server closed", "timeout expired"),
            "the database server does not answer",
        ),
        (("uniqueviolation", "duplicate key"), "another process wrote the same rows at the same time"),
        (("unable to open database", "disk i/o error"), "the store file cannot be opened"),
    )
    return next((text for needles, text in kinds if any(n in low for n in needles)), "the store cannot be used")


def tables_missing(exc: Exception | str) -> bool:
    """The error says the store's tables are not there (an empty store), not that it cannot be reached."""
    low = str(exc).lower()
    return "no such table" in low or ("relation" in low and "does not exist" in low)


def describe_error(exc: Exception) -> str:
    """error_kind() with the driver's own first line in brackets (it never holds the URL's password)."""
    raw = str(exc).strip()
    return f"{error_kind(exc)} ({raw.splitlines()[0][:200] if raw else type(exc).__name__})"
