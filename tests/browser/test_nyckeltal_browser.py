"""/nyckeltal in real Chromium on the bundled data: cell values equal etl.query, sorting by a column
header (keyboard) keeps its state in the URL, the page prints to an A4-landscape PDF with one theme per
page and the source and date on every page, and the PDF/CSV downloads hold the same numbers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest

pytest.importorskip("playwright.sync_api")
from a11y_support import serve_dashboard
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from dashboard.i18n import fmt_number
from etl.catalog import load_catalog
from etl.keyfigures import load_keyfigures
from etl.query import Dataset, Selection, query
from etl.regions import load_regions
from etl.snapshot import read_observations_csv

pytestmark = pytest.mark.browser
SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "snapshot" / "observations.csv"
EIGHT = ("0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_dashboard(tmp_path_factory)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset(1, read_observations_csv(SNAPSHOT), load_catalog(), load_regions())


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def newest(dataset: Dataset, indicator: str, code: str) -> tuple[float, int]:
    rows = query(dataset, Selection(indicator, (code,)))
    rows = rows[rows["value"].notna()]
    last = rows.loc[rows["year"].idxmax()]
    return float(last["value"]), int(last["year"])


def open_table(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("table.kf-table tbody tr")


@pytest.mark.parametrize("indicator", ["population", "tax_rate_total", "unemployment_rate_20_64"])
def test_cells_equal_the_query(page: Page, base_url: str, dataset: Dataset, indicator: str) -> None:
    open_table(page, f"{base_url}/nyckeltal?lang=sv")
    decimals = dataset.catalog.get(indicator).unit.decimals
    row = page.locator(f"#kf-row-{indicator}")
    cells = row.locator("td")
    assert cells.count() == 11  # the eight, Södertörn, Stockholms län, Riket
    values = {code: newest(dataset, indicator, code) for code in EIGHT}
    for n, code in enumerate(EIGHT):
        value, year = values[code]
        cell = cells.nth(n)
        assert cell.locator(".kf-value").inner_text() == fmt_number(value, decimals, "sv")
        assert float(cell.get_attribute("data-value")) == value and cell.get_attribute("data-year") == str(year)
        rank = 1 + sum(1 for v, _ in values.values() if v > value)
        assert cell.locator(".kf-rank").inner_text() == f"{rank} av 8"
    # the row links to /jamfor for the indicator
    assert row.locator("th a").get_attribute("href") == f"/jamfor?indicator={indicator}&sex=T&lang=sv"


def test_kolada_figures_wait_for_the_first_refresh(page: Page, base_url: str) -> None:
    open_table(page, f"{base_url}/nyckeltal?lang=en")
    row = page.locator("#kf-row-year9_merit_value")
    assert row.locator("td").count() == 1
    assert row.locator("td").inner_text() == "fetched at the first refresh"
    assert "0" not in row.locator("td").inner_text()


def test_sort_by_a_column_header_with_the_keyboard(page: Page, base_url: str, dataset: Dataset) -> None:
    open_table(page, f"{base_url}/nyckeltal?lang=sv")
    page.focus("#kf-section-population #kf-sort-0126")
    page.keyboard.press("Enter")
    page.wait_for_url("**/nyckeltal?sort=0126&dir=asc&lang=sv")
    page.wait_for_selector("#kf-section-population th[aria-sort='ascending']")
    ranks = page.locator("#kf-section-commuting tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")

    def rank(indicator: str) -> int:  # Huddinge's rank among the eight (1 = the highest value)
        return 1 + sum(newest(dataset, indicator, c)[0] > newest(dataset, indicator, "0126")[0] for c in EIGHT)

    declared = ["net_commuting", "in_commuters", "out_commuters"]
    assert [rank(i) for i in declared] == [5, 1, 1]
    assert ranks == sorted(declared, key=rank) == ["in_commuters", "out_commuters", "net_commuting"]
    # a second press: worst rank first; the URL holds it, and reloading restores it
    page.focus("#kf-section-population #kf-sort-0126")
    page.keyboard.press("Enter")
    page.wait_for_url("**/nyckeltal?sort=0126&dir=desc&lang=sv")
    page.reload()
    page.wait_for_selector("#kf-section-population th[aria-sort='descending']")
    worst_first = page.locator("#kf-section-commuting tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert worst_first == sorted(declared, key=rank, reverse=True) == ["net_commuting", "in_commuters", "out_commuters"]


def test_prints_one_theme_per_a4_landscape_page_with_source_and_date(page: Page, base_url: str) -> None:
    open_table(page, f"{base_url}/nyckeltal?lang=sv")
    date = page.locator("#data-updated").inner_text().split()[-1]
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", landscape=True, print_background=True)))
    themes = [s.theme for s in load_keyfigures()]
    assert len(pdf.pages) == len(themes)
    for number, pdf_page in enumerate(pdf.pages):
        box = pdf_page.mediabox
        assert float(box.width) > float(box.height)  # landscape
        text = pdf_page.extract_text()
        assert "Källor: SCB (CC0), Kolada (CC BY 4.0)" in text and f"Data uppdaterad {date}" in text
        title = page.locator(f"#kf-theme-{themes[number]}").inner_text()
        assert title in text
    assert "96 750" in pdf.pages[0].extract_text().replace("\u202f", " ")  # Botkyrka's population 2025


def test_pdf_and_csv_downloads(page: Page, base_url: str, dataset: Dataset) -> None:
    open_table(page, f"{base_url}/nyckeltal?lang=sv")
    href = page.locator("#kf-dl-pdf").get_attribute("href")
    with urlopen(base_url + href) as answer:
        assert answer.headers["Content-Type"] == "application/pdf"
        pdf = PdfReader(io.BytesIO(answer.read()))
    assert len(pdf.pages) >= len(load_keyfigures())
    first = pdf.pages[0].extract_text()
    assert "Södertörns nyckeltal" in first and "Befolkning" in first and "96 750" in first and "Sida 1" in first
    assert all("Källor: SCB" in p.extract_text() for p in pdf.pages)
    with urlopen(base_url + page.locator("#kf-dl-csv_sv").get_attribute("href")) as answer:
        text = answer.read().decode("utf-8-sig")
    value, year = newest(dataset, "tax_rate_total", "0181")
    line = next(
        x for x in text.splitlines() if x.startswith("Skatt;Total kommunal skattesats;tax_rate_total;value;0181;")
    )
    assert f";{year};T;{str(value).replace('.', ',')};" in line


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_on_a_phone_the_table_scrolls_in_its_box_and_the_page_does_not(
    browser: Browser, base_url: str, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_table(page, f"{base_url}/nyckeltal?lang={lang}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways == 0  # the cells' screen-reader texts once widened the page to 924 px
        wrap = page.locator(".kf-wrap").first
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # the table itself scrolls sideways
    finally:
        context.close()
