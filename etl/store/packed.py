"""The packed observations: the compact columns a Dataset keeps (`pack_observations`), as Arrow IPC
bytes (the store's `observations_packed` copy) and as local cache files named by version and hash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.store.base import PublishedState

PACKED_KEYS = ("indicator_id", "region_code", "sex")
PACKED_TEXTS = ("status", "source", "source_ref", "retrieved_at")


def _small_int(n: int) -> type:
    """The smallest signed integer type holding 0..n."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if n <= np.iinfo(t).max)


def pack_observations(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Observations as compact columns, sorted by (indicator, region, sex, year): every text column as
    small integer codes into a sorted table of its distinct texts (`<col>_texts`; for the four source
    columns the code len(texts) means missing), years as small integers and the values as float64,
    unchanged. This is all a Dataset keeps; Dataset.observations gives the rows back exactly."""
    texts = {c: pd.factorize(frame[c]) for c in (*PACKED_KEYS, *PACKED_TEXTS)}
    return pack_columns(
        {c: (codes, [str(u) for u in uniques]) for c, (codes, uniques) in texts.items()},
        frame["year"].to_numpy(dtype=np.int64),
        frame["value"].to_numpy(dtype=float),
    )


def pack_columns(
    texts: dict[str, tuple[np.ndarray, list[str]]], years: np.ndarray, values: np.ndarray
) -> dict[str, np.ndarray]:
    """pack_observations() from columns already coded: text column -> (codes, distinct texts), code -1
    for missing (only the four source columns may have it), and the year and value arrays."""
    out: dict[str, np.ndarray] = {}
    coded: dict[str, np.ndarray] = {}
    for c in (*PACKED_KEYS, *PACKED_TEXTS):
        codes, uniques = texts[c]
        codes = np.asarray(codes, dtype=np.int64)
        order = sorted(range(len(uniques)), key=uniques.__getitem__)
        rank = np.empty(len(uniques) + 1, dtype=np.int64)
        rank[order] = np.arange(len(uniques))
        rank[-1] = len(uniques)  # code -1 (missing) -> the slot after the texts
        if c in PACKED_KEYS and len(codes) and codes.min() < 0:
            raise ValueError(f"observations with an empty {c}")
        coded[c] = rank[codes]
        out[f"{c}_texts"] = np.array([uniques[i] for i in order], dtype=object)
    years = np.asarray(years, dtype=np.int64)
    row_order = np.lexsort((years, *(coded[c] for c in reversed(PACKED_KEYS))))
    for c, codes in coded.items():
        out[c] = codes[row_order].astype(_small_int(len(out[f"{c}_texts"])))
    lo, hi = (int(years.min()), int(years.max())) if len(years) else (0, 0)
    out["year"] = years[row_order].astype(np.int16 if lo >= -32768 and hi <= 32767 else np.int64)
    out["value"] = np.asarray(values, dtype=float)[row_order]
    return out


CACHE_KEEP = 4  # cache files kept (the newest); older versions are removed when a new one is written


def observations_cache_path(folder: Path, state: PublishedState) -> Path:
    """The cache file of one published dataset: its version and content hash name it, so it can
    never stand for other data."""
    return folder / f"observations-v{state.version}-{state.content_sha256[:16]}.arrow"


def packed_to_ipc(packed: dict[str, np.ndarray]) -> bytes:
    """pack_observations() output as Arrow IPC file bytes (zstd-compressed buffers): the
    integer, year and value columns as columns, the text tables in the schema metadata. The float64
    values are stored bit for bit."""
    import pyarrow as pa

    columns = {k: v for k, v in packed.items() if not k.endswith("_texts")}
    texts = {k: [str(t) for t in v.tolist()] for k, v in packed.items() if k.endswith("_texts")}
    table = pa.table({k: pa.array(v) for k, v in columns.items()})
    table = table.replace_schema_metadata({"nyckeltal_texts": json.dumps(texts, ensure_ascii=False)})
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd" if pa.Codec.is_available("zstd") else None)
    with pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def packed_from_ipc(source: Any) -> dict[str, np.ndarray]:
    """The packed observations in Arrow IPC bytes (or a pyarrow buffer/memory map), copied out."""
    import pyarrow as pa

    table = pa.ipc.open_file(source).read_all()
    texts = json.loads(table.schema.metadata[b"nyckeltal_texts"])
    packed = {name: np.array(table.column(name).to_numpy(), copy=True) for name in table.column_names}
    packed.update({k: np.array(v, dtype=object) for k, v in texts.items()})
    return packed


def write_observations_cache(path: Path, packed: dict[str, np.ndarray]) -> None:
    """Write pack_observations() output as an Arrow IPC file (packed_to_ipc)."""
    write_observations_cache_bytes(path, packed_to_ipc(packed))


def write_observations_cache_bytes(path: Path, data: bytes) -> None:
    """Write packed_to_ipc() bytes as the cache file `path`. Atomic (temp file + rename); then all but
    the newest CACHE_KEEP files are removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    old = sorted(path.parent.glob("observations-v*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[CACHE_KEEP:]:
        stale.unlink(missing_ok=True)


def read_observations_cache(path: Path) -> dict[str, np.ndarray]:
    """The packed observations written by write_observations_cache (copied out of the file)."""
    import pyarrow as pa

    with pa.memory_map(str(path), "r") as source:
        return packed_from_ipc(source)
