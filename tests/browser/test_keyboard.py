"""Keyboard only (no mouse): skip link, visible focus, /jamfor's controls and the CSV download; and reflow at
320 CSS px (= 1280 px at 400 % zoom, so 200 % zoom is covered too) without a horizontal scrollbar."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

START = "/jamfor?indicator=population&regions=sodertorn&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01&lang=sv"
FOCUSED = """() => { const e = document.activeElement; return {id: e.id || '', tag: e.tagName, value: e.value || '',
  cls: typeof e.className === 'string' ? e.className : '', text: (e.textContent || '').trim().slice(0, 40)}; }"""
IN_MENU = "() => !!document.activeElement.closest('.dash-dropdown-content')"
# a focus indicator the eye can see: an outline of at least 2 px, or a box-shadow ring
FOCUS_VISIBLE = """() => { const s = getComputedStyle(document.activeElement);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none'); }"""


def _page(browser: Browser, width: int) -> Page:
    return browser.new_context(accept_downloads=True, viewport={"width": width, "height": 1000}).new_page()


def _tab_to(page: Page, want, key: str = "Tab", limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies `want`; every stop shows its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        el = page.evaluate(FOCUSED)
        if el["tag"] != "BODY":
            assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {el}"
        if want(el):
            return el
    raise AssertionError(f"{limit} × {key} never reached the wanted element (last: {el})")


def _choose(page: Page, dropdown_id: str, value: str, key: str = "ArrowDown") -> None:
    """Open a dropdown with Enter, walk its options with the arrow keys, pick with Enter."""
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{dropdown_id}[aria-expanded='true']")
    page.wait_for_function(IN_MENU)
    seen = []
    for _ in range(80):
        seen.append(page.evaluate(FOCUSED)["value"])
        if seen[-1] == value:
            page.keyboard.press("Enter")
            page.wait_for_selector(f"#{dropdown_id}[aria-expanded='false']")
            return
        page.keyboard.press(key)
        # on a busy machine the menu may move focus a moment after the key press (at the ends it stays)
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"(prev) => ({FOCUSED})().value !== prev", arg=seen[-1], timeout=3000)
    raise AssertionError(f"{value} not reachable with {key} in #{dropdown_id}: {seen}")


def test_keyboard_walk_through_jamfor(browser: Browser, base_url: str) -> None:
    page = _page(browser, 1300)
    page.goto(base_url + START)
    page.wait_for_selector("#jf-data-table")

    # the skip link is the first stop, visible when focused, and moves focus to <main>
    assert _tab_to(page, lambda e: True)["id"] == "skip-link"
    assert page.locator("#skip-link").bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["id"] == "content"

    # two municipalities: clear the choice, then Space on Botkyrka and Södertälje
    _tab_to(page, lambda e: e["id"] == "jf-pick-none")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !location.search.includes('regions=sodertorn')", timeout=20000)
    for code in ("0127", "0181"):
        _tab_to(page, lambda e, code=code: e["tag"] == "INPUT" and e["value"] == code)
        page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('regions=0127,0181')", timeout=20000)

    # the indicator, back up the tab order
    _tab_to(page, lambda e: e["id"] == "jf-indicator", key="Shift+Tab")
    _choose(page, "jf-indicator", "net_commuting")
    page.wait_for_function("() => location.search.includes('indicator=net_commuting')", timeout=20000)

    # the ranking year
    _tab_to(page, lambda e: e["id"] == "jf-year")
    page.wait_for_function(
        "() => location.search.includes('year=2021') && document.querySelector('#jf-year').textContent.trim() === '2021'"
        " && !document.querySelector('[data-dash-is-loading=\"true\"]')",
        timeout=20000,
    )
    _choose(page, "jf-year", "2019", key="ArrowUp")
    page.wait_for_function("() => location.search.includes('year=2019')", timeout=20000)

    # the CSV, with Enter on the download button
    _tab_to(page, lambda e: e["id"] == "dl-csv")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#jf-data-table tbody tr td:first-child'))"
        ".some(td => td.textContent === 'Södertälje')",
        timeout=20000,
    )
    with page.expect_download(timeout=20000) as info:
        page.keyboard.press("Enter")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    table = text[text.index("indicator_id,") :]  # after the preamble (what, source, share link)
    rows = list(csv.DictReader(io.StringIO(table)))
    assert {r["indicator_id"] for r in rows} == {"net_commuting"}
    # the two chosen municipalities (and the county reference, where the source has it)
    assert {"Botkyrka", "Södertälje"} <= {r["region"] for r in rows} <= {"Botkyrka", "Södertälje", "Stockholms län"}
    page.context.close()


NARROW_PAGES = (
    "/",
    "/jamfor?indicator=population&regions=0127,0181&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01",
    "/karta",
    "/pendling",
    "/befolkning",
    "/om",
    "/tillganglighet",
)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_320_px_wide_has_no_horizontal_scrolling(browser: Browser, base_url: str, lang: str) -> None:
    page = _page(browser, 320)
    for path in NARROW_PAGES:
        page.goto(base_url + path + ("&" if "?" in path else "?") + f"lang={lang}")
        page.wait_for_function("(l) => document.documentElement.lang === l && !!document.querySelector('h1')", arg=lang)
        page.wait_for_load_state("networkidle")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path} ({lang}) scrolls sideways at 320 px: {widths}"
        assert page.locator("h1").is_visible() and page.locator("#lang-switch").is_visible()
        for control in page.locator(".controls .field").all():
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= widths[1] + 1, path
    page.context.close()
