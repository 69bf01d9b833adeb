"""The benchmark's report: one row per goal (measured, the same run's baseline, their ratio, met), the table
printed at the end, and bench/results/latest.json.
"""

from __future__ import annotations

import json
from typing import Any

from bench.processes import ROOT

RESULTS = ROOT / "bench" / "results" / "latest.json"


def row(goal: str, target: str, measured: Any, baseline: Any, ratio: Any, met: bool | None) -> dict[str, Any]:
    return {"goal": goal, "target": target, "measured": measured, "baseline": baseline, "ratio": ratio, "met": met}


def fmt_table(rows: list[dict[str, Any]]) -> str:
    head = ["goal", "target", "measured", "baseline (same run)", "ratio", "met"]
    cells = [
        [
            r["goal"],
            r["target"],
            str(r["measured"]),
            str(r["baseline"] if r["baseline"] is not None else "–"),
            str(r["ratio"] if r["ratio"] is not None else "–"),
            {True: "yes", False: "NO", None: "n/a"}[r["met"]],
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    line = lambda c: "| " + " | ".join(x.ljust(w) for x, w in zip(c, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(c) for c in cells)])


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def compared(goal: str, target: str, ours: Any, base: Any, unit: str, met: bool | None) -> dict[str, Any]:
    """A row measured against the baseline of the same run: both values in `unit`, and their ratio."""
    shown = (lambda v: f"{v} {unit}") if unit else (lambda v: v)
    return row(goal, target, shown(ours), shown(base), ratio(ours, base), met)


def publish(results: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    """Write `results` with `rows` to bench/results/latest.json and print the table and the notes; the exit
    status: 1 if a goal was not met."""
    results["rows"] = rows
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(fmt_table(rows))
    print()
    for note in results["notes"]:
        print("note:", note)
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0 if all(r["met"] is not False for r in rows) else 1
