"""Cold page loads in headless Chromium: bytes transferred and the time until the first line trace is painted.

Debian's Chromium through Playwright, a new browser context per load and the browser cache off; the browser
tests use the same executable and arguments (CHROMIUM, CHROMIUM_ARGS).
"""

from __future__ import annotations

import statistics
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# as root on a closed network: no sandbox, and no background calls to Google's hosts (the browser tests use these too)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGE_ROUNDS = 15  # cold loads of each page, taking turns (medians reported)


class _ByteCounter:
    """Sums the compressed bytes of every finished network request (CDP encodedDataLength)."""

    def __init__(self) -> None:
        self.bytes = 0

    def add(self, event: dict) -> None:
        self.bytes += event["encodedDataLength"]


# Reports from the page when the first line trace is painted: a MutationObserver sees the trace's path, and the
# next animation frame (the one that paints it) logs performance.now(), i.e. ms since navigation start, to the
# console, where the bench reads it (over the DevTools protocol: nothing runs in the page for it).
# Not polled with Playwright's wait_for_selector/wait_for_function: each poll waits for the page's busy main
# thread (it rounded both pages' times up by up to ~0.5 s), and the first one injects Playwright's own script
# into the page, ~0.1-0.17 s of the page's main thread in the middle of the load being measured.
FIRST_LINE_MESSAGE = "nyckeltal-bench first line painted at"
FIRST_LINE_PAINTED = """(() => {
  const line = '.js-plotly-plot .scatterlayer .trace path.js-line';
  const seen = new MutationObserver(() => {
    if (document.querySelector(line)) {
      seen.disconnect();
      requestAnimationFrame(() => { console.log('MESSAGE ' + performance.now()); });
    }
  });
  seen.observe(document, {childList: true, subtree: true});
})();""".replace("MESSAGE", FIRST_LINE_MESSAGE)


def _load_once(browser: Any, url: str, chart: bool, slowdown: float = 1) -> tuple[int, float | None]:
    """One cold load in a new browser context: (compressed bytes transferred, seconds to the first line's
    painted frame or None). `slowdown` > 1: the page's CPU slowed that many times (Chromium's throttling)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(FIRST_LINE_PAINTED)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if slowdown > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        total = _ByteCounter()
        cdp.on("Network.loadingFinished", total.add)
        seconds = None
        if chart:
            with page.expect_console_message(lambda m: m.text.startswith(FIRST_LINE_MESSAGE), timeout=60000) as msg:
                page.goto(url, wait_until="commit")
            seconds = float(msg.value.text.rsplit(" ", 1)[1]) / 1000
        else:
            page.goto(url, wait_until="commit")
        page.wait_for_load_state("networkidle", timeout=60000)
        return total.bytes, seconds
    finally:
        context.close()


def cold_pages(pages: dict[str, tuple[str, bool]], repeats: int, slowdown: float = 1) -> dict[str, dict[str, Any]]:
    """Cold loads of every page in turn, `repeats` rounds (name -> (url, has a chart)): per page the median
    transferred bytes and time from navigation start to the frame that paints the first line trace (the same
    criterion for our pages and the baseline). The pages take turns, so a slower spell of the machine falls
    on all of them alike instead of on whichever was measured then."""
    from playwright.sync_api import sync_playwright

    sizes: dict[str, list[int]] = {name: [] for name in pages}
    times: dict[str, list[float]] = {name: [] for name in pages}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(repeats):
                for name, (url, chart) in pages.items():
                    size, seconds = _load_once(browser, url, chart, slowdown)
                    sizes[name].append(size)
                    if seconds is not None:
                        times[name].append(seconds)
        finally:
            browser.close()
    return {
        name: {
            "kb": round(statistics.median(sizes[name]) / 1024, 1),
            "first_chart_s": round(statistics.median(times[name]), 3) if times[name] else None,
            "first_chart_all_s": [round(x, 3) for x in times[name]],
        }
        for name in pages
    }
