"""Every string of a Swedish page is Swedish, every string of an English page English (issue 16).

The test walks every page in both languages and reads every text node of the page (visible or behind a
disclosure) and every chart text, and fails on a word that only the other language's texts produce
(tests/browser/language_words.py: derived from dashboard.i18n, the catalog, the regions, etl.query and
the ETL's own phrases). Not checked: URLs, code (API paths, indicator ids), quoted titles of sources
(a published table's name is cited as published), publishers' names ("Tyresö kommun") and the language
switch, which names the other language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from language_words import PUBLISHER, QUOTED, foreign_words, words
from playwright.sync_api import Browser, Page

from etl.catalog import load_catalog

PAGES = (
    "/",
    "/jamfor?indicator=net_commuting&regions=sodertorn&ref=01,00",
    "/jamfor?indicator=population&ref=01,00",
    "/jamfor?indicator=net_cost_share_of_tax&ref=01,00",
    "/karta",
    "/pendling",
    "/pendling?region=sodertorn",
    "/befolkning",
    "/nyckeltal",
    "/om",
    "/tillganglighet",
)
# every text node outside code, links' URLs, scripts and the language switch; plus the charts' SVG texts
PAGE_TEXT = """() => {
  const skip = 'script, style, code, cite, .url, #lang-switch, .share a';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    const text = n.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title]')) {
    if (el.closest(skip)) continue;
    for (const a of ['aria-label', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out;
}"""
URL = re.compile(r"\S+://\S+|/api/\S+|\S+\.(?:csv|json|zip|xlsx)\b")


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    p = context.new_page()
    yield p
    context.close()


def _code(token: str, ids: set[str]) -> bool:
    """An identifier, a code or an acronym, not a word: 'net_commuting', 'BE0101N1', 'TAB638', 'EN', 'CKM'."""
    bare = token.strip("()[],.;:")
    return bare in ids or "_" in bare or any(c.isdigit() for c in bare) or (len(bare) > 1 and bare.isupper())


def _clean(text: str, ids: set[str]) -> str:
    text = PUBLISHER.sub(" ", QUOTED.sub(" ", URL.sub(" ", text)))
    return " ".join(w for w in text.split() if not _code(w, ids))


def test_foreign_word_lists_are_derived_and_telling() -> None:
    """The lists hold the words of the issue's examples, and no word both languages use."""
    foreign = foreign_words()
    assert {"published", "figures", "computed", "county", "sum", "municipalities", "table", "updated"} <= foreign["sv"]
    assert {"publicerade", "beräknat", "kommuner", "saknas", "och"} <= foreign["en"]
    assert not foreign["sv"] & foreign["en"] and "botkyrka" not in foreign["sv"] | foreign["en"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_page_speaks_one_language(page: Page, base_url: str, lang: str) -> None:
    foreign = foreign_words()[lang]
    ids = set(load_catalog().indicators)
    found: dict[str, set[str]] = {}
    for path in PAGES:
        page.goto(base_url + path + ("&" if "?" in path else "?") + f"lang={lang}")
        page.wait_for_function("(l) => document.documentElement.lang === l && !!document.querySelector('h1')", arg=lang)
        page.wait_for_load_state("networkidle")
        if page.locator(".dash-graph").count():
            page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=20000)
        texts = page.evaluate(PAGE_TEXT)
        bad = {w for text in texts for w in words(_clean(text, ids)) if w in foreign}
        if bad:
            found[path] = {w: next(text for text in texts if w in words(_clean(text, ids)))[:160] for w in sorted(bad)}  # type: ignore[assignment]
    assert not found, "strings of the other language:\n" + "\n".join(
        f"{path}: {w!r} in {context!r}"
        for path, items in found.items()
        for w, context in items.items()  # type: ignore[union-attr]
    )
