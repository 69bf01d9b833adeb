"""The observations contract (declared in etl/tables/observations.py), under its old import path."""

from etl.tables.observations import (
    EXPORT_COLUMNS,
    OBSERVATION_COLUMNS,
    OBSERVATION_KEY,
    OBSERVATIONS,
    SEXES,
    STATUS_HELP,
    STATUS_WITH_VALUE,
    STATUS_WITHOUT_VALUE,
    STATUSES,
    ContractError,
    Problem,
    check_observations,
    empty_observations,
    normalise_observations,
    validate_observations,
)

__all__ = [
    "EXPORT_COLUMNS",
    "OBSERVATIONS",
    "OBSERVATION_COLUMNS",
    "OBSERVATION_KEY",
    "SEXES",
    "STATUSES",
    "STATUS_HELP",
    "STATUS_WITHOUT_VALUE",
    "STATUS_WITH_VALUE",
    "ContractError",
    "Problem",
    "check_observations",
    "empty_observations",
    "normalise_observations",
    "validate_observations",
]
