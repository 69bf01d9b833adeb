"""What a person sees on a phone (390 px, also 320 px) and a desk (1366 px), in a real headless Chromium.

/karta's year slider shows labels that never touch (the first and last year always; on a narrow slider
fewer), no heading breaks inside a word (only at a space, a hyphen or a soft hyphen), no page in the
navigation scrolls sideways, and /befolkning's components chart keeps its year axis title clear of its
legend.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MARKS = """() => ({years: document.querySelector('#ka-year-box').dataset.years.split(','),
  marks: [...document.querySelectorAll('#ka-year .dash-slider-mark')]
    .filter(e => getComputedStyle(e).display !== 'none')
    .map(e => { const r = e.getBoundingClientRect(); return {text: e.textContent, box: [r.left, r.top, r.right, r.bottom]}; })})"""
# each heading's characters in reading order with the top of the line each is on: a new line that starts
# after a letter (not a space, hyphen, soft hyphen or slash) is a word broken in two; an identifier such as
# (net_cost_compulsory_school) may wrap only after an underscore (/om gives it a <wbr> there)
WORD_BREAKS = """() => { const bad = [];
  for (const h of document.querySelectorAll('h1, h2, h3')) {
    if (!h.getClientRects().length) continue;
    let chars = '';
    const tops = [];
    const walk = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      for (let i = 0; i < n.textContent.length; i++) {
        const range = document.createRange(); range.setStart(n, i); range.setEnd(n, i + 1);
        // a character's own box (a range at a line start also yields an empty box at the end of the line
        // before); a character without one (a collapsed space, an unused soft hyphen) stays on its line
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        tops.push(rects.length ? rects[rects.length - 1].top : (tops.length ? tops[tops.length - 1] : 0));
        chars += n.textContent[i];
      }
    }
    for (let k = 1; k < chars.length; k++) {
      if (tops[k] <= tops[k - 1] + 2 || /[\\s\\u00ad\\-–—\\/_]/.test(chars[k - 1]) || /\\s/.test(chars[k])) continue;
      const word = chars.slice(0, k).split(/\\s/).pop() + chars.slice(k).split(/\\s/)[0];
      bad.push(h.tagName + ' ' + JSON.stringify(h.textContent.trim()) + ' breaks ' + JSON.stringify(word)
               + ' between ' + JSON.stringify(chars[k - 1]) + ' and ' + JSON.stringify(chars[k]));
    }
  }
  return bad; }"""
SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"
COMPONENTS = """() => { const g = document.querySelector('#pop-components .js-plotly-plot');
  if (!g || !g._fullLayout || !g.querySelector('.legend')) return null;
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const title = g.querySelector('.g-xtitle text, .xtitle');
  return {title: box(title), legend: [...g.querySelectorAll('.legend .traces')].map(t => ({
    text: t.querySelector('.legendtext').textContent,
    boxes: [box(t.querySelector('.legendsymbols')), box(t.querySelector('.legendtext'))]}))}; }"""
SIZES = ((320, 800), (390, 844), (1366, 900))


def _overlap(a: list[float], b: list[float]) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("h1")


NARROW_LABELS = ["1968", "1980", "1990", "2000", "2010", "2025"]
WIDE_LABELS = ["1968", "1975", "1980", "1985", "1990", "1995", "2000", "2005", "2010", "2015", "2020", "2025"]


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_year_sliders_labels_never_touch(page: Page, base_url: str, width: int, height: int, lang: str) -> None:
    """Population 1968–2025: on a phone six labels, on a desk twelve, none touching another or the edge."""
    page.set_viewport_size({"width": width, "height": height})
    _open(page, f"{base_url}/karta?indicator=population&lang={lang}")
    page.wait_for_selector("#ka-year .dash-slider-mark")
    shown = page.evaluate(MARKS)
    texts = [m["text"] for m in shown["marks"]]
    boxes = [m["box"] for m in shown["marks"]]
    touching = [
        (texts[i], texts[j])
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if _overlap(boxes[i], boxes[j])
    ]
    assert not touching
    assert texts == (WIDE_LABELS if width > 1000 else NARROW_LABELS)
    assert texts[0] == shown["years"][0] and texts[-1] == shown["years"][-1]
    assert all(b[0] >= 0 and b[2] <= width for b in boxes)
    assert page.get_attribute("#ka-year [role=slider]", "aria-valuemax") == str(len(shown["years"]) - 1)


@pytest.mark.parametrize(("width", "height"), SIZES[:2], ids=[f"{w}x{h}" for w, h in SIZES[:2]])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_page_scrolls_sideways_or_breaks_a_heading_inside_a_word(
    page: Page, base_url: str, width: int, height: int, lang: str
) -> None:
    """Every page in the navigation, e.g. /tillganglighet's "Tillgänglighetsredogörelse" wraps at its soft
    hyphen ("Tillgänglighets-" / "redogörelse"), not as "Tillgänglighetsredogörels" / "e"."""
    page.set_viewport_size({"width": width, "height": height})
    _open(page, f"{base_url}/?lang={lang}")
    paths = page.eval_on_selector_all("a[id^='nav-']", "links => links.map(a => new URL(a.href).pathname)")
    assert {"/", "/karta", "/tillganglighet"} <= set(paths)
    found: list[str] = []
    for path in paths:
        _open(page, f"{base_url}{path}?lang={lang}")
        found += [f"{path}: {b}" for b in page.evaluate(WORD_BREAKS)]
        sideways = page.evaluate(SIDEWAYS)
        if sideways > 0:
            found.append(f"{path}: the page scrolls sideways by {sideways} px")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_components_axis_title_clear_of_the_legend_on_a_phone(page: Page, base_url: str, lang: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, f"{base_url}/befolkning?lang={lang}")
    page.wait_for_function(f"({COMPONENTS})() !== null", timeout=60000)
    drawn = page.evaluate(COMPONENTS)
    assert len(drawn["legend"]) == 4
    hit = [e["text"] for e in drawn["legend"] if any(_overlap(drawn["title"], b) for b in e["boxes"])]
    assert not hit, f"the x axis title overlaps the legend entries {hit}"


CUT_CELLS = """() => [...document.querySelectorAll('table.kf-table td')]
  .filter(td => td.scrollWidth > td.clientWidth + 0.5).map(td => td.textContent)"""


@pytest.mark.parametrize("width", [390, 1100, 1366])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_key_figures_values_stay_inside_their_cells(page: Page, base_url: str, width: int, lang: str) -> None:
    """/nyckeltal's fixed columns: Riket's population ("10,605,500" in English) is not cut by the table's edge
    nor drawn over its neighbour; the table scrolls in its box where the screen is narrower."""
    page.set_viewport_size({"width": width, "height": 900})
    _open(page, f"{base_url}/nyckeltal?lang={lang}")
    page.wait_for_selector("table.kf-table td")
    assert page.evaluate(CUT_CELLS) == []


UNDER = """([chart, summary]) => { const c = document.querySelector(chart).getBoundingClientRect();
  const s = document.querySelector(summary).getBoundingClientRect();
  return {gap: s.top - c.bottom, left: s.left - c.left, right: s.right - c.right, height: s.height}; }"""


@pytest.mark.parametrize(("width", "height"), SIZES[1:], ids=[f"{w}x{h}" for w, h in SIZES[1:]])
def test_compare_chart_summaries_stand_right_under_their_charts(
    page: Page, base_url: str, width: int, height: int
) -> None:
    """/jamfor's text summaries close their own chart's card, as on the other pages (on a phone the long
    summary no longer stands between the controls and the chart)."""
    page.set_viewport_size({"width": width, "height": height})
    _open(page, f"{base_url}/jamfor?lang=sv")
    page.wait_for_selector("#ts-graph .main-svg")
    for chart, summary in (("#ts-graph", "#jf-ts-summary"), ("#rank-graph", "#jf-rank-summary")):
        place = page.evaluate(UNDER, [chart, summary])
        assert abs(place["gap"]) <= 1 and abs(place["left"]) <= 1 and abs(place["right"]) <= 1, (summary, place)
        assert place["height"] > 20, (summary, place)
