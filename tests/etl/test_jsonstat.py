"""JSON-stat 2.0 unpacking: keeps SCB's status flags and agrees with pxwebpy's values."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pxweb._internal.functions import unpack_table_data

from etl.sources.jsonstat import JsonStatError, dimension_codes, to_frame

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scb"


def tab3267_with_status(reference_dir: Path) -> dict:
    for path in sorted((reference_dir / "scb" / "TAB3267" / "sv").glob("*.json")):
        wrapper = json.loads(path.read_text(encoding="utf-8"))
        if wrapper["kind"] == "data" and wrapper["response"].get("status"):
            return wrapper["response"]
    raise AssertionError("no recorded TAB3267 body with status flags")


def test_to_frame_matches_pxwebpy_and_keeps_status(reference_dir):
    doc = tab3267_with_status(reference_dir)
    frame = to_frame(doc)
    theirs = unpack_table_data(doc, show="code")
    assert len(frame) == len(theirs) == math.prod(doc["size"])
    labels = [doc["dimension"][d]["label"] for d in doc["id"]]
    for n, (row, their) in enumerate(zip(frame.itertuples(index=False), theirs, strict=True)):
        mine = row._asdict()
        assert [mine[d] for d in doc["id"]] == [their[lab] for lab in labels], n
        v = their["value"]
        if v is None:
            assert math.isnan(mine["value"]), n
        else:
            assert mine["value"] == float(v), n
    flagged = {int(k): s for k, s in doc["status"].items()}
    assert flagged and set(flagged.values()) == {".."}
    assert set(frame.index[frame["status"].notna()]) == set(flagged)
    assert (frame.loc[list(flagged), "status"] == "..").all()
    assert frame["status"].isna().sum() == len(frame) - len(flagged)


def test_to_frame_small_fixture():
    doc = json.loads((FIXTURES / "TAB638_data.json").read_text(encoding="utf-8"))
    frame = to_frame(doc)
    assert list(frame.columns) == [*doc["id"], "value", "status"]
    assert len(frame) == 16
    first = frame.iloc[0]
    assert (first["Region"], first["Civilstand"], first["Alder"], first["Kon"], first["Tid"], first["value"]) == (
        "0127",
        "OG",
        "tot",
        "1",
        "2023",
        100.0,
    )
    row9 = frame.iloc[9]
    assert (row9["Region"], row9["Civilstand"], row9["Kon"], row9["Tid"], row9["status"]) == (
        "0136",
        "OG",
        "1",
        "2024",
        "..",
    )
    assert math.isnan(row9["value"])
    assert frame["status"].notna().sum() == 1
    assert dimension_codes(doc, "Kon") == ["1", "2"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update({"class": "collection"}), "not a JSON-stat 2.0 dataset"),
        (lambda d: d.update({"value": d["value"][:-1]}), "'value' has 15 entries, the dimensions give 16"),
        (lambda d: d.update({"size": [2, 2, 1, 2, 1, 3]}), "dimension sizes"),
        (lambda d: d.pop("value"), "'value' is missing"),
        (lambda d: d["dimension"].pop("Kon"), "dimension 'Kon' is missing"),
    ],
)
def test_to_frame_rejects_malformed(mutate, message):
    doc = json.loads((FIXTURES / "TAB638_data.json").read_text(encoding="utf-8"))
    mutate(doc)
    with pytest.raises(JsonStatError, match=message):
        to_frame(doc)


def test_sparse_value_and_single_status():
    doc = json.loads((FIXTURES / "TAB638_data.json").read_text(encoding="utf-8"))
    doc["value"] = {"0": 5, "15": 7}
    doc["status"] = ".."
    frame = to_frame(doc)
    assert frame["value"].iloc[0] == 5.0 and frame["value"].iloc[15] == 7.0
    assert frame["value"].isna().sum() == 14
    assert (frame["status"] == "..").all()


def test_a_value_that_is_not_a_number_fails_naming_the_cell(reference_dir):
    from etl.sources.jsonstat import NotANumberError

    doc = tab3267_with_status(reference_dir)
    doc["value"][0] = "7,7"  # a decimal comma: a string, not a JSON number
    codes = [dimension_codes(doc, d)[0] for d in doc["id"]]
    where = ", ".join(f"{d}={c}" for d, c in zip(doc["id"], codes, strict=True))
    with pytest.raises(NotANumberError) as info:
        to_frame(doc)
    assert str(info.value) == f"cell {where}: value '7,7' is neither a number nor a status symbol (- . .. …)"
    for bad in (True, float("inf"), [1], {"v": 1}):
        doc["value"][0] = bad
        with pytest.raises(NotANumberError):
            to_frame(doc)


def test_a_status_symbol_in_place_of_a_value_is_missing_with_that_status(reference_dir):
    doc = tab3267_with_status(reference_dir)
    first_status = {int(k) for k in doc["status"]} if isinstance(doc["status"], dict) else set()
    i = next(n for n in range(len(doc["value"])) if n not in first_status and doc["value"][n] is not None)
    doc["value"][i] = ".."
    frame = to_frame(doc)
    assert math.isnan(frame["value"].iloc[i]) and frame["status"].iloc[i] == ".."
