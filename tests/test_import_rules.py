"""The one-way import rules (issue 17): the dashboard only reads, so importing it, creating the app and
serving pages and the API never loads `requests`, etl.http or any etl.sources module (the fetching side of
the ETL); and no module under etl/ imports `dashboard` (etl sits under the dashboard, no arrow back up)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("requests", "etl.http", "etl.sources")
# Modules under FORBIDDEN the dashboard may still load: none (the SCB table finders the catalog checks
# its `find:` entries against are declared in etl/scb_finders.py, outside etl.sources).
ALLOWED: tuple[str, ...] = ()
SERVE = """
import json, sys
from dashboard.app import create_app

client = create_app(sys.argv[1]).server.test_client()
paths = ["/", "/jamfor", "/pendling", "/befolkning", "/_dash-layout", "/healthz", "/api/v1/indicators",
         "/api/v1/observations.csv?indicator=population", "/api/v1/observations.json?indicator=net_commuting"]
statuses = {p: client.get(p, headers={"Referer": "http://localhost" + p}).status_code for p in paths}
print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
"""


def forbidden(modules: list[str]) -> list[str]:
    return [m for m in modules if m not in ALLOWED and any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


def test_forbidden_matches_what_it_should():
    assert forbidden(["requests", "requests.adapters", "etl.sources.scb", "etl.sources.jsonstat", "etl.http"]) == [
        "requests",
        "requests.adapters",
        "etl.sources.scb",
        "etl.sources.jsonstat",
        "etl.http",
    ]
    assert forbidden(["requests_toolbelt", "etl.sourcesx", "etl.query", "etl.http_cache", *ALLOWED]) == []


def test_serving_the_dashboard_never_imports_the_fetching_side(tmp_path: Path, load_snapshot):
    url = load_snapshot(f"sqlite:///{tmp_path / 'store.sqlite'}")
    done = subprocess.run(  # a fresh interpreter: nothing imported by the test session counts
        [sys.executable, "-c", SERVE, url],
        cwd=ROOT,
        env=os.environ | {"PYTHONIOENCODING": "utf-8", "NYCKELTAL_OBSERVATIONS_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert set(report["statuses"].values()) == {200}, report["statuses"]
    assert "dashboard.pages.pendling" in report["modules"] and "etl.query" in report["modules"]
    assert forbidden(report["modules"]) == []


def etl_imports(path: Path) -> list[str]:
    """Every module `path` imports (at any depth: also lazy imports inside functions)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def test_no_etl_module_imports_the_dashboard():
    files = sorted((ROOT / "etl").rglob("*.py"))
    assert len(files) > 20
    found = {
        str(f.relative_to(ROOT)): name
        for f in files
        for name in etl_imports(f)
        if name == "dashboard" or name.startswith("dashboard.")
    }
    assert found == {}
    sample = ROOT / "etl" / "query_tables.py"
    assert "etl.query" in etl_imports(sample)  # the parser sees imports at all
