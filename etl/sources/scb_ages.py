"""SCB TAB638's single years of age -> the age structure (etl/tables/ages.py), online only.

Civil-status cells are summed; a band is missing if any of its cells is. TAB638's oldest cell
is '100+'. The request builder asks TAB638 for every single age (Alder 0..100+), both sexes,
all civil statuses; it runs online only (the recorded material holds Alder=tot, so the bundled
snapshot has no age rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from etl.errors import SourceError
from etl.sources import jsonstat
from etl.sources.scb import DataRequest
from etl.tables.ages import AGES, AgeError, validate_ages

TABLE = "TAB638"
CONTENTS = "BE0101N1"
SEX_CODES = {"1": "M", "2": "K"}
MISSING_SYMBOLS = {"..", ".", "-", "…"}


def band_of(age_code: str) -> str | None:
    """'0' -> '0-4', '57' -> '55-59', '100+' -> '100+'; 'tot' and unknown codes -> None."""
    code = str(age_code).strip()
    if code == "100+":
        return "100+"
    if not code.isdigit():
        return None
    age = int(code)
    if age >= 100:
        return "100+"
    lo = age // 5 * 5
    return f"{lo}-{lo + 4}"


def single_ages(metadata: dict[str, Any]) -> list[str]:
    """TAB638's single-age codes (everything Alder has except the total), in table order."""
    return [c for c in jsonstat.dimension_codes(metadata, "Alder") if band_of(c) is not None]


def build_age_request(metadata: dict[str, Any], regions: Sequence[str], years: Sequence[str] | None = None) -> dict:
    """The PxWebApi 2.0 POST body for TAB638 single ages (both sexes, all civil statuses)."""
    dims = list(metadata.get("id") or metadata.get("dimension", {}))
    for var in ("Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"):
        if var not in dims:
            raise SourceError("SCB", TABLE, f"GET /tables/{TABLE}/metadata", f"dimension {var!r} not found")
    available = set(jsonstat.dimension_codes(metadata, "Region"))
    unknown = [r for r in regions if r not in available]
    if unknown:
        raise SourceError("SCB", TABLE, f"GET /tables/{TABLE}/metadata", f"region(s) {unknown} not in the table")
    tid = list(years) if years else list(jsonstat.dimension_codes(metadata, "Tid"))
    selection = {
        "Region": list(regions),
        "Civilstand": list(jsonstat.dimension_codes(metadata, "Civilstand")),
        "Alder": single_ages(metadata),
        "Kon": list(SEX_CODES),
        "ContentsCode": [CONTENTS],
        "Tid": tid,
    }
    return DataRequest(TABLE, selection).body()


def tidy_age_answer(doc: dict[str, Any], retrieved_at: str) -> pd.DataFrame:
    """A TAB638 JSON-stat 2.0 answer with single ages -> 5-year bands by sex (K, M)."""
    try:
        cells = jsonstat.to_frame(doc)
    except jsonstat.JsonStatError as exc:
        raise AgeError(f"{TABLE}: unexpected answer: {exc}") from None
    for var in ("Region", "Alder", "Kon", "Tid"):
        if var not in cells.columns:
            raise AgeError(f"{TABLE}: dimension {var!r} missing from the answer")
    if "ContentsCode" in cells.columns:
        cells = cells[cells["ContentsCode"] == CONTENTS]
    cells = cells.assign(age_band=cells["Alder"].map(band_of), sex=cells["Kon"].map(SEX_CODES))
    cells = cells[cells["age_band"].notna() & cells["sex"].notna()].copy()
    cells["missing"] = cells["value"].isna() | cells["status"].isin(MISSING_SYMBOLS)
    grouped = (
        cells.groupby(["Region", "Tid", "sex", "age_band"], sort=False)
        .agg(value=("value", "sum"), missing=("missing", "any"))
        .reset_index()
    )
    grouped.loc[grouped["missing"], "value"] = float("nan")
    frame = pd.DataFrame(
        {
            "region_code": grouped["Region"].astype(str),
            "year": grouped["Tid"].astype(str).str[:4].astype(int),
            "sex": grouped["sex"],
            "age_band": grouped["age_band"],
            "value": grouped["value"],
            "status": grouped["missing"].map({True: "missing", False: "ok"}),
            "source": "SCB",
            "source_ref": f"SCB {TABLE} {CONTENTS} (single ages summed into 5-year bands)",
            "retrieved_at": retrieved_at,
        }
    )
    return validate_ages(frame)


def fetch_scb_ages(scb: Any, regions: Sequence[str]) -> pd.DataFrame:
    """Online: TAB638's single ages for `regions` and every year, through the SCB adapter's
    client (its /config limits, retries and raw archive), split by years to stay within
    `maxDataCells`, summed into 5-year bands by sex."""
    metadata = scb.metadata(TABLE)
    available = set(jsonstat.dimension_codes(metadata, "Region"))
    wanted = [r for r in regions if r in available]
    years = list(jsonstat.dimension_codes(metadata, "Tid"))
    per_year = (
        len(wanted)
        * len(jsonstat.dimension_codes(metadata, "Civilstand"))
        * len(single_ages(metadata))
        * len(SEX_CODES)
    )
    step = max(1, int(scb.config()["maxDataCells"]) // max(per_year, 1))
    frames = []
    for i in range(0, len(years), step):
        body = build_age_request(metadata, wanted, years[i : i + step])
        answer = scb.http.post(
            f"{scb.base_url}/tables/{TABLE}/data",
            table=TABLE,
            body=body,
            params={"lang": "sv", "outputFormat": "json-stat2"},
        )
        try:
            frames.append(tidy_age_answer(answer.json("SCB", TABLE), answer.retrieved_at))
        except AgeError as exc:
            raise SourceError("SCB", TABLE, answer.describe(), str(exc)) from None
    return validate_ages(pd.concat(frames, ignore_index=True)) if frames else AGES.empty()
