"""/karta, /pendling and /befolkning in a real headless Chromium, from share links, offline.

The store is the bundled snapshot plus a small TAB638-format age fixture of our own for
Botkyrka 2024 (the bundled data has no age rows), published like any other dataset.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "etl"))
from tab638_fixture import tab638_doc

from tests.browser.support import ARGS, CHROMIUM, live_dashboard

EIGHT = ["0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138"]
GRAPH = "(sel) => { const g = document.querySelector(sel + ' .js-plotly-plot'); return g && g.data ? g.data : null; }"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from etl.catalog import load_catalog
    from etl.regions import load_regions
    from etl.snapshot import load_snapshot_into
    from etl.sources.scb_ages import tidy_age_answer
    from etl.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('views') / 'store.sqlite'}"
    store = Store(url)
    catalog, regions = load_catalog(), load_regions()
    load_snapshot_into(store, catalog, regions)
    _, frame = store.read_observations()
    ages = tidy_age_answer(tab638_doc({"0127": 95905}, "2024"), "2026-01-01T00:00:00Z")
    store.publish(frame, catalog, regions, origin="test", ages=ages)
    store.dispose()
    return url


@pytest.fixture(scope="module")
def base_url(store_url: str) -> Iterator[str]:
    with live_dashboard(store_url) as base:
        yield base


@pytest.fixture(scope="module")
def dataset(store_url: str):
    """The test store's published dataset, read directly (not through the dashboard)."""
    from etl.catalog import load_catalog
    from etl.query import Dataset
    from etl.regions import load_regions
    from etl.store import Store

    store = Store(store_url)
    version, frame = store.read_observations()
    store.dispose()
    return Dataset(version, frame, load_catalog(), load_regions())


@pytest.fixture
def page(base_url: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1600})
        # offline: any request that leaves the test server fails the test
        leaks: list[str] = []
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(base_url)
                else (leaks.append(route.request.url), route.abort())
            ),
        )
        pg = context.new_page()
        pg.errors = []  # type: ignore[attr-defined]
        pg.leaks = leaks  # type: ignore[attr-defined]
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _data(page: Page, sel: str, check: str = "d => d.length > 0") -> list:
    page.wait_for_function(f"() => {{ const d = ({GRAPH})('{sel}'); return !!d && ({check})(d); }}", timeout=20000)
    return page.evaluate(f"() => ({GRAPH})('{sel}')")


def test_map_from_share_link_sv_and_en(page: Page, base_url: str) -> None:
    page.goto(base_url + "/karta?indicator=population&year=2024&sex=T&lang=sv")
    traces = _data(page, "#ka-map", "d => d.length === 2")
    locations = [loc for tr in traces for loc in tr["locations"]]
    assert len(locations) == len(set(locations)) == 26  # one shape per municipality of the county
    eight = traces[-1]
    assert sorted(eight["locations"]) == sorted(EIGHT)
    by_code = {row[5]: (z, row) for z, row in zip(eight["z"], eight["customdata"], strict=True)}
    assert by_code["0127"][0] == 95905 and by_code["0127"][1][1] == "95\u202f905"
    assert by_code["0127"][1][2:4] == ["personer", 2024]
    ranks = sorted(int(row[4].split()[1]) for _z, row in by_code.values())
    assert ranks == list(range(1, 9))
    assert page.evaluate("() => document.querySelector('#ka-map .js-plotly-plot').layout.map.style") == "white-bg"
    assert page.locator("#ka-notice .notice").count() == 0
    assert page.locator("#ka-summary").inner_text() == (
        "Folkmängd 2024, personer: högst Huddinge (114\u202f304 personer), lägst Nykvarn (12\u202f342 personer); "
        "8 av 8 kommuner har värden."
    )
    # the year slider is keyboard operable and shows years, not its positions
    assert page.locator("#ka-year input").count() == 0  # no number box with a position in it
    thumb = page.locator("#ka-year [role=slider]")
    page.focus("#ka-year [role=slider]")
    page.wait_for_function(
        "() => document.querySelector('#ka-year [role=slider]').getAttribute('aria-valuetext') === '2024'"
    )
    assert page.locator("#ka-year-tooltip-1-content").inner_text() == "2024"
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('year=2023')", timeout=20000)
    assert page.locator("#ka-year-shown").inner_text() == "2023"
    assert page.locator("#ka-year-tooltip-1-content").inner_text() == "2023"
    assert thumb.get_attribute("aria-valuetext") == "2023"
    _data(page, "#ka-map", "d => d.length === 2 && d[1].customdata[0][3] === 2023")
    # English from the share link
    page.goto(base_url + "/karta?indicator=net_commuting&year=2015&sex=T&lang=en")
    traces = _data(page, "#ka-map", "d => d.length === 2 && d[1].customdata[0][2] === 'persons'")
    assert page.locator("h1").inner_text() == "Map"
    assert traces[1]["customdata"][0][4].startswith("rank ")
    assert page.errors == [] and page.leaks == []  # type: ignore[attr-defined]


def _centroid(code: str) -> tuple[float, float]:
    """(lon, lat): the mean of the outer ring of the municipality's largest polygon on the served map."""
    from dashboard.geo import county_geojson

    geom = next(f["geometry"] for f in county_geojson()["features"] if f["id"] == code)
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    ring = max((p[0] for p in polys), key=len)
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def test_map_click_opens_compare(page: Page, base_url: str) -> None:
    page.goto(base_url + "/karta?indicator=population&year=2024&sex=T&lang=sv")
    _data(page, "#ka-map", "d => d.length === 2")
    # a real mouse click inside Botkyrka's shape (its centroid, projected by the map itself)
    lon, lat = _centroid("0127")
    page.wait_for_function(
        "() => { const g = document.querySelector('#ka-map .js-plotly-plot'); return !!(g._fullLayout.map && g._fullLayout.map._subplot && g._fullLayout.map._subplot.map.loaded()); }",
        timeout=20000,
    )
    xy = page.evaluate(
        """([lon, lat]) => { const g = document.querySelector('#ka-map .js-plotly-plot');
                   const m = g._fullLayout.map._subplot.map; const p = m.project([lon, lat]);
                   const r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat],
    )
    # as a person does: the pointer rests on Botkyrka (plotly.js reports a click for the point it hovers,
    # and works the hover out on a timer, so a click sent in the same instant as the move can find no point)
    page.mouse.move(xy[0], xy[1])
    page.wait_for_function(
        "() => { const h = document.querySelector('#ka-map .js-plotly-plot')._hoverdata; return !!h && h.length > 0 && h[0].location === '0127'; }",
        timeout=20000,
    )
    page.mouse.down()
    page.mouse.up()
    page.wait_for_url("**/jamfor?indicator=population&regions=0127**", timeout=20000)
    assert page.errors == []  # type: ignore[attr-defined]


def test_map_indicator_change_resets_slider_and_sex(page: Page, base_url: str) -> None:
    """A new indicator on /karta: the slider runs over its own years (the year shown kept where it has it),
    the sex choices are its own (women fall back to the total), and the URL says so."""
    page.goto(base_url + "/karta?indicator=population&year=2022&sex=K&lang=en")
    _data(page, "#ka-map", "d => d.length === 2")
    page.click("#ka-indicator")
    page.click('[role=option]:has(input[value="unemployment_rate_20_64"])')
    page.wait_for_function(
        "() => location.search === '?indicator=unemployment_rate_20_64&year=2022&sex=T&lang=en'", timeout=20000
    )
    assert page.get_attribute("#ka-year-box", "data-years") == "2020,2021,2022,2023,2024"
    assert page.locator("#ka-sex label").all_inner_texts() == ["Total"]
    assert page.locator("#ka-sex input:checked").get_attribute("value") == "T"
    # back to population: its 58 years from 1968, 2022 still shown, all three sex choices
    page.click("#ka-indicator")
    page.click('[role=option]:has(input[value="population"])')
    page.wait_for_function("() => location.search === '?indicator=population&year=2022&sex=T&lang=en'", timeout=20000)
    years = page.get_attribute("#ka-year-box", "data-years").split(",")
    assert (years[0], years[-1], len(years)) == ("1968", "2025", 58)
    assert page.locator("#ka-sex label").all_inner_texts() == ["Total", "Women", "Men"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_commuting_chart_equals_export(page: Page, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + "/pendling?region=0127&year=2015&lang=sv")
    lines = _data(page, "#pd-lines", "d => d.length === 4")
    sankey = _data(page, "#pd-sankey", "d => d.length > 0 && d[0].type === 'sankey'")
    assert sankey[0]["link"]["value"] == [15311, 4531]
    with page.expect_download(timeout=20000) as info:
        page.click("#pd-dl-csv")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    lines_csv = target.read_text(encoding="utf-8").splitlines()
    header = next(i for i, ln in enumerate(lines_csv) if ln.startswith("indicator_id,"))
    import csv

    rows = list(csv.DictReader(lines_csv[header:]))
    exported = {(r["indicator_id"], int(r["year"])): (float(r["value"]) if r["value"] else None) for r in rows}
    shown = {}
    for tr in lines + _data(page, "#pd-day-night", "d => d.length === 2"):
        for x, y in zip(tr["x"], tr["y"], strict=True):
            shown[(tr["meta"]["indicator_id"], x)] = y
    assert len(shown) == 6 * 29
    assert shown == exported
    assert exported[("net_commuting", 2015)] == exported[("in_commuters", 2015)] - exported[("out_commuters", 2015)]
    # every chart has its summary; the ranking and the flows also a table behind a disclosure
    assert page.locator("#pd-flows-summary").inner_text() == (
        "Pendlingsflöden 2015, Botkyrka: 2 flöden, sammanlagt 19\u202f842 personer. Störst: Botkyrka → Stockholm "
        "(15\u202f311 personer); minst: Stockholm → Botkyrka (4\u202f531 personer)."
    )
    for chart in ("pd-lines", "pd-day-night", "pd-rank"):
        assert (
            page.locator(f"#{chart}-summary")
            .inner_text()
            .startswith(
                {
                    "pd-lines": "Pendling, Botkyrka, 1993–2021",
                    "pd-day-night": "Dagbefolkning",
                    "pd-rank": "Nettopendling 2015",
                }[chart]
            )
        )
    page.click("#pd-rank-text summary")
    assert page.locator("#pd-rank-table tbody tr").first.inner_text().split("\t") == ["Södertälje", "+6\u202f528", "1"]
    # English, Södertörn as a region, a year without flows
    page.goto(base_url + "/pendling?region=sodertorn&year=2021&lang=en")
    page.wait_for_selector("#pd-region-own", timeout=20000)
    assert "cannot be computed" in page.locator("#pd-region-own").inner_text()
    page.wait_for_function(
        "() => document.querySelector('#pd-flow-note').textContent === 'Flows exist for: 2015.'", timeout=20000
    )
    assert page.errors == [] and page.leaks == []  # type: ignore[attr-defined]


def test_pyramid_bands_add_up(page: Page, base_url: str) -> None:
    page.goto(base_url + "/befolkning?region=0127&year=2024&lang=sv")
    bars = _data(page, "#pop-pyramid", "d => d.length === 2 && d[0].type === 'bar'")
    assert [len(b["y"]) for b in bars] == [21, 21] and bars[0]["y"][0] == "0-4" and bars[0]["y"][-1] == "100+"
    band_sum = sum(v for b in bars for v in b["meta"]["values"])
    assert band_sum == 95905
    page.wait_for_selector("#pop-pyr-summary", timeout=20000)
    assert page.locator("#pop-pyr-summary").inner_text().startswith("Ålderspyramid Botkyrka 2024: 95\u202f905 personer")
    assert page.locator("#pop-pyr-table tbody tr").count() == 21
    page.wait_for_selector("#pop-total", timeout=20000)
    assert page.locator("#pop-total").inner_text().replace("\u202f", "") == "95905"
    assert page.locator("#pop-band-sum").inner_text().replace("\u202f", "") == "95905"
    # a year without age data says so plainly (English share link)
    page.goto(base_url + "/befolkning?region=0181&year=2024&lang=en")
    page.wait_for_selector("#pop-no-ages", timeout=20000)
    assert (
        page.locator("#pop-no-ages").inner_text()
        == "No age data for Södertälje 2024 in the dataset. Years with age data: no years."
    )
    idx = _data(page, "#pop-index", "d => d.length === 10")
    assert idx[-1]["name"] == "Sweden"
    assert page.errors == [] and page.leaks == []  # type: ignore[attr-defined]


SCB_CC0 = "SCB: CC0 1.0 https://creativecommons.org/publicdomain/zero/1.0/"


def _map_file(dataset, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """What /karta?indicator=population&year=2024&sex=T sends: the eight in 2024, as `python -m etl export
    --indicator population --from 2024 --to 2024 --sex T` selects them."""
    from etl.query import Selection, query

    rows = query(dataset, Selection("population", tuple(EIGHT), 2024, 2024, "T", "value"), lang)
    about = {
        "sv": ["Titel: Folkmängd", "Enhet: personer", "Visning: Värde", f"Licens: {SCB_CC0}"],
        "en": ["Title: Population", "Unit: persons", "Shown as: Value", f"Licence: {SCB_CC0}"],
    }[lang]
    return rows, about


def _population_file(dataset, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """What /befolkning?region=0127&base=2000 sends: Botkyrka's components of change (the years with a
    value) and the population index (2000 = 100) for the eight, Stockholms län and Riket."""
    from dashboard.downloads import licence_text
    from etl.query import Selection, query

    components = ("births", "deaths", "net_migration", "population_change")
    parts = [query(dataset, Selection(i, ("0127",)), lang) for i in components]
    comp = pd.concat(parts, ignore_index=True)
    comp = comp[comp["year"].isin(set(comp.loc[comp["value"].notna(), "year"]))]
    index = query(dataset, Selection("population", (*EIGHT, "01", "00"), 2000, 2025, "T", "index", 2000), lang)
    rows = pd.concat([comp, index], ignore_index=True)
    licence = licence_text(rows, dataset.catalog, lang)
    about = {
        "sv": [
            "Titel: Födda, Döda, Flyttnetto, Folkökning, Folkmängd",
            "Enhet: se kolumnen unit (per rad)",
            "Visning: Index (basår = 100) (2000)",
        ],
        "en": [
            "Title: Births, Deaths, Net migration, Population change, Population",
            "Unit: see the unit column (per row)",
            "Shown as: Index (base year = 100) (2000)",
        ],
    }[lang]
    return rows, [*about, ("Licens: " if lang == "sv" else "Licence: ") + licence]


@pytest.mark.parametrize(
    ("path", "button", "name", "expected"),
    [
        (
            "/karta?indicator=population&year=2024&sex=T&lang=sv",
            "#ka-dl-csv_sv",
            "folkmangd_karta_2024_excel.csv",
            _map_file,
        ),
        (
            "/karta?indicator=population&year=2024&sex=T&lang=en",
            "#ka-dl-csv_sv",
            "population_karta_2024_excel.csv",
            _map_file,
        ),
        (
            "/befolkning?region=0127&year=2024&overlay=none&base=2000&lang=sv",
            "#pop-dl-csv_sv",
            "befolkning_0127_2024_excel.csv",
            _population_file,
        ),
        (
            "/befolkning?region=0127&year=2024&overlay=none&base=2000&lang=en",
            "#pop-dl-csv_sv",
            "befolkning_0127_2024_excel.csv",
            _population_file,
        ),
    ],
)
def test_view_download_right_after_load(
    page: Page, base_url: str, dataset, tmp_path: Path, path, button, name, expected
) -> None:
    """A click on "CSV for Swedish Excel" as soon as the button can be clicked (before the view's first
    update has returned) sends the view's file: semicolons, decimal comma, UTF-8 with BOM, CRLF, the
    header lines, and exactly the rows etl.query gives for the view (issue 5: it used to send nothing)."""
    from etl.exporters import swedish_excel_csv

    page.goto(base_url + path, wait_until="commit")
    with page.expect_download(timeout=20000) as info:
        page.click(button)  # waits only until the button is visible, stable and enabled
    assert info.value.suggested_filename == name
    target = tmp_path / name
    info.value.save_as(target)
    raw = target.read_bytes()
    rows, about = expected(dataset, "en" if path.endswith("lang=en") else "sv")
    link = ("Länk: " if path.endswith("lang=sv") else "Link: ") + base_url + path
    assert raw == swedish_excel_csv(rows, [*about, link])
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    if path.startswith("/karta"):
        label = "Folkmängd" if path.endswith("sv") else "Population"
        assert f"population;{label};0127;Botkyrka;2024;T;95905;" in raw.decode("utf-8")
        assert len([ln for ln in lines if ln.startswith("population;")]) == 8
    else:
        assert any(ln.startswith("population;") and ";0127;Botkyrka;2000;T;100;" in ln for ln in lines)
        assert any(ln.startswith("population;") and ";0127;Botkyrka;2024;T;131,2023749;" in ln for ln in lines)
    assert page.errors == [] and page.leaks == []  # type: ignore[attr-defined]
