"""Write bench/data/municipalities.csv (code,name) from SCB's TAB2017 metadata in ../shared/reference.

Public structure, not statistics: the 290 municipality codes and names the full-Sweden
scale run uses. Run once when the municipality list changes:
`.venv/bin/python bench/make_municipalities.py [path to TAB2017 sv metadata.json]`.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent.parent / "shared/reference/scb/TAB2017/sv/metadata.json"
OUT = HERE / "data" / "municipalities.csv"


def municipalities(metadata: dict) -> list[tuple[str, str]]:
    """(code, name) of every four-digit region code, in SCB's order."""
    body = metadata.get("response", metadata)
    region = body["dimension"]["Region"]["category"]
    order = sorted(region["index"], key=region["index"].get)
    return [(code, region["label"][code]) for code in order if len(code) == 4 and code.isdigit()]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    rows = municipalities(json.loads(path.read_text(encoding="utf-8")))
    if len(rows) != 290:
        raise SystemExit(f"{path}: expected 290 municipalities, found {len(rows)}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} municipalities to {OUT}")


if __name__ == "__main__":
    main()
