"""The error every source raises for a failure a person can act on (kept apart from etl.http, so readers of
the store and the dashboard do not import the HTTP stack)."""

from __future__ import annotations


class SourceError(RuntimeError):
    """A source failed in a way a person can act on; str() is one line."""

    def __init__(self, source: str, table: str, request: str, problem: str):
        self.source, self.table, self.request, self.problem = source, table, request, problem
        super().__init__(f"{source} {table}: {problem} (request: {request})")


class InvalidValueError(SourceError):
    """A source answered a value that is neither a number nor one of its declared status symbols:
    a validation failure of the answer (exit code 4, like a failed gate)."""
