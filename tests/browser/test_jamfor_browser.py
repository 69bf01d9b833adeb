"""/jamfor in a real headless Chromium (Debian's), against a temporary SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, sync_playwright

from tests.browser.support import ARGS, CHROMIUM, live_dashboard

SHARE = "/jamfor?indicator=population&regions=0127,0181&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01&lang=sv"
TITLE = "() => { const g = document.querySelector('#ts-graph .js-plotly-plot'); return (g && g.layout && g.layout.title && g.layout.title.text) || ''; }"
TRACE_NAMES = "() => { const g = document.querySelector('#ts-graph .js-plotly-plot'); return g && g.data ? g.data.map(d => d.name) : null; }"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_dashboard(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}") as url:
        yield url


@pytest.fixture
def page(base_url: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1600})
        pg = context.new_page()
        pg.errors = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _wait_traces(page: Page, names: list[str]) -> None:
    page.wait_for_function(
        f"(want) => JSON.stringify(({TRACE_NAMES})()) === JSON.stringify(want)", arg=names, timeout=20000
    )


def _table_rows(page: Page) -> list[tuple[str, str, str]]:
    cells = page.eval_on_selector_all(
        "#jf-data-table tbody tr", "rows => rows.map(r => Array.from(r.children).map(td => td.textContent))"
    )
    return [(c[0], c[1], c[2]) for c in cells]


def _norm_sv(value: str) -> str:
    return value.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("\u2212", "-").replace(",", ".")


def test_share_link_indicator_language_download(page: Page, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + SHARE)
    _wait_traces(page, ["Botkyrka", "Södertälje", "Stockholms län"])
    figure = page.evaluate(
        "() => { const g = document.querySelector('#ts-graph .js-plotly-plot'); const d = g.data[0]; return {x: d.x, y: d.y, sep: g.layout.separators}; }"
    )
    assert figure["y"][figure["x"].index(2024)] == 95905
    assert figure["sep"] == ", "
    assert page.locator("#jf-notice .notice").count() == 0
    assert page.url.endswith(SHARE)  # the link is already canonical: nothing rewritten

    # change the indicator with the picker: the chart, the URL and the notes follow
    page.click("#jf-indicator")
    page.click('[role=option]:has(input[value="net_commuting"])')
    page.wait_for_function("() => location.search.includes('indicator=net_commuting')", timeout=20000)
    page.wait_for_function(f"() => ({TITLE})().startsWith('Nettopendling')", timeout=20000)
    assert "regions=0127,0181" in page.url and "to=2021" in page.url  # commuting ends in 2021

    # back restores the previous view from the URL
    page.go_back()
    page.wait_for_function(f"() => ({TITLE})().startsWith('Folkmängd')", timeout=20000)
    assert page.url.endswith(SHARE)

    # switch to English: labels change, the view stays
    page.click("#lang-switch")
    page.wait_for_function(
        "() => document.querySelector('h1') && document.querySelector('h1').textContent === 'Compare municipalities'",
        timeout=20000,
    )
    _wait_traces(page, ["Botkyrka", "Södertälje", "Stockholm County"])
    page.wait_for_function(
        "() => { const g = document.querySelector('#ts-graph .js-plotly-plot'); return !!(g && g.layout && g.layout.xaxis && g.layout.xaxis.title && g.layout.xaxis.title.text === 'Year'); }",
        timeout=20000,
    )
    assert "lang=en" in page.url and "indicator=population" in page.url
    assert page.locator("#nav-jamfor").inner_text() == "Compare"

    # the Swedish-Excel CSV holds exactly the rows of the on-screen table
    with page.expect_download(timeout=20000) as info:
        page.click("#dl-csv-sv")
    download = info.value
    assert download.suggested_filename == "population_0127-0181-01_2000-2024_excel.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    data = [ln.split(";") for ln in lines if ln.startswith("population;")]
    table = _table_rows(page)
    assert len(data) == len(table) == 75
    for row, (region, year, value) in zip(data, table, strict=True):
        assert (row[3], row[4]) == (region, year)
        assert (row[6].replace(",", ".") or "–") == value.replace(",", "")
    # the plain CSV has a name of its own (the second download is no "(1)")
    with page.expect_download(timeout=20000) as info:
        page.click("#dl-csv")
    assert info.value.suggested_filename == "population_0127-0181-01_2000-2024.csv"
    assert page.errors == []  # type: ignore[attr-defined]


def test_malformed_link_falls_back_with_notice(page: Page, base_url: str) -> None:
    page.goto(base_url + "/jamfor?indicator=nope&regions=0127,9999&mode=cubic&lang=sv")
    page.wait_for_selector("#jf-notice .notice", timeout=20000)
    notices = page.locator("#jf-notice .notice").all_inner_texts()
    assert (
        any("indicator" in n for n in notices)
        and any("mode" in n for n in notices)
        and any("regions" in n for n in notices)
    )
    page.wait_for_function("() => location.search.includes('indicator=population')", timeout=20000)
    page.wait_for_function(f"() => {{ const n = ({TRACE_NAMES})(); return !!n && n.length === 8; }}", timeout=20000)
    assert page.errors == []  # type: ignore[attr-defined]


def test_overview_and_about_pages(page: Page, base_url: str) -> None:
    page.goto(base_url + "/?lang=en")
    page.wait_for_selector("#ov-0127", timeout=20000)
    text = page.locator("#ov-0127").inner_text()
    assert "Botkyrka" in text and " of 8 among the Södertörn municipalities" in text
    page.click("#nav-om")
    page.wait_for_selector("#om-population", timeout=20000)
    assert "CC0" in page.locator("#om-population").inner_text()
    assert "lang=en" in page.url
    assert page.errors == []  # type: ignore[attr-defined]


def test_cold_page_loads_only_what_its_charts_and_controls_need(page: Page, base_url: str) -> None:
    """Issue 7: /jamfor draws both charts from the scatter-and-bar plotly.js bundle (no other trace type in
    it); dcc's graph and dropdown code comes with the page; no other lazily loaded dcc code, no full
    plotly.js, no @babel/polyfill, no dash_table."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(base_url + SHARE)
    _wait_traces(page, ["Botkyrka", "Södertälje", "Stockholms län"])
    page.wait_for_selector("#rank-graph .js-plotly-plot .barlayer .trace", state="attached", timeout=20000)
    page.wait_for_selector("button#jf-indicator.dash-dropdown", timeout=20000)
    page.wait_for_load_state("networkidle")
    names = [u.split("?")[0].rsplit("/", 1)[-1] for u in requested]
    assert "plotly-scatter-bar-4.1.1.min.js" in names and "regenerator-runtime-0.14.1.js" in names
    assert page.evaluate("Object.keys(window.Plotly.PlotSchema.get().traces).sort()") == ["bar", "scatter"]
    assert {"async-graph.js", "async-dropdown.js"} <= set(names)
    unwanted = (
        "polyfill@",
        "bundle.v",
        "plotly.min.js",
        "async-markdown",
        "async-datepicker",
        "async-slider",
        "async-upload",
    )
    assert [n for n in names if n.startswith(unwanted)] == []
    # the layout and the callback graph are asked for once, by the page's head, while the scripts load
    assert (names.count("_dash-layout"), names.count("_dash-dependencies")) == (1, 1)
    asked_while_scripts_load = page.evaluate(
        "() => { const all = performance.getEntriesByType('resource');"
        " const lastScript = Math.max(...all.filter(e => e.initiatorType === 'script').map(e => e.responseEnd));"
        " return all.filter(e => /_dash-(layout|dependencies)$/.test(e.name)).map(e => e.startTime < lastScript); }"
    )
    assert asked_while_scripts_load == [True, True]
    assert page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length") == 2
    assert page.errors == []  # type: ignore[attr-defined]


def test_year_axis_ends_with_the_data_beside_a_late_break(page: Page, base_url: str) -> None:
    """A break in the last years (population: SCB's new table from 2025) is a numbered marker with its text
    listed under the chart, and the year axis ends at the last year with data instead of running on."""
    page.goto(base_url + "/jamfor?indicator=population&regions=0127&from=2001&to=2025&lang=sv")
    _wait_traces(page, ["Botkyrka"])
    axis = page.evaluate(
        "() => { const g = document.querySelector('#ts-graph .js-plotly-plot');"
        " return {range: g._fullLayout.xaxis.range, labels: g.layout.annotations.map(a => a.text)}; }"
    )
    assert axis["labels"] == ["1"]
    assert page.locator("#jf-ts-breaks li").all_inner_texts() == ["2025: Ny tabell med CKM-brus (TAB5557)"]
    low, high = axis["range"]
    assert 2025 < high < 2027 and abs((high - 2025) - (2001 - low)) < 0.01  # the same padding at both ends
