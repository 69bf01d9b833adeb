"""Kolada API v3 adapter: one KPI for every region, as tidy observation rows.

Request grammar (the same as v2): ``{base}/data/kpi/{KPI}/municipality/{ids}``,
optionally followed by ``/year/{years}``, with the query parameters ``per_page``
and ``from_date`` (incremental refresh). Kolada refuses more than 25 ids in one
list, so regions and years are sent in batches of at most 25. An answer is

    {"values": [{"kpi": "N01951", "municipality": "0127", "period": 2024,
                 "values": [{"gender": "T", "count": 1, "status": "", "value": 95001.0,
                             "isdeleted": false}, ...]}],
     "count": n, "next_url": null}

and paging follows ``next_url`` (v3) or ``next_page`` (v2 and older clients)
until it is absent. Parsing a page (`parse_kolada_page`) is pure; the HTTP
wiring (`fetch_kolada`) batches, pages, archives and reports progress.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pandas as pd
import requests

from etl import settings
from etl.catalog import Indicator, SourceRef
from etl.errors import InvalidValueError
from etl.http import HttpClient, RawAnswer, SourceError, describe_request
from etl.regions import Regions
from etl.schema import OBSERVATION_COLUMNS, SEXES, empty_observations, normalise_observations
from etl.sources.base import FetchContext, SourceResult

SOURCE = "Kolada"
MAX_IDS = 25  # Kolada refuses longer id or year lists
PER_PAGE = 5000  # the largest page Kolada serves
MAX_PAGES = 1000  # 5 million values for one request: far beyond any KPI, so a runaway paging loop

_KEY = ["region_code", "year", "sex"]


def parse_kolada_page(
    doc: Any,
    indicator: Indicator,
    regions: Regions,
    retrieved_at: str,
    kpi: str,
    *,
    request: str = "(parsed document)",
) -> tuple[pd.DataFrame, str | None]:
    """Tidy rows of one Kolada answer page, and the link to the next page (None on the last).

    Keeps the genders in `indicator.sexes`, turns a non-empty status or a null value into
    a `missing` row without value, drops values Kolada marked `isdeleted`, and ignores ids
    that are not regions (groups, other municipalities). Raises SourceError on anything
    that is not a well-formed answer for `kpi`; `request` names the request in that message.
    """

    def fail(problem: str) -> SourceError:
        return SourceError(SOURCE, kpi, request, problem)

    def invalid(problem: str) -> SourceError:
        return InvalidValueError(SOURCE, kpi, request, f"validation failed, nothing published: {problem}")

    if not isinstance(doc, dict):
        raise fail(f"answered with a JSON {type(doc).__name__} instead of an object")
    if "values" not in doc:
        raise fail(f"answer lacks the 'values' key (keys: {', '.join(map(str, doc)) or 'none'})")
    data = doc["values"]
    if not isinstance(data, list):
        raise fail(f"'values' is a {type(data).__name__}, not a list")
    source_ref = f"{SOURCE} {kpi}"
    records: list[dict[str, Any]] = []
    for n, row in enumerate(data):
        if not isinstance(row, dict):
            raise fail(f"values[{n}] is not an object")
        lacking = [k for k in ("municipality", "period", "values") if k not in row]
        if lacking:
            raise fail(f"values[{n}] lacks {', '.join(repr(k) for k in lacking)}")
        answered_kpi = row.get("kpi")
        if answered_kpi is not None and str(answered_kpi) != kpi:
            raise fail(f"answered with KPI {answered_kpi!r} instead of {kpi!r} (values[{n}])")
        if row.get("isdeleted") is True:
            continue
        code = regions.scb_code(str(row["municipality"]))
        if code is None:
            continue
        year = _year(row["period"])
        if year is None:
            raise fail(f"values[{n}] has period {row['period']!r}, not a year")
        if not isinstance(row["values"], list):
            raise fail(f"values[{n}].values is not a list")
        for m, item in enumerate(row["values"]):
            where = f"values[{n}].values[{m}] ({row['municipality']} {year})"
            if not isinstance(item, dict) or "gender" not in item:
                raise fail(f"{where} lacks 'gender'")
            sex = str(item["gender"])
            if item.get("isdeleted") is True or sex not in indicator.sexes:
                continue
            value = _number(item.get("value"))
            if value is _BAD:
                raise invalid(f"{where} has value {item.get('value')!r}, not a number")
            status = "ok"
            if str(item.get("status") or "").strip() or value is None:
                status, value = "missing", None
            records.append(
                {
                    "indicator_id": indicator.id,
                    "region_code": code,
                    "year": year,
                    "sex": sex,
                    "value": math.nan if value is None else value,
                    "status": status,
                    "source": SOURCE,
                    "source_ref": source_ref,
                    "retrieved_at": retrieved_at,
                }
            )
    frame = normalise_observations(pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS)))
    return frame, _next_link(doc, fail)


def fetch_kolada(
    ref: SourceRef,
    indicator: Indicator,
    ctx: FetchContext,
    *,
    client: HttpClient | None = None,
    base_url: str | None = None,
) -> SourceResult:
    """Fetch `ref.params['kpi']` for every region in `ctx.regions` (and `ctx.years`).

    Incremental (`ctx.since` set): first ask Kolada with `from_date` what changed. Nothing
    means unchanged. Anything means the KPI is fetched again in full, because a `from_date`
    answer holds only the changed rows and publishing it alone would shrink coverage.
    `updated` is the date of this fetch, the `from_date` of the next incremental run.
    """
    kpi = str(ref.params["kpi"])
    base = (base_url or settings.get("NYCKELTAL_KOLADA_URL")).rstrip("/")
    client = client or default_client()
    if ctx.since:
        frame, raws, received = _fetch_all(client, base, kpi, indicator, ctx, {"from_date": ctx.since[:10]})
        if received == 0:
            return SourceResult(frame=_sorted(frame), raws=raws, updated=ctx.since, unchanged=True)
        ctx.progress(f"Kolada {kpi}: changed since {ctx.since[:10]}; fetching it in full")
    frame, raws, received = _fetch_all(client, base, kpi, indicator, ctx, {})
    if received == 0:
        raws.append(_check_known(client, base, kpi))
    updated = max((r.retrieved_at for r in raws), default=None)
    return SourceResult(frame=_sorted(frame), raws=raws, updated=updated[:10] if updated else None, unchanged=False)


def _fetch_all(
    client: HttpClient, base: str, kpi: str, indicator: Indicator, ctx: FetchContext, extra: dict[str, str]
) -> tuple[pd.DataFrame, list[RawAnswer], int]:
    """Every page of every batch of one KPI, deduplicated: (frame, raw answers, values received)."""
    ids = [region.kolada for region in ctx.regions.regions.values()]
    years = [str(y) for y in range(ctx.years[0], ctx.years[1] + 1)] if ctx.years else None
    params = {"per_page": str(PER_PAGE), **extra}
    raws: list[RawAnswer] = []
    frames: list[pd.DataFrame] = []
    received = 0
    for id_batch in _batches(ids, MAX_IDS):
        for year_batch in _batches(years, MAX_IDS) if years else [None]:
            url = f"{base}/data/kpi/{kpi}/municipality/{','.join(id_batch)}"
            if year_batch:
                url += f"/year/{','.join(year_batch)}"
            for answer, frame, count in _pages(client, url, params, kpi, indicator, ctx, len(id_batch)):
                raws.append(answer)
                received += count
                frames.append(frame.assign(_request=answer.describe()))
    frame = pd.concat(frames, ignore_index=True) if frames else empty_observations().assign(_request="")
    if ctx.years:
        frame = frame[frame["year"].between(ctx.years[0], ctx.years[1])]
    frame = _without_duplicates(frame, kpi, ctx)
    return frame.drop(columns="_request"), raws, received


def _check_known(client: HttpClient, base: str, kpi: str) -> RawAnswer:
    """After a full fetch with no value at all: ask Kolada's KPI list (`GET /kpi/{id}`) whether it knows
    `kpi`. Kolada answers an unknown id's data request with an empty list, as it does for a KPI without
    values, so a mistyped or withdrawn id in the catalog would otherwise pass as "no data"."""
    answer = _get(client, f"{base}/kpi/{kpi}", kpi)
    doc = answer.json(SOURCE, kpi)
    known = isinstance(doc, dict) and any(
        isinstance(item, dict) and str(item.get("id")) == kpi for item in doc.get("values") or []
    )
    if not known:
        raise SourceError(
            SOURCE,
            kpi,
            answer.describe(),
            f"Kolada does not know the KPI {kpi!r} (its KPI list has no such id): correct the id in etl/catalog.yaml",
        )
    return answer


def default_client() -> HttpClient:
    """The HttpClient configured by the project's settings."""
    return HttpClient(
        source=SOURCE,
        raw_dir=Path(settings.get("NYCKELTAL_RAW_DIR")),
        timeout=settings.get_float("NYCKELTAL_HTTP_TIMEOUT"),
        retries=settings.get_int("NYCKELTAL_HTTP_RETRIES"),
    )


def _pages(
    client: HttpClient,
    url: str,
    params: dict[str, str],
    kpi: str,
    indicator: Indicator,
    ctx: FetchContext,
    id_count: int,
) -> Iterator[tuple[RawAnswer, pd.DataFrame, int]]:
    """Every page of one request as (raw answer, parsed rows, number of data objects in the page)."""
    answer = _get(client, url, kpi, params)
    seen = {answer.url}
    page = 1
    while True:
        ctx.progress(f"{SOURCE} {kpi}: page {page}, {id_count} regions")
        doc = answer.json(SOURCE, kpi)
        frame, link = parse_kolada_page(
            doc, indicator, ctx.regions, answer.retrieved_at, kpi, request=answer.describe()
        )
        yield answer, frame, len(doc["values"])
        if link is None:
            return
        next_url = requests.Request("GET", urljoin(answer.url, link)).prepare().url or link
        if next_url in seen:
            raise SourceError(
                SOURCE, kpi, answer.describe(), f"next page link repeats a page already fetched ({next_url})"
            )
        if page >= MAX_PAGES:
            raise SourceError(SOURCE, kpi, answer.describe(), f"still more pages after {MAX_PAGES}; giving up")
        seen.add(next_url)
        answer = _get(client, next_url, kpi)
        seen.add(answer.url)
        page += 1


def _get(client: HttpClient, url: str, kpi: str, params: dict[str, str] | None = None) -> RawAnswer:
    """client.get, with every failure a SourceError that names the KPI as table.

    HttpClient leaves the table empty in errors raised while archiving (Content-Length
    mismatch), and lets a transfer that breaks off mid-body (requests'
    ChunkedEncodingError and kin) escape unwrapped; both are turned into SourceError here.
    """
    try:
        return client.get(url, kpi, params=params)
    except SourceError as exc:
        if exc.table:
            raise
        raise SourceError(exc.source, kpi, exc.request, exc.problem) from None
    except requests.RequestException as exc:
        full_url = requests.Request("GET", url, params=params).prepare().url or url
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise SourceError(
            SOURCE, kpi, describe_request("GET", full_url), f"transfer broke off ({first_line})"
        ) from None


def _next_link(doc: dict, fail: Callable[[str], SourceError]) -> str | None:
    """The v3 `next_url` or the v2 `next_page` link, None when absent, null or empty."""
    link = doc.get("next_url") or doc.get("next_page")
    if link is None or link == "":
        return None
    if not isinstance(link, str):
        raise fail(f"next page link is a {type(link).__name__}, not a URL")
    return link


def _without_duplicates(frame: pd.DataFrame, kpi: str, ctx: FetchContext) -> pd.DataFrame:
    """Drop repeats of the very same row (reported); raise when one key has two different answers."""
    if frame.empty:
        return frame
    repeated = frame.duplicated(_KEY, keep=False)
    if not repeated.any():
        return frame
    for _, group in frame[repeated].groupby(_KEY, sort=True):
        values = group["value"]
        same = (group["status"].nunique() == 1) and (
            values.isna().all() or (values.notna().all() and values.nunique() == 1)
        )
        if not same:
            first = group.iloc[0]
            answers = ", ".join(
                f"{s} {v:g}" if pd.notna(v) else str(s) for s, v in zip(group["status"], values, strict=True)
            )
            raise SourceError(
                SOURCE,
                kpi,
                str(group["_request"].iloc[-1]),
                f"region {first['region_code']} year {first['year']} sex {first['sex']} answered twice with different values ({answers})",
            )
    dropped = frame.duplicated(_KEY, keep="first")
    ctx.progress(f"{SOURCE} {kpi}: {int(dropped.sum())} row(s) answered twice with the same value, kept once")
    return frame[~dropped]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a stable order: region, year, sex as T, K, M."""
    order = {s: n for n, s in enumerate(SEXES)}
    out = frame.sort_values(_KEY, key=lambda col: col.map(order) if col.name == "sex" else col, kind="stable")
    return normalise_observations(out)


def _batches(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


_BAD = object()


def _number(value: Any) -> float | object | None:
    """A float, None for null/NaN, or _BAD for anything that is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _BAD
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _BAD
    return None if math.isnan(number) else number


def _year(period: Any) -> int | None:
    if isinstance(period, bool):
        return None
    try:
        year = int(str(period).strip())
    except ValueError:
        return None
    return year if 1000 <= year <= 9999 else None
