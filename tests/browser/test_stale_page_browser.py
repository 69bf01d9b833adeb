"""A page left open across a deploy: its callback requests no longer match the server's callbacks, the
server refuses them (400, dashboard/callback_guard.py), and the page says so with a reload button."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Route, sync_playwright

from tests.browser.support import ARGS, CHROMIUM, live_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_dashboard(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}") as url:
        yield url


def _as_an_older_deploy(route: Route) -> None:
    """The request as a page of an older version of the app would send it: an output that no longer exists."""
    body = json.loads(route.request.post_data or "{}")
    if body.get("output") == "jf-regions.value":
        body["output"] = "jf-regions.options"
        body["outputs"] = {"id": "jf-regions", "property": "options"}
    route.continue_(post_data=json.dumps(body))


@pytest.mark.parametrize(
    ("lang", "text", "button"),
    [
        ("sv", "Sidan är inaktuell och kunde inte uppdateras. Ladda om sidan.", "Ladda om sidan"),
        ("en", "This page is out of date and could not be updated. Please reload the page.", "Reload the page"),
    ],
)
def test_a_stale_page_shows_a_reload_notice(base_url: str, lang: str, text: str, button: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.route("**/_dash-update-component*", _as_an_older_deploy)
        page.goto(f"{base_url}/jamfor?lang={lang}")
        page.wait_for_selector("#ts-graph .js-plotly-plot", timeout=20000)
        assert page.locator("#stale-page").count() == 0
        with page.expect_response("**/_dash-update-component*") as refused:
            page.click("#jf-pick-all")
        assert refused.value.status == 400
        notice = page.locator("#stale-page[role=alert]")
        notice.wait_for(timeout=10000)
        assert notice.locator("p").inner_text() == text
        assert notice.locator("button").inner_text() == button
        with page.expect_navigation(timeout=20000):
            notice.locator("button").click()
        page.wait_for_selector("#ts-graph .js-plotly-plot", timeout=20000)
        assert page.locator("#stale-page").count() == 0
        browser.close()
