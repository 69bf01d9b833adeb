"""Gaps on screen and a current /om (issue 15), in a real headless Chromium against a temporary SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, sync_playwright

from tests.browser.support import ARGS, CHROMIUM, live_dashboard

pytestmark = pytest.mark.browser

COMMUTING = "/jamfor?indicator=in_commuters&regions=0127&from=1993&to=2021&year=2021&mode=value&sex=T&ref=00"
# deaths 2024 in the bundled data: Botkyrka, Haninge and Huddinge only
DEATHS = "/jamfor?indicator=deaths&regions=0127&from=2008&to=2024&year=2024&mode=value&sex=T"
RANK_BARS = (
    "() => { const g = document.querySelector('#rank-graph .js-plotly-plot');"
    " return g && g.data ? g.data[0].y.map((y, i) => [y, g.data[0].text[i]]) : null; }"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, store URL): the dashboard over a fresh SQLite store loaded from the bundled snapshot."""
    store_url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}"
    with live_dashboard(store_url) as url:
        yield url, store_url


@pytest.fixture
def page(served: tuple[str, str]) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_context(viewport={"width": 1300, "height": 1400}).new_page()
        yield pg
        browser.close()


def _label(page: Page, group: str, value: str) -> str:
    return page.locator(f"#{group} label:has(input[value='{value}'])").inner_text().strip()


def test_riket_without_commuting_values_is_named_under_the_chart_and_in_its_control(page: Page, served) -> None:
    base, _ = served
    page.goto(base + COMMUTING + "&lang=sv")
    gaps = page.locator("#jf-gaps li")
    gaps.first.wait_for(timeout=20000)
    assert gaps.all_inner_texts() == ["Riket: inga värden för Inpendlare 1993–2021"]
    assert page.locator("#jf-gaps").is_visible()
    assert _label(page, "jf-ref", "00") == "Riket (inga värden)"
    assert _label(page, "jf-ref", "01") == "Stockholms län (inga värden)"
    assert _label(page, "jf-regions", "0127") == "Botkyrka"
    # the chart draws Botkyrka only: no empty line, no legend entry for Riket
    page.wait_for_function(
        "() => { const g = document.querySelector('#ts-graph .js-plotly-plot');"
        " return g && g.data && g.data.map(d => d.name).join() === 'Botkyrka'; }",
        timeout=20000,
    )
    # ticking Stockholms län too (a callback): it is named as well, in the order shown
    page.locator("#jf-ref label:has(input[value='01'])").click()
    page.wait_for_function("() => document.querySelectorAll('#jf-gaps li').length === 2", timeout=20000)
    assert gaps.all_inner_texts() == [
        "Stockholms län: inga värden för Inpendlare 1993–2021",
        "Riket: inga värden för Inpendlare 1993–2021",
    ]
    # English, the same view
    page.goto(base + COMMUTING + "&lang=en")
    page.locator("#jf-gaps li").first.wait_for(timeout=20000)
    assert page.locator("#jf-gaps li").all_inner_texts() == ["Sweden: no values for In-commuters 1993–2021"]
    assert _label(page, "jf-ref", "00") == "Sweden (no values)"


def test_ranking_counts_and_ranks_only_municipalities_with_a_value(page: Page, served) -> None:
    base, _ = served
    page.goto(base + DEATHS + "&lang=sv")
    page.wait_for_function(f"() => ({RANK_BARS})() !== null", timeout=20000)
    bars = dict(page.evaluate(RANK_BARS))
    assert len(bars) == 8
    ranked = {name: text for name, text in bars.items() if text != "saknas"}
    assert sorted(ranked) == ["Botkyrka", "Haninge", "Huddinge"]
    assert sorted(ranked.values()) == ["1 av 3", "2 av 3", "3 av 3"]
    assert page.locator("#jf-rank-count").inner_text() == "3 av 8 kommuner har värden för 2024"
    assert (
        page.locator("#jf-rank-summary")
        .inner_text()
        .endswith(
            "3 av 8 kommuner har värden för 2024. Saknar värde: Nykvarn, Nynäshamn, Salem, Södertälje och Tyresö."
        )
    )
    page.goto(base + DEATHS + "&lang=en")
    page.wait_for_function(f"() => ({RANK_BARS})() !== null", timeout=20000)
    assert sorted(t for t in dict(page.evaluate(RANK_BARS)).values() if t != "missing") == [
        "1 of 3",
        "2 of 3",
        "3 of 3",
    ]
    assert page.locator("#jf-rank-count").inner_text() == "3 of 8 municipalities have values for 2024"


def test_about_page_shows_a_failed_run_right_after_it_is_recorded(page: Page, served) -> None:
    from etl.store import Store

    base, store_url = served
    # both languages visited before the run (what used to be kept until the next dataset version)
    for lang in ("en", "sv"):
        page.goto(f"{base}/om?lang={lang}")
        page.locator("#om-dataset").wait_for(timeout=20000)
    # the only run so far: the first start's load of the bundled snapshot
    assert page.locator("#om-runs tbody tr").count() == 1
    assert "den medföljande ögonblicksbilden laddad" in page.locator("#om-runs tbody tr").first.inner_text()
    store = Store(store_url)
    try:
        run = store.start_run("schedule")
        store.finish_run(run, "failed", error="SCB TAB638: HTTP 503 Service Unavailable")
    finally:
        store.dispose()

    page.goto(f"{base}/om?lang=sv")
    page.locator("#om-runs").wait_for(timeout=20000)
    assert page.locator("#om-runs tbody tr").count() == 2  # the failed run, then the snapshot load
    row = page.locator("#om-runs tbody tr").first.inner_text()
    assert "misslyckad, inget publicerat" in row and "schema" in row
    assert "SCB TAB638: HTTP 503 Service Unavailable" in row
    # the language switch (client-side navigation) shows the same run in English
    switch = page.locator("#lang-switch[href*='lang=en']")
    switch.wait_for(timeout=30000)
    switch.click()
    page.wait_for_function("() => location.search.includes('lang=en')", timeout=30000)
    page.wait_for_function(
        "() => { const r = document.querySelector('#om-runs tbody tr');"
        " return r && r.textContent.includes('failed, nothing published'); }",
        timeout=30000,
    )
    assert "schedule" in page.locator("#om-runs tbody tr").first.inner_text()
    page.goto(f"{base}/om?lang=en")  # and a fresh load of the English page
    page.locator("#om-runs").wait_for(timeout=20000)
    assert "failed, nothing published" in page.locator("#om-runs tbody tr").first.inner_text()
