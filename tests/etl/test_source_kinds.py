"""Adding a source is its adapter module plus catalog entries: the kinds of source are declared once
in catalog.yaml (`source_kinds`: name, adapter, required parameters, how an entry reads), and the
catalog's checks, source_ref texts and the CLI's adapters all come from that declaration."""

from __future__ import annotations

import argparse
import copy
import importlib
import sys
from pathlib import Path

import pytest

from etl.catalog import CATALOG_FILE, CatalogError, SourceRef, parse_catalog, source_kinds
from etl.cli.parser import build_parser
from etl.cli.refresh import _adapters, fetched_kinds
from etl.query import Dataset, Selection, query
from etl.refresh import refresh
from etl.regions import load_regions
from etl.snapshot import read_observations_csv, snapshot_dir
from etl.store import Store
from etl.yamlfile import load_yaml

DEMO_CLASS = '''
class DemoFiles:
    """A made-up adapter class that takes a folder from the command line."""

    def __init__(self, folder=None):
        self.folder = folder
'''
DEMO_MODULE = '''
"""A made-up source for the test: one value per municipality of Södertörn, in the export contract."""

import pandas as pd

from etl.schema import OBSERVATION_COLUMNS, normalise_observations
from etl.sources.base import SourceResult

SODERTORN = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")


def fetch_demo(ref, indicator, ctx):
    rows = [
        (indicator.id, code, 2024, "T", float(n), "ok", "Demo", ref.describe(), "2026-12-01T00:00:00Z")
        for n, code in enumerate(SODERTORN, start=1)
    ]
    return SourceResult(normalise_observations(pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))))
'''


def project_doc() -> dict:
    with open(CATALOG_FILE, encoding="utf-8") as fh:
        return load_yaml(fh)


def demo_doc(**demo_source: object) -> dict:
    doc = copy.deepcopy(project_doc())
    doc["source_kinds"]["demo"] = {
        "name": "Demo",
        "adapter": "demo_source:fetch_demo",
        "requires": ["series"],
        "describe": "Demo series {series}",
    }
    population = next(i for i in doc["indicators"] if i["id"] == "population")
    doc["indicators"].append(
        population | {"id": "demo_count", "sources": [{"demo": demo_source}], "label": {"sv": "Demo", "en": "Demo"}}
    )
    return doc


def test_the_declared_kinds_are_the_ones_the_catalog_and_the_cli_use():
    kinds = source_kinds()
    assert list(kinds) == ["scb", "kolada", "figures", "csv", "county_sum"]
    assert {k: v.name for k, v in kinds.items()} == {
        "scb": "SCB", "kolada": "Kolada", "figures": "published", "csv": "csv", "county_sum": "computed",
    }  # fmt: skip
    assert fetched_kinds() == ("scb", "kolada", "figures", "csv")  # county_sum is computed, never fetched
    for kind in fetched_kinds():  # every declared adapter exists and takes (ref, indicator, ctx)
        module, attribute = str(kinds[kind].adapter).split(":")
        assert callable(getattr(importlib.import_module(module), attribute)), kind
    assert SourceRef("kolada", {"kpi": "N01951"}, 0).describe() == "Kolada N01951"
    assert SourceRef("csv", {"path": "x.csv"}, 0).describe() == "CSV x.csv"


def test_a_new_source_is_a_module_and_catalog_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "demo_source.py").write_text(DEMO_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog = parse_catalog(demo_doc(series="S1"))
    ref = catalog.get("demo_count").sources[0]
    assert (ref.source_name, ref.describe()) == ("Demo", "Demo series S1")
    monkeypatch.setattr("etl.cli.refresh.source_kinds", lambda: catalog.source_kinds)
    adapters = _adapters(["demo"], argparse.Namespace())  # the CLI finds the new kind's adapter by its declaration
    assert adapters == {"demo": sys.modules["demo_source"].fetch_demo}
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        outcome = refresh(store, catalog, load_regions(), adapters, indicators=["demo_count"])
        assert outcome.status == "published", outcome.error
        version, frame = store.read_observations()
    finally:
        store.dispose()
    rows = query(
        Dataset(version, frame, catalog, load_regions()), Selection("demo_count", ("0127", "0138"), 2024, 2024)
    )
    assert [(r["region_code"], r["value"], r["source"], r["source_ref"]) for r in rows.to_dict("records")] == [
        ("0127", 1.0, "Demo", "Demo series S1"),
        ("0138", 8.0, "Demo", "Demo series S1"),
    ]


def test_an_entry_that_lacks_its_declared_parameters_or_kind_is_refused():
    with pytest.raises(CatalogError, match=r"indicator demo_count: demo source #1 lacks 'series'"):
        parse_catalog(demo_doc())
    doc = demo_doc(series="S1")
    del doc["source_kinds"]["demo"]
    with pytest.raises(CatalogError, match=r"indicator demo_count: source kind 'demo' is not one of"):
        parse_catalog(doc)
    doc = demo_doc(series="S1")
    doc["source_kinds"]["demo"]["adapter"] = "no colon"
    with pytest.raises(CatalogError, match=r"source kind demo: adapter must be 'module:attribute'"):
        parse_catalog(doc)


def test_a_source_kinds_declared_option_is_a_cli_flag_its_adapter_class_is_made_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "demo_files.py").write_text(DEMO_CLASS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    doc = demo_doc(series="S1")
    doc["source_kinds"]["demo"] |= {
        "adapter": "demo_files:DemoFiles",
        "option": {"flag": "demo-folder", "keyword": "folder", "help": "where the demo files are"},
    }
    catalog = parse_catalog(doc)
    monkeypatch.setattr("etl.cli.refresh.source_kinds", lambda: catalog.source_kinds)
    args = build_parser().parse_args(["refresh", "--source", "demo", "--demo-folder", "/data/demo"])
    assert _adapters(["demo"], args)["demo"].folder == "/data/demo"
    assert _adapters(["demo"], build_parser().parse_args(["refresh"]))["demo"].folder is None
    doc["source_kinds"]["demo"]["option"] = {"flag": "demo-folder"}
    with pytest.raises(CatalogError, match=r"source kind demo: option must give exactly flag, keyword and help"):
        parse_catalog(doc)


def test_the_published_figures_read_the_given_folder_or_carry_the_bundled_snapshots(tmp_path: Path):
    given = _adapters(["figures"], build_parser().parse_args(["refresh", "--figures-dir", str(tmp_path)]))["figures"]
    assert (given.directory, given.carried) == (tmp_path, None)
    carried = _adapters(["figures"], build_parser().parse_args(["refresh"]))["figures"].carried
    assert carried is not None and len(carried) == len(read_observations_csv(snapshot_dir() / "observations.csv"))
