"""The pages work under the Content-Security-Policy in headless Chromium, and talk only to their own server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import sync_playwright

from tests.browser.support import ARGS, CHROMIUM, live_dashboard

SHARE = "/jamfor?indicator=population&regions=0127,0181&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01&lang=sv"
TRACE_NAMES = (
    "() => { const g = document.querySelector('#ts-graph .js-plotly-plot');"
    " return g && g.data ? g.data.map(d => d.name) : null; }"
)
# every CSP violation the page reports, collected before any of its scripts run
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from dashboard.security import QuietRequestHandler

    with live_dashboard(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}", QuietRequestHandler) as url:
        yield url


def test_jamfor_renders_under_csp_and_talks_only_to_its_server(base_url: str) -> None:
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 1600})
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        response = page.goto(base_url + SHARE)
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"

        page.wait_for_function(
            f"(want) => JSON.stringify(({TRACE_NAMES})()) === JSON.stringify(want)",
            arg=["Botkyrka", "Södertälje", "Stockholms län"],
            timeout=20000,
        )
        y = page.evaluate(
            "() => { const d = document.querySelector('#ts-graph .js-plotly-plot').data[0]; return d.y[d.x.indexOf(2024)]; }"
        )
        assert y == 95905
        # a clientside callback (inline script, allowed by its hash) ran: it set <html lang>
        page.click("#lang-switch")
        page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=20000)
        page.wait_for_function(
            f"(want) => JSON.stringify(({TRACE_NAMES})()) === JSON.stringify(want)",
            arg=["Botkyrka", "Södertälje", "Stockholm County"],
            timeout=20000,
        )
        # the other pages under the same policy
        page.click("#nav-om")
        page.wait_for_selector("#om-dataset", timeout=20000)
        assert "/api/v1/observations.csv?indicator=population" in page.inner_text("#om-api ~ p a")
        config = json.loads(page.eval_on_selector("#_dash-config", "e => e.textContent"))
        violations = page.evaluate("() => window.__csp")
        browser.close()

    assert violations == []
    assert errors == []
    assert requests, "the page made no requests"
    off_origin = [u for u in requests if not (u.startswith(base_url + "/") or u == base_url)]
    assert off_origin == []
    for key in ("python_version", "dash_version", "plotly_version", "dash_version_url", "ddk_version"):
        assert key not in config
    assert config["disable_version_check"] is True and config["ui"] is False


def test_page_and_api_headers(base_url: str) -> None:
    """Headers as a script sees them (no browser): no server version, the API has its own strict CSP."""
    import urllib.request

    with urllib.request.urlopen(base_url + "/om") as page:
        assert page.headers.get_all("Server") == ["nyckeltal"]  # as python app.py serves it
        body = page.read().decode()
    assert "python_version" not in body
    with urllib.request.urlopen(base_url + "/api/v1/regions") as api:
        assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
        assert api.headers["X-Content-Type-Options"] == "nosniff"
