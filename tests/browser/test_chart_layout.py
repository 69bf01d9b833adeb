"""Charts readable at a glance, on a desk and on a phone (issue 16), measured in a real headless Chromium.

On /, /jamfor (a commuting indicator with Södertörn and both references), /pendling, /befolkning and
/karta, at 390×844 and 1366×900: no two text boxes of a chart overlap (title, axis titles, tick labels,
annotations such as the series-break markers, legend entries, bar texts, Sankey labels), every text box
lies inside its chart, no year axis runs beyond the data's last year + 2, and the page never scrolls
sideways. Tick labels of one axis are not compared with each other: plotly rotates or thins them, and the
boxes of rotated labels overlap by geometry while their glyphs do not.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PAGES = (
    "/",
    "/jamfor?indicator=net_commuting&regions=sodertorn&ref=01,00",
    "/pendling",
    "/befolkning",
    "/karta",
)
SIZES = ((390, 844), (1366, 900))
# every graph drawn with the figure its callback sent (data, or an empty chart's message), not the blank
# placeholder a dcc.Graph shows before
DRAWN = """() => { const gs = [...document.querySelectorAll('.dash-graph')];
  return !!document.querySelector('h1') && gs.every(d => { const g = d.querySelector('.js-plotly-plot');
    return !!(g && g._fullLayout && g.data && (g.data.length || (g.layout.annotations || []).length)); }); }"""
TEXT_BOXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const boxes = [];
  const add = (sel, kind) => g.querySelectorAll(sel).forEach((e, i) => {
    const text = (e.textContent || '').trim();
    const r = e.getBoundingClientRect();
    if (text && r.width > 0 && r.height > 0) boxes.push({kind: kind, group: kind, text: text, box: box(e)});
  });
  add('.gtitle', 'title');
  add('.g-xtitle text, .xtitle', 'xtitle');
  add('.g-ytitle text, .ytitle', 'ytitle');
  add('.g-y2title text, .y2title', 'y2title');
  add('.annotation .annotation-text-g', 'annotation');
  add('.legend .traces .legendtext', 'legend');
  add('.bartext', 'bartext');
  add('.sankey .node-label', 'sankey');
  for (const ax of ['x', 'y', 'y2']) add('.' + ax + 'tick text', ax + 'tick');
  const full = g._fullLayout;
  const axis = full.xaxis;
  const years = [];
  for (const d of g.data) { if (!d.x || !d.y || d.type === 'sankey') continue;
    d.x.forEach((x, i) => { if (d.y[i] !== null && d.y[i] !== undefined) years.push(Number(x)); }); }
  const title = axis && axis.title && axis.title.text;
  return {id: g.parentElement.id, graph: box(g), boxes: boxes,
    year_axis: !!axis && axis.type === 'linear' && (title === 'År' || title === 'Year'),
    range: axis && axis.range, last_year: years.length ? Math.max(...years) : null};
})"""


def _overlap(a: list[float], b: list[float]) -> float:
    """The area two boxes share (0 when they only touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0.5 and h > 0.5 else 0.0


def problems(charts: list[dict]) -> list[str]:
    out: list[str] = []
    for chart in charts:
        boxes, g = chart["boxes"], chart["graph"]
        for i, a in enumerate(boxes):
            if a["box"][0] < g[0] - 1 or a["box"][2] > g[2] + 1 or a["box"][1] < g[1] - 1 or a["box"][3] > g[3] + 1:
                out.append(f"{chart['id']}: {a['kind']} {a['text']!r} is cut off by the chart's edge")
            for b in boxes[i + 1 :]:
                if a["kind"] == b["kind"] and a["kind"].endswith("tick"):
                    continue
                if _overlap(a["box"], b["box"]):
                    out.append(f"{chart['id']}: {a['kind']} {a['text']!r} overlaps {b['kind']} {b['text']!r}")
        axis_known = chart["year_axis"] and chart["last_year"] is not None and chart["range"]
        if axis_known and chart["range"][1] > chart["last_year"] + 2:
            out.append(f"{chart['id']}: year axis runs to {chart['range'][1]:.1f}, data ends {chart['last_year']}")
    return out


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_chart_text_collides_and_no_axis_runs_past_the_data(
    page: Page, base_url: str, width: int, height: int, lang: str
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    found: list[str] = []
    for path in PAGES:
        page.goto(base_url + path + ("&" if "?" in path else "?") + f"lang={lang}")
        page.wait_for_load_state("networkidle")
        try:
            page.wait_for_function(DRAWN, timeout=60000)
        except Exception as exc:  # say which page
            raise AssertionError(f"{path} @{width}: charts not drawn") from exc
        charts = page.evaluate(TEXT_BOXES)
        found += [f"{path} @{width}: {p}" for p in problems(charts)]
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if sideways > 0:
            found.append(f"{path} @{width}: the page scrolls sideways by {sideways} px")
    assert not found, "\n".join(found)


def test_the_check_sees_a_collision() -> None:
    """The measure itself: two overlapping boxes and an axis past the data are reported."""
    chart = {
        "id": "g",
        "graph": [0, 0, 400, 400],
        "boxes": [
            {"kind": "annotation", "text": "Ny tabell", "box": [10, 10, 90, 24]},
            {"kind": "annotation", "text": "Ändrad klassificering", "box": [80, 12, 200, 26]},
            {"kind": "xtick", "text": "2000", "box": [100, 300, 130, 314]},
            {"kind": "xtick", "text": "2010", "box": [120, 300, 150, 314]},
        ],
        "year_axis": True,
        "range": [1992.5, 2055.0],
        "last_year": 2021,
    }
    assert problems([chart]) == [
        "g: annotation 'Ny tabell' overlaps annotation 'Ändrad klassificering'",
        "g: year axis runs to 2055.0, data ends 2021",
    ]


REFERENCES = "/jamfor?indicator=population&regions=0127,0136,0126,0140,0192,0128,0181,0138&ref=01,00&mode=value"
EIGHT_SPAN = """() => { const g = document.querySelector('#ts-graph .js-plotly-plot');
  const main = g.data.filter(d => !['01', '00'].includes(d.meta.region_code) && (d.yaxis || 'y') === 'y');
  const refs = g.data.filter(d => ['01', '00'].includes(d.meta.region_code));
  const ys = main.flatMap(d => d.y.filter(v => v !== null));
  const r = g._fullLayout.yaxis.range;
  return {share: (Math.max(...ys) - Math.min(...ys)) / (r[1] - r[0]), main: main.length,
          ref_axes: refs.map(d => d.yaxis || 'y')}; }"""


def test_references_leave_the_eight_readable(page: Page, base_url: str) -> None:
    """Population in value mode with Stockholms län and Riket: the eight keep their own axis (they span most
    of it; drawn with Riket's 10.5 million they would be a flat line at zero), the references get a small
    panel, the page says so, and one click turns the view into an index, held in the URL."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url + REFERENCES + "&lang=sv")
    page.wait_for_function(DRAWN, timeout=60000)
    drawn = page.evaluate(EIGHT_SPAN)
    assert drawn["main"] == 8 and drawn["ref_axes"] == ["y2", "y2"]
    assert drawn["share"] > 0.5
    note = page.locator("#jf-ref-panel").inner_text()
    assert "Stockholms län och Riket är upp till" in note and "egen panel" in note
    page.click("#jf-switch-index")
    page.wait_for_function("() => location.search.includes('mode=index')", timeout=20000)
    page.wait_for_function(
        "() => { const g = document.querySelector('#ts-graph .js-plotly-plot');"
        " return g && g.layout.yaxis.title.text.startsWith('index'); }",
        timeout=20000,
    )
    assert page.locator("#jf-ref-panel").count() == 0  # an index shares one axis: no panel, no note
    assert "base=" in page.url
