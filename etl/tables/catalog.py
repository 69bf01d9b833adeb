"""The catalog's indicators and regions as published with every dataset version (one row each)."""

from __future__ import annotations

from etl.tables.declare import Column, TableSpec, code

INDICATORS = TableSpec(
    "indicators",
    key=(Column("id", "str", 64),),
    values=(
        Column("theme", "str", 32),
        Column("label_sv", "str"),
        Column("label_en", "str"),
        Column("unit", "str", 32),
        Column("aggregation", "str", 32),
        Column("sources", "str"),  # JSON list of the sources' descriptions
        Column("source_updated", "str", nullable=True),  # JSON: source ref -> its 'updated' stamp
    ),
)
REGIONS = TableSpec(
    "regions",
    key=(code("code"),),
    values=(
        Column("name_sv", "str"),
        Column("name_en", "str"),
        Column("level", "str", 16),
        Column("groups", "str"),  # the region groups it belongs to, comma-separated
    ),
)
