"""A small TAB638 answer in SCB's real JSON-stat 2.0 format, with single years of age (own fixture)."""

from __future__ import annotations

from itertools import product

CIVIL = ["OG", "G", "SK", "ÄNKL"]
AGES = [str(a) for a in range(100)] + ["100+"]
SEXES = ["1", "2"]  # 1 = män, 2 = kvinnor


def tab638_doc(regions: dict[str, int], year: str = "2024", missing_cell: tuple | None = None) -> dict:
    """JSON-stat 2.0 body for `regions` (code -> total population to spread over the cells).

    Cell value = a deterministic spread whose sum over all cells of a region is its total;
    `missing_cell` = (region, civil, age, sex) gets SCB's '..' status and a null value.
    """
    dims = {
        "Region": list(regions),
        "Civilstand": CIVIL,
        "Alder": AGES,
        "Kon": SEXES,
        "ContentsCode": ["BE0101N1"],
        "Tid": [year],
    }
    values: list = []
    status: dict[str, str] = {}
    for region in regions:
        cells = list(product(CIVIL, AGES, SEXES))
        weights = [1 + (i * 7919) % 13 for i in range(len(cells))]
        total = regions[region]
        raw = [total * w // sum(weights) for w in weights]
        raw[0] += total - sum(raw)
        values += raw
    for i, key in enumerate(product(*dims.values())):
        if missing_cell and (key[0], key[1], key[2], key[3]) == missing_cell:
            values[i] = None
            status[str(i)] = ".."
    labels = {"1": "män", "2": "kvinnor"}
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängden efter region, civilstånd, ålder, kön, tabellinnehåll och år",
        "source": "SCB",
        "updated": "2025-02-21T06:00:00Z",
        "id": list(dims),
        "size": [len(v) for v in dims.values()],
        "dimension": {
            name: {
                "label": name,
                "category": {
                    "index": {c: i for i, c in enumerate(codes)},
                    "label": {c: (labels[c] if name == "Kon" else f"{c} år" if name == "Alder" else c) for c in codes},
                },
            }
            for name, codes in dims.items()
        },
        "value": values,
        **({"status": status} if status else {}),
    }


def tab638_metadata() -> dict:
    """The metadata shape of TAB638 (what build_age_request reads)."""
    dims = {
        "Region": ["00", "01", "0127", "0181"],
        "Civilstand": CIVIL,
        "Alder": [*AGES, "tot"],
        "Kon": SEXES,
        "ContentsCode": ["BE0101N1", "BE0101N2"],
        "Tid": ["2023", "2024"],
    }
    return {
        "id": list(dims),
        "size": [len(v) for v in dims.values()],
        "dimension": {n: {"category": {"index": {c: i for i, c in enumerate(v)}}} for n, v in dims.items()},
    }
