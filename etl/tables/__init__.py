"""The published tables, each declared once (etl/tables/declare.py): observations, flows, ages.

The store creates, fills and reads exactly the tables in PUBLISHED; nothing else writes their columns down.
"""

from etl.tables.ages import AGES
from etl.tables.declare import Column, TableSpec, figure_columns
from etl.tables.flows import FLOWS
from etl.tables.observations import OBSERVATIONS

PUBLISHED: tuple[TableSpec, ...] = (OBSERVATIONS, FLOWS, AGES)

__all__ = ["AGES", "FLOWS", "OBSERVATIONS", "PUBLISHED", "Column", "TableSpec", "figure_columns"]
