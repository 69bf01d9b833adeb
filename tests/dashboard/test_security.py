"""Pure parts of the hardening: frame-ancestors setting, the CSP text, the dependency-audit verdict."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from dashboard.security import content_security_policy, frame_ancestors

ROOT = Path(__file__).resolve().parents[2]


def _audit_module():
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_frame_ancestors_accepts_member_domains() -> None:
    value = "'self'  https://www.botkyrka.se https://*.haninge.se"
    assert frame_ancestors(value) == "'self' https://www.botkyrka.se https://*.haninge.se"
    assert frame_ancestors("'none'") == "'none'"


@pytest.mark.parametrize(
    "bad", ["", "https://a.se; script-src *", "'self' javascript:alert(1)", "'none' 'self'", "data:"]
)
def test_frame_ancestors_refuses_anything_else(bad: str) -> None:
    with pytest.raises(SystemExit, match="NYCKELTAL_FRAME_ANCESTORS"):
        frame_ancestors(bad)


def test_csp_text() -> None:
    assert content_security_policy(["'sha256-abc='"], "'self' https://www.botkyrka.se") == (
        "default-src 'self'; script-src 'self' 'sha256-abc='; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self' https://www.botkyrka.se"
    )


def test_audit_fails_only_on_fixable() -> None:
    report = {
        "dependencies": [
            {"name": "a", "version": "1.0", "vulns": [{"id": "GHSA-1", "fix_versions": ["1.1"]}]},
            {"name": "b", "version": "2.0", "vulns": [{"id": "PYSEC-2", "fix_versions": []}]},
            {"name": "c", "version": "3.0", "vulns": []},
        ]
    }
    fix, nofix = _audit_module().fixable(report)
    assert fix == ["a==1.0: GHSA-1 (fixed in 1.1)"]
    assert nofix == ["b==2.0: PYSEC-2 (no fix released yet)"]


def test_page_headers_and_no_versions(tmp_path: Path, load_snapshot) -> None:
    from dashboard.app import create_app

    app = create_app(load_snapshot(f"sqlite:///{tmp_path / 's.sqlite'}"))
    client = app.server.test_client()
    first = client.get("/jamfor")
    second = client.get("/om")
    csp = first.headers["Content-Security-Policy"]
    assert csp == second.headers["Content-Security-Policy"]  # no growth of the hash list per request
    assert csp.startswith("default-src 'self'; script-src 'self' 'sha256-")
    body = first.data.decode()
    assert '"python_version"' not in body and "dash-version.plotly.com" not in body
    assert first.headers["X-Frame-Options"] == "SAMEORIGIN" and first.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/no/such/page").status_code == 200  # the page shell; the page itself says not found
