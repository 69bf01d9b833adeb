"""etl.tables: each published table declared once; the store's DDL, the frames and the export read it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from etl.store import metadata
from etl.tables import AGES, CATALOG_TABLES, FLOWS, OBSERVATIONS, PUBLISHED
from etl.tables.declare import Column, TableSpec

# What a store made before the declarations existed has: it must open unchanged.
OBSERVATIONS_DDL = """
CREATE TABLE observations (
\tdataset_version INTEGER NOT NULL, 
\tindicator_id VARCHAR(64) NOT NULL, 
\tregion_code VARCHAR(8) NOT NULL, 
\tyear INTEGER NOT NULL, 
\tsex VARCHAR(1) NOT NULL, 
\tvalue FLOAT, 
\tstatus VARCHAR(16) NOT NULL, 
\tsource VARCHAR(32) NOT NULL, 
\tsource_ref TEXT NOT NULL, 
\tretrieved_at VARCHAR(32), 
\tPRIMARY KEY (dataset_version, indicator_id, region_code, year, sex)
)
"""  # noqa: W291


def test_observations_ddl_is_the_one_existing_stores_have():
    assert str(CreateTable(metadata.tables["observations"]).compile(dialect=sqlite.dialect())).strip() == (
        OBSERVATIONS_DDL.strip()
    )


@pytest.mark.parametrize("spec", [*PUBLISHED, *CATALOG_TABLES], ids=lambda s: s.name)
def test_store_table_follows_the_declaration(spec: TableSpec):
    table = metadata.tables[spec.name]
    assert [c.name for c in table.columns] == ["dataset_version", *spec.column_names]
    assert [c.name for c in table.primary_key.columns] == ["dataset_version", *spec.key_names]
    for col in spec.values:
        assert table.c[col.name].nullable is col.nullable, col.name
    assert "CREATE TABLE" in str(CreateTable(table).compile(dialect=postgresql.dialect()))


def test_contract_columns_and_export_order():
    assert OBSERVATIONS.key_names == ("indicator_id", "region_code", "year", "sex")
    assert FLOWS.key_names == ("from_code", "to_code", "year", "sex")
    assert AGES.key_names == ("region_code", "year", "sex", "age_band")
    figures = ("value", "status", "source", "source_ref", "retrieved_at")
    assert all(spec.column_names[len(spec.key) :] == figures for spec in PUBLISHED)
    assert ",".join(OBSERVATIONS.export_columns) == (
        "indicator_id,indicator,region_code,region,year,sex,value,unit,status,source,source_ref,retrieved_at"
    )


def test_normalise_casts_to_the_declared_dtypes():
    obs = OBSERVATIONS.empty().dtypes.astype(str).to_dict()
    assert obs["indicator_id"] == "string" and obs["year"] == "int64" and obs["value"] == "float64"
    flows = FLOWS.normalise(
        pd.DataFrame([["0127", "0180", "2015", "T", "12", "ok", "published", "x", None]], columns=FLOWS.column_names)
    )
    assert flows.dtypes.astype(str).to_dict() == {
        "from_code": "str",
        "to_code": "str",
        "year": "int64",
        "sex": "str",
        "value": "float64",
        "status": "str",
        "source": "str",
        "source_ref": "str",
        "retrieved_at": "string",
    }
    assert flows.loc[0, "year"] == 2015 and flows.loc[0, "value"] == 12.0
    assert OBSERVATIONS.records(OBSERVATIONS.empty()) == []
    assert FLOWS.records(flows)[0]["retrieved_at"] is None


def test_a_column_kind_must_be_known():
    with pytest.raises(ValueError, match="kind 'text'"):
        Column("x", "text")


def test_the_store_imports_no_domain_module():
    code = (
        "import sys, etl.store; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('etl.') or m in ('dashboard', 'requests'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    neutral = ("etl.settings", "etl.yamlfile")  # configuration, read by every layer
    domain = [m for m in loaded if not m.startswith(("etl.store", "etl.tables")) and m not in neutral]
    assert domain == [], f"etl.store pulls in {domain}"
