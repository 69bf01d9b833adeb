"""Build Dash callback requests (POST /_dash-update-component bodies) from a server's /_dash-dependencies.

Used by the in-process timing and by the HTTP load test, so both drive the same
callbacks a browser triggers.
"""

from __future__ import annotations

from typing import Any


def find_callback(dependencies: list[dict[str, Any]], output_part: str) -> dict[str, Any]:
    """The dependency entry whose output string contains `output_part` (e.g. 'ts-graph.figure')."""
    for dep in dependencies:
        if output_part in dep["output"]:
            return dep
    raise SystemExit(f"no callback with output {output_part!r}: is this the right app?")


def _outputs(output: str) -> list[dict[str, str]] | dict[str, str]:
    if output.startswith(".."):
        parts = [p for p in output.strip(".").split("...")]
        return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    cid, prop = output.rsplit(".", 1)
    return {"id": cid, "property": prop}


def body(dep: dict[str, Any], values: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """The JSON body for `dep` with input/state values by 'id.property'; `changed` as 'id.property'."""

    def items(group: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in group]

    return {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]),
        "inputs": items(dep["inputs"]),
        "state": items(dep.get("state", [])),
        "changedPropIds": changed,
    }


EIGHT = ["0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138"]
JAMFOR_INDICATORS = ["population", "births", "deaths", "in_migrants", "out_migrants", "net_migration"]


def jamfor_state() -> dict[str, Any]:
    """The /jamfor controls as a first visit leaves them: population for the eight, 2000–2024."""
    return {
        "jf-indicator.value": "population",
        "jf-regions.value": list(EIGHT),
        "jf-ref.value": [],
        "jf-mode.value": "value",
        "jf-base.value": 2000,
        "jf-sex.value": "T",
        "jf-from.value": 2000,
        "jf-to.value": 2024,
        "jf-year.value": 2024,
        "jf-lang.data": "sv",
    }
