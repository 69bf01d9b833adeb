"""The read-only data API under /api/v1: indicators, regions, observations (CSV/JSON) and a zip bundle.

Rows come from etl.query.query, the same function behind the dashboard's chart
and table, one call per indicator. Every answer carries an ETag built from the
dataset version and the normalised request; a matching If-None-Match gets 304
before any query runs. Every refusal is JSON with a 4xx status.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable
from typing import Any

import pandas as pd
from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from dashboard import data
from dashboard.api_params import (
    COMMON_PARAMS,
    CSV_PARAMS,
    Limits,
    ObsQuery,
    ParamError,
    check_known,
    etag,
    parse_observations,
)
from dashboard.filenames import api_csv_format, download_name, stem
from etl import settings
from etl.catalog import Indicator, Text
from etl.exporters import export_body, json_records
from etl.keyfigures_table import is_pending
from etl.licences import indicator_licences, licence_lines
from etl.query import Dataset, QueryError, query
from etl.schema import EXPORT_COLUMNS, STATUS_HELP
from etl.store import StoreError

PREFIX = "/api/v1"
LOG = logging.getLogger(__name__)
COMPRESS_ALGORITHMS = ("br", "gzip", "deflate", "zstd")

bp = Blueprint("api_v1", __name__, url_prefix=PREFIX)


# ---------------------------------------------------------------- pure builders
def _text(t: Text) -> dict[str, str]:
    return {"sv": t.sv, "en": t.en}


def indicator_doc(ind: Indicator, dataset: Dataset) -> dict[str, Any]:
    rows = dataset.rows(ind.id)
    valued = rows[rows["value"].notna()] if len(rows) else rows
    stamps = rows["retrieved_at"].dropna() if len(rows) else []
    coverage = (
        {
            "first_year": int(valued["year"].min()),
            "last_year": int(valued["year"].max()),
            "regions": sorted(str(c) for c in set(valued["region_code"])),
        }
        if len(valued)
        else None
    )
    return {
        "id": ind.id,
        "label": _text(ind.label),
        "description": _text(ind.description),
        "theme": ind.theme,
        "unit": {"id": ind.unit.id, "label": _text(ind.unit.label), "count": ind.unit.count},
        "sexes": list(ind.sexes),
        "source": ind.primary_source,
        "source_ref": list(dict.fromkeys(s.describe() for s in ind.sources)) or [f"= {ind.formula}"],
        "licence": indicator_licences(ind, dataset.catalog),
        "coverage": coverage,
        # a Kolada figure the bundled snapshot lacks and no refresh has fetched yet (issue 18)
        "pending": {"sv": "hämtas vid första uppdateringen", "en": "fetched at the first refresh"}
        if coverage is None and is_pending(dataset, ind, data.fetched_indicators())
        else None,
        "last_retrieved": str(max(stamps)) if len(stamps) else None,
        "aggregation": ind.aggregation.method,
        "notes": [_text(n) for n in ind.notes],
        "breaks": [{"year": b.year, "label": _text(b.label)} for b in ind.breaks],
    }


def indicators_doc(dataset: Dataset) -> dict[str, Any]:
    return {
        "dataset_version": dataset.version,
        "indicators": [indicator_doc(i, dataset) for i in dataset.catalog.indicators.values()],
    }


def regions_doc(dataset: Dataset) -> dict[str, Any]:
    regs = dataset.regions
    return {
        "dataset_version": dataset.version,
        "regions": [
            {
                "code": r.code,
                "name": {"sv": r.name_sv, "en": r.name_en},
                "level": r.level,
                "groups": [g.id for g in regs.groups.values() if r.code in g.members],
            }
            for r in regs.regions.values()
        ],
        "groups": [
            {"id": g.id, "name": {"sv": g.name_sv, "en": g.name_en}, "level": "group", "members": list(g.members)}
            for g in regs.groups.values()
        ],
    }


def observations(dataset: Dataset, q: ObsQuery) -> pd.DataFrame:
    """The rows of every indicator asked, one query() each, concatenated in the order asked."""
    frames = [query(dataset, sel, q.lang) for sel in q.selections()]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: [] for c in EXPORT_COLUMNS})
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def readme_text(dataset: Dataset, q: ObsQuery, published_at: str | None, url: str, rows: pd.DataFrame) -> str:
    """The bundle's README: what, citation, licences, caveats (English; labels in the chosen language)."""
    lines = [
        "nyckeltal — Södertörn key figures: data bundle",
        "",
        f"Request: {url}",
        f"Dataset version: {dataset.version} (published {published_at or 'unknown'})",
        f"Rows: {len(rows)} in observations.csv (separator '{q.sep}', decimal '{q.decimal}', UTF-8)",
        "Columns: " + ",".join(EXPORT_COLUMNS),
        "",
        "Citation",
        f"  Source: Statistics Sweden (SCB) and Kolada (RKA), via nyckeltal Södertörn, dataset version "
        f"{dataset.version}. Retrieved from {url}",
        "  Källa: SCB och Kolada (RKA), via Nyckeltal Södertörn, datasetversion " + str(dataset.version) + ".",
        "",
        "Licences (the publishers of these rows)",
        *[f"  {line}" for line in licence_lines(rows, dataset.catalog, "en")],
        "  Kolada requires attribution ('Källa: Kolada'). Other publishers: each row's source_ref links the page.",
        "",
        "Caveats",
        "  Every number is a published figure with its source, or visibly missing: an empty value is never zero.",
        *[f"  status {k}: {v}" for k, v in STATUS_HELP.items()],
        "  Södertörn (region_code 'sodertorn') is computed from the eight municipalities by each indicator's rule.",
    ]
    for ind_id in q.indicators:
        ind = dataset.catalog.indicators[ind_id]
        notes = [n.en for n in ind.notes] + [f"series break {b.year}: {b.label.en}" for b in ind.breaks]
        if notes:
            lines.append(f"  {ind_id}:")
            lines += [f"    - {n}" for n in notes]
    return "\n".join(lines) + "\n"


def bundle_bytes(dataset: Dataset, q: ObsQuery, rows: pd.DataFrame, published_at: str | None, url: str) -> bytes:
    """observations.csv + metadata.json + README.txt, byte-identical for the same data and request."""
    meta = {
        "dataset_version": dataset.version,
        "published_at": published_at,
        "request": url,
        "query": q.normalised(),
        "columns": list(EXPORT_COLUMNS),
        "rows": len(rows),
        "licences": dataset.catalog.licences,
        "status": STATUS_HELP,
        "indicators": [indicator_doc(dataset.catalog.indicators[i], dataset) for i in q.indicators],
    }
    stamp = _zip_time(published_at)
    files = {
        "observations.csv": export_body(rows, "csv", sep=q.sep, decimal=q.decimal),
        "metadata.json": (json.dumps(meta, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8"),
        "README.txt": readme_text(dataset, q, published_at, url, rows).encode("utf-8"),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, body)
    return buf.getvalue()


def _zip_time(published_at: str | None) -> tuple[int, int, int, int, int, int]:
    try:
        ts = pd.Timestamp(str(published_at))
        if ts.year >= 1980:
            return (ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second)
    except (ValueError, TypeError):
        pass
    return (1980, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------- HTTP shell
def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str) + "\n", status, mimetype="application/json")


def error_response(status: int, message: str, param: str | None = None, error: str | None = None) -> Response:
    """The one shape of every API refusal."""
    kind = error or {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(status, "refused")
    return _json({"error": kind, "message": message, "param": param}, status)


def _cache_headers(resp: Response, tag: str) -> Response:
    age = max(settings.get_int("NYCKELTAL_CACHE_MAX_AGE"), 0)
    resp.headers["ETag"] = tag
    resp.headers["Cache-Control"] = f"public, max-age={age}, must-revalidate"
    resp.headers["Vary"] = "Accept-Encoding"
    return resp


def _not_modified(tag: str) -> bool:
    """If-None-Match names this ETag (also as compressed by Flask-Compress: '"…:gzip"')."""
    inm = request.if_none_match
    if not inm:
        return False
    if inm.star_tag:
        return True
    bare = tag.strip('"')
    return any(inm.contains(v) for v in [bare] + [f"{bare}:{a}" for a in COMPRESS_ALGORITHMS])


def _conditional(what: dict[str, Any], version: object, build: Callable[[], Response]) -> Response:
    tag = etag(version, what)
    if _not_modified(tag):
        return _cache_headers(Response(status=304), tag)
    return _cache_headers(build(), tag)


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _published_at() -> str | None:
    state = data.source().state()
    return str(state.published_at) if state and state.published_at else None


@bp.errorhandler(ParamError)
def _param_error(err: ParamError) -> Response:
    return error_response(err.status, err.message, err.param)


@bp.errorhandler(QueryError)
def _query_error(err: QueryError) -> Response:
    return error_response(400, str(err))


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    return error_response(err.code or 400, err.description or err.name)


@bp.errorhandler(Exception)
def _internal(err: Exception) -> Response:
    if isinstance(err, data.EmptyStoreError):  # the deploy step has not run: say which command loads it
        return error_response(503, str(err), error="unavailable")
    if isinstance(err, StoreError | SQLAlchemyError):  # the store is down: say so, without the driver's text
        LOG.error("API request %s: the store cannot be read: %s", request.full_path, err)
        response = error_response(503, "the data store is unavailable; try again in a moment", error="unavailable")
        response.headers["Retry-After"] = "30"
        return response
    LOG.exception("API request %s failed", request.full_path)
    return error_response(500, "internal error; the request was logged", error="internal")


@bp.get("/")
def index() -> Response:
    check_known(_args(), ())
    limits = Limits.from_settings()
    return _json(
        {
            "version": "v1",
            "endpoints": {
                f"{PREFIX}/indicators": "every indicator: labels, unit, sources, licence, coverage, notes, breaks",
                f"{PREFIX}/regions": "every region and group: code, name, level, groups",
                f"{PREFIX}/observations.csv": "rows in the export columns; parameters below plus sep, decimal",
                f"{PREFIX}/observations.json": "the same rows as JSON",
                f"{PREFIX}/bundle.zip": "observations.csv + metadata.json + README.txt",
            },
            "parameters": list(COMMON_PARAMS + CSV_PARAMS),
            "limits": {
                "indicators": limits.max_indicators,
                "regions": limits.max_regions,
                "rows": limits.max_rows,
            },
            "columns": list(EXPORT_COLUMNS),
        }
    )


@bp.get("/indicators")
def indicators() -> Response:
    check_known(_args(), ())
    dataset = data.dataset()
    return _conditional({"path": "indicators"}, dataset.version, lambda: _json(indicators_doc(dataset)))


@bp.get("/regions")
def regions() -> Response:
    check_known(_args(), ())
    dataset = data.dataset()
    return _conditional({"path": "regions"}, dataset.version, lambda: _json(regions_doc(dataset)))


@bp.get("/observations.<fmt>")
def observations_view(fmt: str) -> Response:
    if fmt not in ("csv", "json"):
        raise ParamError(f"no such format; use {PREFIX}/observations.csv or .json", None, 404)
    return _observations(fmt)


@bp.get("/bundle.zip")
def bundle() -> Response:
    return _observations("zip")


def api_csv_name(dataset: Dataset, q: ObsQuery, rows: pd.DataFrame) -> str:
    """The dashboard's naming rule (dashboard.filenames): indicator label (or ids), regions, years, and
    `_excel.csv` for the Swedish-Excel layout (sep=; decimal=,)."""
    cat = dataset.catalog.indicators
    what = cat[q.indicators[0]].label(q.lang) if len(q.indicators) == 1 else "_".join(q.indicators)
    years = [int(y) for y in rows["year"]] if len(rows) else []
    first = q.year_from if q.year_from is not None else (min(years) if years else None)
    last = q.year_to if q.year_to is not None else (max(years) if years else None)
    return download_name(stem(what, q.regions, first, last), api_csv_format(q.sep, q.decimal))


def _observations(fmt: str) -> Response:
    dataset = data.dataset()
    q = parse_observations(_args(), dataset, Limits.from_settings(), fmt)

    def build() -> Response:
        rows = observations(dataset, q)
        if fmt == "csv":
            resp = Response(export_body(rows, "csv", sep=q.sep, decimal=q.decimal), mimetype="text/csv")
            resp.headers["Content-Disposition"] = f'attachment; filename="{api_csv_name(dataset, q, rows)}"'
            return resp
        if fmt == "json":
            return _json(
                {
                    "dataset_version": dataset.version,
                    "query": q.normalised(),
                    "columns": list(EXPORT_COLUMNS),
                    "count": len(rows),
                    "observations": json_records(rows),
                }
            )
        body = bundle_bytes(dataset, q, rows, _published_at(), q.canonical_url(PREFIX))
        resp = Response(body, mimetype="application/zip")
        resp.headers["Content-Disposition"] = f'attachment; filename="nyckeltal-v{dataset.version}.zip"'
        return resp

    return _conditional(q.normalised(), dataset.version, build)


@bp.get("/<path:rest>")
def unknown(rest: str) -> Response:
    return error_response(404, f"no such endpoint; see {PREFIX}/")


@bp.record_once
def _claim_api_paths(state: Any) -> None:
    """Every other /api path is a JSON 404, not the dashboard's page shell."""
    for rule in ("/api", "/api/", "/api/<path:rest>"):
        state.app.add_url_rule(
            rule, f"api_unknown_{rule.count('/')}_{len(rule)}", lambda rest="": unknown(rest), methods=["GET", "HEAD"]
        )


def api_error_for(path: str, status: int, message: str) -> Response | None:
    """An app-level error (404 route, 405, 413, 414, 500) under /api/ answered as JSON; None elsewhere."""
    if path == PREFIX or path.startswith(PREFIX + "/") or path.startswith("/api/"):
        return error_response(status, message, error="internal" if status >= 500 else None)
    return None
