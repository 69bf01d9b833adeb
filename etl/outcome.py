"""How a run that takes the refresh lock ended (a refresh, a rollback), and its exit code for cron/systemd."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# Exit codes for cron/systemd operators (documented in docs/operations.md).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_VALIDATION = 4


@dataclass
class RunOutcome:
    """A run's end: its status (one of `OK`, 'locked' or a failure), its run id and its error."""

    OK: ClassVar[tuple[str, ...]] = ()  # the statuses that exit 0

    status: str
    run_id: int | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.status in self.OK:
            return EXIT_OK
        return EXIT_LOCKED if self.status == "locked" else EXIT_FAILED
