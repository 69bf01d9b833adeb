"""The published tables, each declared once (etl/tables/declare.py): observations, flows, ages, and
the catalog's indicators and regions published with them.

The store creates, fills and reads exactly these tables; nothing else writes their columns down.
"""

from etl.tables.ages import AGES
from etl.tables.catalog import INDICATORS, REGIONS
from etl.tables.declare import Column, TableSpec, figure_columns
from etl.tables.flows import FLOWS
from etl.tables.observations import OBSERVATIONS

PUBLISHED: tuple[TableSpec, ...] = (OBSERVATIONS, FLOWS, AGES)  # the data tables
CATALOG_TABLES: tuple[TableSpec, ...] = (INDICATORS, REGIONS)  # published with them, from the catalog

__all__ = [
    "AGES",
    "CATALOG_TABLES",
    "FLOWS",
    "INDICATORS",
    "OBSERVATIONS",
    "PUBLISHED",
    "REGIONS",
    "Column",
    "TableSpec",
    "figure_columns",
]
