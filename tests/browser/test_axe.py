"""axe-core (from npm, tests/browser/package-lock.json) finds no serious or critical WCAG 2.1 A/AA violation
on any page, in Swedish and English, with typical selections, under the app's real Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest

pytest.importorskip("playwright.sync_api")
from a11y_support import blocking, describe, run_axe
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

# share links of typical views (what an official opens from a mail or the intranet)
PAGES = {
    "oversikt": "/",
    "jamfor": "/jamfor?indicator=population&regions=0127,0181&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01",
    "karta": "/karta?indicator=population&year=2024&sex=T",
    "pendling": "/pendling?region=0127&year=2021",
    "befolkning": "/befolkning?region=0181&year=2024",
    "om": "/om",
    "nyckeltal": "/nyckeltal?sort=0126&dir=asc",
    "tillganglighet": "/tillganglighet",
}
# the page has rendered: its heading, and every chart drawn (not a loading spinner)
READY = """(lang) => document.documentElement.lang === lang && !!document.querySelector('#content h1')
  && Array.from(document.querySelectorAll('.dash-graph')).every(g => g.querySelector('.main-svg'))
  && !document.querySelector('[data-dash-is-loading="true"]')"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def _open(page: Page, url: str, lang: str) -> None:
    page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
    page.wait_for_function(READY, arg=lang, timeout=30000)


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_violations(page: Page, base_url: str, name: str, lang: str) -> None:
    _open(page, base_url + PAGES[name], lang)
    found = blocking(run_axe(page))
    assert not found, f"axe-core on {PAGES[name]} ({lang}):\n{describe(found)}"


def test_skip_link_navigation_and_language_are_marked_up(page: Page, base_url: str) -> None:
    """What axe cannot judge: the skip link targets <main>, the nav is named, the other language is marked."""
    _open(page, base_url + "/", "sv")
    assert page.locator("#skip-link").get_attribute("href") == "#content"
    assert page.locator("main#content").count() == 1
    assert page.locator("nav[aria-label='Huvudmeny']").count() == 1
    assert page.locator("#lang-switch span[lang='en']").inner_text() == "English"
    levels = page.eval_on_selector_all("#content h1, #content h2, #content h3", "hs => hs.map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels)), levels


def test_charts_have_a_summary_and_a_keyboard_reachable_table(page: Page, base_url: str) -> None:
    _open(page, base_url + PAGES["jamfor"], "sv")
    page.wait_for_selector("#jf-ts-summary")
    summary = page.locator("#jf-ts-summary").inner_text()
    assert "2000–2024, för Botkyrka, Södertälje och Stockholms län." in summary
    assert "lägst: Botkyrka (95\u202f905 personer)" in summary
    assert "Botkyrka ökade från 73\u202f097 (2000) till 95\u202f905 (2024)" in summary
    assert page.locator("#jf-rank-summary").inner_text() == (
        "Rangordning 2024 bland de åtta kommunerna: högst Huddinge (114\u202f304 personer), "
        "lägst Nykvarn (12\u202f342 personer); 8 av 8 kommuner har värden för 2024."
    )
    assert page.locator("#jf-table").get_attribute("tabindex") == "0"
