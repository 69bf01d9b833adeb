"""Pure JSON-stat 2.0 helpers: a dataset body to a long table, keeping status flags.

pxwebpy's own unpacker drops the `status` object (SCB's '..' = not available),
which nyckeltal must keep to show a missing value as missing; this module keeps
it and is checked against pxwebpy's values in the tests.
"""

from __future__ import annotations

import math
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

# the status symbols SCB declares for a cell without a value (PxWeb: '..' not available,
# '.' not applicable, '-' nil, '…' not yet published); a value that is neither a number nor one
# of these fails (it used to be coerced to missing without a word)
STATUS_SYMBOLS = frozenset({"..", ".", "-", "…"})


class JsonStatError(ValueError):
    """The body is not a JSON-stat 2.0 dataset of the expected shape."""


class NotANumberError(JsonStatError):
    """A cell's value is neither a number nor a status symbol; the message names the cell."""


def dimension_codes(doc: dict[str, Any], dim: str) -> list[str]:
    """The category codes of `dim` in index order."""
    try:
        category = doc["dimension"][dim]["category"]
    except (KeyError, TypeError):
        raise JsonStatError(f"dimension {dim!r} is missing") from None
    index = category.get("index")
    if isinstance(index, dict):
        return sorted(index, key=index.__getitem__)
    if isinstance(index, list):
        return list(index)
    return list(category.get("label", {}))


def dimension_labels(doc: dict[str, Any], dim: str) -> dict[str, str]:
    """Code -> label of `dim`."""
    return dict(doc["dimension"][dim]["category"].get("label", {}))


def to_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per cell: a column per dimension (codes), `value` and `status`.

    `status` holds the cell's status symbol (e.g. '..') or None.
    """
    if not isinstance(doc, dict) or doc.get("class") != "dataset":
        raise JsonStatError("not a JSON-stat 2.0 dataset (class != 'dataset')")
    ids = doc.get("id")
    sizes = doc.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise JsonStatError("'id' and 'size' are missing or disagree")
    codes = [dimension_codes(doc, d) for d in ids]
    if [len(c) for c in codes] != sizes:
        raise JsonStatError(f"dimension sizes {[len(c) for c in codes]} differ from 'size' {sizes}")
    n = 1
    for s in sizes:
        n *= s
    values = _dense(doc.get("value"), n, "value")
    status = _dense(doc.get("status"), n, "status", default=None)
    frame = pd.DataFrame(list(product(*codes)), columns=ids, dtype="string") if n else pd.DataFrame(columns=ids)
    numbers, status = _numbers(values, status, ids, codes, sizes)
    frame["value"] = numbers
    frame["status"] = pd.Series(status, dtype="object")
    return frame


def _numbers(
    values: list[Any], status: list[Any], ids: list[str], codes: list[list[str]], sizes: list[int]
) -> tuple[np.ndarray, list[Any]]:
    """The cells' values as floats (null: NaN). A status symbol in place of a value (e.g. '..') is
    a missing value with that status; anything else that is not a number fails, naming the cell."""
    out = np.full(len(values), np.nan)
    status = list(status)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            out[i] = float(v)
        elif isinstance(v, str) and v.strip() in STATUS_SYMBOLS:
            status[i] = status[i] or v.strip()
        else:
            where = ", ".join(f"{d}={c[k]}" for d, c, k in zip(ids, codes, np.unravel_index(i, sizes), strict=True))
            raise NotANumberError(
                f"cell {where}: value {v!r} is neither a number nor a status symbol ({' '.join(sorted(STATUS_SYMBOLS))})"
            )
    return out, status


def _dense(raw: Any, n: int, what: str, default: Any = None) -> list[Any]:
    """JSON-stat allows arrays, sparse objects {"index": v} or (status) one string for all."""
    if raw is None:
        if what == "value":
            raise JsonStatError("'value' is missing")
        return [default] * n
    if isinstance(raw, list):
        if len(raw) != n:
            raise JsonStatError(f"'{what}' has {len(raw)} entries, the dimensions give {n}")
        return raw
    if isinstance(raw, dict):
        out = [default] * n
        for key, v in raw.items():
            i = int(key)
            if not 0 <= i < n:
                raise JsonStatError(f"'{what}' index {i} out of range")
            out[i] = v
        return out
    if isinstance(raw, str) and what == "status":
        return [raw] * n
    raise JsonStatError(f"'{what}' has an unexpected type {type(raw).__name__}")
