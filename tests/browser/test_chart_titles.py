"""Chart titles wrapped to the chart's own width (assets/chart-titles.js), in a real headless Chromium.

The server wraps every title for a 320 px phone. At 1366 px each of /pendling's chart titles stands on one
line; at 390 px the long ones wrap, and every title stays inside its chart and above its plot area.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(g => g.layout && g.layout.title && g.layout.title.text && g.querySelector('.gtitle'))
  .map(g => { const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const plot = g.querySelector('.bglayer rect, .draglayer .nsewdrag');
    return {text: g.layout.title.text, lines: g.layout.title.text.split('<br>').length,
            title: box(g.querySelector('.gtitle')), graph: box(g), plot_top: plot ? box(plot)[1] : null}; })"""
CHARTS = 4  # /pendling: commuting, day and night population, net commuting ranked, flows


def _titles(page: Page, url: str, width: int, ready: str) -> list[dict]:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        f"() => {{ const t = ({TITLES})(); return t.length === {CHARTS} && {ready}; }}", timeout=60000
    )
    return page.evaluate(TITLES)


def _inside_and_above_the_plot(titles: list[dict]) -> None:
    for t in titles:
        left, top, right, bottom = t["title"]
        g_left, g_top, g_right, _ = t["graph"]
        assert g_left <= left and right <= g_right + 0.5 and g_top <= top, t
        assert t["plot_top"] is None or bottom <= t["plot_top"] + 0.5, t


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_each_title_is_one_line_on_a_wide_screen(page: Page, base_url: str, lang: str) -> None:
    titles = _titles(page, f"{base_url}/pendling?lang={lang}", 1366, "t.every(x => x.lines === 1)")
    assert max(len(t["text"]) for t in titles) > 34  # longer than the server's phone lines
    _inside_and_above_the_plot(titles)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_long_titles_wrap_inside_the_chart_on_a_phone(page: Page, base_url: str, lang: str) -> None:
    titles = _titles(page, f"{base_url}/pendling?lang={lang}", 390, "t.every(x => x.title[2] <= x.graph[2] + 0.5)")
    assert max(t["lines"] for t in titles) >= 2
    _inside_and_above_the_plot(titles)
