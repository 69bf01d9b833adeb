"""What the accessibility browser tests share: a live dashboard on a temporary store, Chromium, axe-core."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import ARGS, CHROMIUM, live_dashboard  # noqa: F401 - re-exported for the a11y tests

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0/2.1 A and AA: what EN 301 549 (and so DOS-lagen) requires of web pages
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def serve_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on 127.0.0.1 (random port) over a fresh SQLite store loaded from the snapshot."""
    with live_dashboard(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}") as url:
        yield url


def axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(
            f"{AXE} is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does it when node_modules is absent)"
        )
    return AXE.read_text(encoding="utf-8")


def run_axe(page: Any) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.1 A/AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol, which the page's CSP does not govern (an inline
        # <script> via add_script_tag would be blocked by script-src): the audit runs under the real CSP
        page.evaluate(axe_source() + "\n;true")
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,"
        " nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 200)}))})); }",
        AXE_TAGS,
    )
    return list(result)


def describe(violations: list[dict]) -> str:
    """The violations, one block each, readable in a CI log."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:8]:
            lines.append(f"    at {n['target']}: {n['html']}")
            lines.append("      " + (n["summary"] or "").replace("\n", "\n      "))
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def dump(violations: list[dict]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)
