"""Age structure in 5-year bands by sex (K, M), under its old import path.

The contract (one row per region, year, sex and band) is declared in etl/tables/ages.py; SCB
TAB638's single ages are summed into bands by etl/sources/scb_ages.py, online only; the page
helpers (pyramid, age_years) are in the query layer, etl/query_tables.py.
"""

from __future__ import annotations

from etl.tables.ages import AGE_COLUMNS, AGE_KEY, AGES, BANDS, AgeError, empty_ages, normalise_ages, validate_ages

__all__ = [
    "AGES",
    "AGE_COLUMNS",
    "AGE_KEY",
    "BANDS",
    "AgeError",
    "empty_ages",
    "normalise_ages",
    "validate_ages",
]
