"""Accessibility, pure: chart text alternatives (sv/en) and colour checks (contrast, colour-vision deficiency).

- `series_summary` / `ranking_summary`: one paragraph per chart, from the same query() rows the chart
  draws: what is shown, the highest and lowest, and each region's trend (first to last value).
- `pyramid_summary`, `components_summary`, `flows_summary`: the same for the age pyramid, the components
  of population change and the commuting flows (/befolkning, /pendling).
- `contrast_ratio`: WCAG 2.1 relative luminance contrast (1.4.3 text 4.5:1, 1.4.11 graphics 3:1).
- `simulate`: Machado, Oliveira & Fernandes (2009) full-severity matrices for protanopia, deuteranopia
  and tritanopia, applied in linear sRGB.
- `delta_e_2000`: CIEDE2000 colour difference in CIELAB (D65), for the palette distinguishability test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from dashboard.i18n import fmt_number, t

# ---------------------------------------------------------------- colour
CVD_MATRICES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISIONS = ("normal", *CVD_MATRICES)
# ΔE00 below which two palette colours count as confusable for thin chart lines and legend swatches.
# About 1 is a just-noticeable difference side by side; a line is matched to its legend entry at a
# distance and at 2 px, so a categorical palette needs a wide margin: 10 is the usual "clearly distinct"
# threshold of palette checkers. The names in the legend, the summary and the table carry identity too.
MIN_DELTA_E = 10.0


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    """'#1b1f24' -> (r, g, b) in 0..1."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"{colour!r} is not a #rgb or #rrggbb colour")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance (sRGB, 0 black .. 1 white)."""
    r, g, b = (_linear(c) for c in hex_to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio (1..21) of two colours."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def simulate(colour: str, vision: str) -> str:
    """The colour as seen with `vision` ('normal' or a key of CVD_MATRICES), as #rrggbb."""
    if vision == "normal":
        return "#" + "".join(f"{round(c * 255):02x}" for c in hex_to_rgb(colour))
    m = CVD_MATRICES[vision]
    lin = [_linear(c) for c in hex_to_rgb(colour)]
    out = [sum(m[i][j] * lin[j] for j in range(3)) for i in range(3)]
    return "#" + "".join(f"{round(_gamma(c) * 255):02x}" for c in out)


def to_lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in hex_to_rgb(colour))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1 / 3) if v > (6 / 29) ** 3 else v / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e_2000(c1: str, c2: str) -> float:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005) of two sRGB colours."""
    l1, a1, b1 = to_lab(c1)
    l2, a2, b2 = to_lab(c2)
    cbar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cbar**7 / (cbar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    else:
        dh = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    lbar, cbarp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbar = (h1p + h2p) / 2
    else:
        hbar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    tt = (
        1
        - 0.17 * math.cos(math.radians(hbar - 30))
        + 0.24 * math.cos(math.radians(2 * hbar))
        + 0.32 * math.cos(math.radians(3 * hbar + 6))
        - 0.20 * math.cos(math.radians(4 * hbar - 63))
    )
    d_theta = 30 * math.exp(-(((hbar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cbarp**7 / (cbarp**7 + 25**7))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / math.sqrt(20 + (lbar - 50) ** 2)
    sc = 1 + 0.045 * cbarp
    sh = 1 + 0.015 * cbarp * tt
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def closest_pair(colours: Sequence[str], vision: str = "normal") -> tuple[float, str, str]:
    """(ΔE00, a, b): the least distinguishable pair of `colours` as seen with `vision`."""
    seen = {c: simulate(c, vision) for c in colours}
    return min((delta_e_2000(seen[a], seen[b]), a, b) for a, b in combinations(colours, 2))


# ---------------------------------------------------------------- chart text alternatives
def _as_frame(frame: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """query()'s frame, or query_columns()'s column arrays, as a frame of region, year, value."""
    if isinstance(frame, pd.DataFrame):
        return frame
    return pd.DataFrame({k: list(frame[k]) for k in ("region", "year", "value")})


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame[frame["value"].notna()].copy()
    rows["value"] = rows["value"].astype(float)
    rows["year"] = rows["year"].astype(int)
    return rows


def _fmt(value: float, decimals: int, unit: str, lang: str) -> str:
    return f"{fmt_number(value, decimals, lang)} {unit}".strip()


def _join(items: Sequence[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" och " if lang == "sv" else " and ") + items[-1]


def _columns(frame: pd.DataFrame | Mapping[str, Any]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(region names, years, values as float64 with NaN for missing) of query()'s frame or query_columns()'s arrays."""
    if isinstance(frame, pd.DataFrame):
        values = frame["value"].to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.array([np.nan if v is None or pd.isna(v) else v for v in frame["value"]], dtype=float)
    return [str(r) for r in frame["region"]], np.asarray(frame["year"], dtype=np.int64), values


def series_summary(frame: pd.DataFrame | Mapping[str, Any], title: str, unit: str, decimals: int, lang: str) -> str:
    """What a time-series chart shows, in one paragraph: regions and years, the highest and lowest in the
    latest year with values, and each region's change from its first to its last value."""
    names, years, values = _columns(frame)
    ok = ~np.isnan(values)
    if not ok.any():
        return t("a11y_no_data", lang, title=title)
    order = list(dict.fromkeys(names))
    region = np.array(names, dtype=object)
    years_ok = years[ok]
    first_year, last_year = int(years_ok.min()), int(years_ok.max())
    parts = [t("a11y_series", lang, title=title, first=first_year, last=last_year, regions=_join(order, lang))]
    at_last = ok & (years == last_year)
    latest = sorted((-float(v), str(r)) for r, v in zip(region[at_last], values[at_last], strict=True))
    if len(latest) > 1:
        (high_value, high), (low_value, low) = latest[0], latest[-1]
        parts.append(
            t(
                "a11y_extremes",
                lang,
                year=last_year,
                high=high,
                high_value=_fmt(-high_value, decimals, unit, lang),
                low=low,
                low_value=_fmt(-low_value, decimals, unit, lang),
            )
        )
    trends, missing = [], []
    for name in order:
        mine = ok & (region == name)
        if not mine.any():
            missing.append(name)
            continue
        ys, vs = years[mine], values[mine]
        a, b = int(ys.argmin()), int(ys.argmax())
        v0, v1 = fmt_number(vs[a], decimals, lang), fmt_number(vs[b], decimals, lang)
        fields = {"region": name, "v0": v0, "v1": v1, "y0": int(ys[a]), "y1": int(ys[b])}
        if len(ys) == 1:
            key = "a11y_single"
        elif v0 == v1:
            key = "a11y_flat"
        else:
            key = "a11y_up" if vs[b] > vs[a] else "a11y_down"
        trends.append(t(key, lang, **fields))
    if trends:
        parts.append("; ".join(trends) + ".")
    if missing:
        parts.append(t("a11y_missing", lang, regions=_join(missing, lang)))
    return " ".join(parts)


def ranking_summary(
    values: Mapping[str, Any], title: str, unit: str, decimals: int, lang: str, year: int | None = None
) -> str:
    """What a ranking (one value per region) shows: the highest, the lowest, how many of all have a value
    ("3 av 8 kommuner har värden") and which have none, by name. `values`: every ranked region, None
    for one without a value."""
    from dashboard.gaps import count_text

    clean = {name: None if v is None or pd.isna(v) else float(v) for name, v in values.items()}
    present = sorted(((v, name) for name, v in clean.items() if v is not None), key=lambda p: (-p[0], p[1]))
    missing = [name for name, v in clean.items() if v is None]
    if not present:
        return t("a11y_no_data", lang, title=title)
    (hv, hn), (lv, ln) = present[0], present[-1]
    text = t(
        "a11y_ranking" if len(present) > 1 else "a11y_ranking_one",
        lang,
        title=title,
        high=hn,
        high_value=_fmt(hv, decimals, unit, lang),
        low=ln,
        low_value=_fmt(lv, decimals, unit, lang),
        count=count_text(len(present), len(clean), lang, year),
    )
    return text + (" " + t("a11y_missing", lang, regions=_join(missing, lang)) if missing else "")


def pyramid_summary(table: pd.DataFrame, title: str, unit: str, lang: str, overlay_name: str | None = None) -> str:
    """What an age pyramid shows: the total, women and men, the largest and smallest age band (both sexes).

    `table`: age bands (index, youngest first) x columns K and M, persons."""
    bands = table.dropna(how="all")
    if bands.empty:
        return t("a11y_no_data", lang, title=title)
    per_band = bands[["K", "M"]].sum(axis=1, min_count=1).dropna()
    women, men = float(bands["K"].sum()), float(bands["M"].sum())
    # (value, position, band): on a tie the youngest band counts
    order = [(float(v), i, str(b)) for i, (b, v) in enumerate(per_band.items())]
    high = min(order, key=lambda p: (-p[0], p[1]))
    low = min(order, key=lambda p: (p[0], p[1]))
    parts = [
        t(
            "a11y_pyramid",
            lang,
            title=title,
            total=fmt_number(women + men, 0, lang),
            women=fmt_number(women, 0, lang),
            men=fmt_number(men, 0, lang),
            n=len(per_band),
        ),
        t(
            "a11y_pyramid_extremes",
            lang,
            high=high[2],
            high_value=_fmt(high[0], 0, unit, lang),
            low=low[2],
            low_value=_fmt(low[0], 0, unit, lang),
        ),
    ]
    if overlay_name:
        parts.append(t("a11y_pyramid_overlay", lang, name=overlay_name))
    return " ".join(parts)


def components_summary(frame: pd.DataFrame, title: str, unit: str, lang: str, total: str = "population_change") -> str:
    """What a components-of-change chart shows: the years, every component in the latest year, and the
    years with the largest and smallest total change. `frame`: query() rows (indicator_id, indicator,
    year, value) of the components and the total."""
    rows = _values(frame)
    if rows.empty:
        return t("a11y_no_data", lang, title=title)
    years = sorted(set(rows["year"]))
    last = years[-1]
    latest = rows[rows["year"] == last]
    order = list(dict.fromkeys(frame["indicator_id"].tolist()))
    labels = dict(zip(frame["indicator_id"], frame["indicator"], strict=True))
    items = [
        f"{labels[ind]} {_fmt(v, 0, unit, lang)}"
        for ind in order
        for v in latest.loc[latest["indicator_id"] == ind, "value"].tolist()[:1]
    ]
    parts = [
        t("a11y_components", lang, title=title, first=years[0], last=last, n=len(years)),
        t("a11y_components_latest", lang, year=last, items=_join(items, lang)),
    ]
    change = rows[rows["indicator_id"] == total].sort_values("year")
    if len(change) > 1:
        high = change.sort_values(["value", "year"], ascending=[False, True]).iloc[0]
        low = change.sort_values(["value", "year"], ascending=[True, True]).iloc[0]
        parts.append(
            t(
                "a11y_components_extremes",
                lang,
                label=labels[total],
                high_year=int(high["year"]),
                high_value=_fmt(high["value"], 0, unit, lang),
                low_year=int(low["year"]),
                low_value=_fmt(low["value"], 0, unit, lang),
            )
        )
    return " ".join(parts)


def flows_summary(flows: Sequence[tuple[str, str, float]], title: str, unit: str, lang: str) -> str:
    """What a flow diagram shows: how many flows, their sum, the largest and smallest (home -> work)."""
    if not flows:
        return t("a11y_no_data", lang, title=title)
    total = sum(v for _, _, v in flows)
    parts = [t("a11y_flows", lang, title=title, n=len(flows), total=_fmt(total, 0, unit, lang))]
    if len(flows) > 1:
        high = min(flows, key=lambda f: (-f[2], f[0], f[1]))
        low = min(flows, key=lambda f: (f[2], f[0], f[1]))
        parts.append(
            t(
                "a11y_flows_extremes",
                lang,
                high=f"{high[0]} → {high[1]}",
                high_value=_fmt(high[2], 0, unit, lang),
                low=f"{low[0]} → {low[1]}",
                low_value=_fmt(low[2], 0, unit, lang),
            )
        )
    return " ".join(parts)
