"""Fixtures the accessibility browser tests share (a file's own fixture of the same name wins)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from a11y_support import ARGS, CHROMIUM, serve_dashboard
from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the bundled data, one server per test module."""
    yield from serve_dashboard(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per test module."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One page in a fresh browser context, one per test module (a test sets its own viewport)."""
    context = browser.new_context()
    p = context.new_page()
    yield p
    context.close()
