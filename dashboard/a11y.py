"""Accessibility, pure: chart text alternatives (sv/en).

- `series_summary` / `ranking_summary`: one paragraph per chart, from the same query() rows the chart
  draws: what is shown, the highest and lowest, and each region's trend (first to last value).
- `pyramid_summary`, `components_summary`, `flows_summary`: the same for the age pyramid, the components
  of population change and the commuting flows (/befolkning, /pendling).

The palette's colour checks (contrast, colour-vision deficiency, CIEDE2000) are the tests' own:
tests/dashboard/colour.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dashboard.i18n import fmt_number, t


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
