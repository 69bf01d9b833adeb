"""The catalog's kinds of source and the checks of one source entry.

`source_kinds` in catalog.yaml declares each kind (its name in the `source` column, its adapter, the
parameters an entry gives, how an entry reads, its command-line option); an SCB entry's table and
contents are checked and written as text here. etl.catalog loads the catalog as a whole with these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceKind:
    """One kind of source, declared in catalog.yaml's `source_kinds`."""

    kind: str
    name: str  # written in every value's `source` column
    adapter: str | None  # "module:attribute" that fetches it (etl/sources/); None: computed here
    requires: tuple[str, ...] = ()  # parameters every entry of this kind gives
    describe: str | None = None  # how an entry reads in source_ref, {parameter} from the entry
    # a command-line option of `refresh`/`schedule` (--flag) whose value the adapter class is made with
    # (keyword=value); not given: made with no arguments
    option: SourceOption | None = None


@dataclass(frozen=True)
class SourceOption:
    """A source kind's command-line option: `--flag VALUE` makes its adapter class with keyword=VALUE."""

    flag: str
    keyword: str
    help: str


def parse_source_kinds(section: dict[str, Any], problems: list[str]) -> dict[str, SourceKind]:
    """catalog.yaml's `source_kinds`, checked."""
    kinds: dict[str, SourceKind] = {}
    for kind, decl in (section or {}).items():
        decl = decl or {}
        adapter = decl.get("adapter")
        if adapter is not None and (not isinstance(adapter, str) or adapter.count(":") != 1):
            problems.append(f"source kind {kind}: adapter must be 'module:attribute', not {adapter!r}")
        if not decl.get("name"):
            problems.append(f"source kind {kind}: lacks its name")
        option = decl.get("option")
        if option is not None and (not isinstance(option, dict) or set(option) != {"flag", "keyword", "help"}):
            problems.append(f"source kind {kind}: option must give exactly flag, keyword and help")
            option = None
        kinds[str(kind)] = SourceKind(
            str(kind),
            str(decl.get("name", kind)),
            adapter,
            tuple(decl.get("requires") or ()),
            decl.get("describe"),
            SourceOption(**{k: str(v) for k, v in option.items()}) if option else None,
        )
    return kinds


def scb_table_text(p: dict[str, Any]) -> str:
    """'TAB638', or '[ArRegPend1]' for a table found at run time (etl/scb_finders.py)."""
    if p.get("table"):
        return str(p["table"])
    find = p.get("find")
    name = find if isinstance(find, str) else (find or {}).get("name") or (find or {}).get("query")
    if isinstance(name, list):
        name = name[0] if name else "?"
    return f"[{name}]"


def scb_contents_text(p: dict[str, Any]) -> str:
    if p.get("contents") is not None:
        return str(p["contents"])
    label = p.get("contents_label")
    return " | ".join(f'"{t}"' for t in ([label] if isinstance(label, str) else label or []))


def scb_problems(params: dict[str, Any]) -> list[str]:
    """What is wrong with an scb source's table/contents parameters (table or find; contents or contents_label)."""
    from etl.scb_finders import finder_from_params

    problems = []
    if ("table" in params) == ("find" in params):
        problems.append("needs exactly one of 'table' (a v2 id) or 'find' (a table finder)")
    elif "find" in params:
        try:
            finder_from_params(params["find"])
        except ValueError as exc:
            problems.append(str(exc))
    if ("contents" in params) == ("contents_label" in params):
        problems.append("needs exactly one of 'contents' (a code) or 'contents_label' (its label text)")
    elif "contents_label" in params:
        label = params["contents_label"]
        texts = [label] if isinstance(label, str) else label
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            problems.append("contents_label must be a text or a list of texts")
    sex = params.get("sex")
    if sex is not None and (not isinstance(sex, dict) or sex.get("variable") or sex.get("labels")):
        if not isinstance(sex, dict) or not sex.get("variable") or ("codes" in sex) == ("labels" in sex):
            problems.append("sex needs a variable and exactly one of codes {code: T|K|M} or labels {T|K|M: [texts]}")
        elif "labels" in sex and (
            not isinstance(sex["labels"], dict) or any(k not in ("T", "K", "M") for k in sex["labels"])
        ):
            problems.append("sex labels must map T, K or M to label texts")
    return problems
