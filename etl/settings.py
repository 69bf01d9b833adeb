"""Every setting of nyckeltal, declared once (etl/settings.yaml): name, default and help.

A setting is read from the environment variable of the same name; the default
applies otherwise. This module imports nothing from the rest of `etl` but the
YAML reader, so any layer may use it. `python -m etl settings` prints the table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from etl.yamlfile import load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
SETTINGS_FILE = Path(__file__).with_name("settings.yaml")
T = TypeVar("T")


@dataclass(frozen=True)
class Setting:
    """One configurable value with its documentation."""

    name: str
    default: str
    help: str

    def get(self) -> str:
        """The value in force: the environment's, else the default."""
        value = os.environ.get(self.name)
        return value if value not in (None, "") else self.default


def _declared() -> tuple[Setting, ...]:
    """The settings of etl/settings.yaml, in its order, with `{data}` in a default made the data folder."""
    doc = load_yaml(SETTINGS_FILE.read_text(encoding="utf-8"))
    return tuple(
        Setting(name, str(item["default"]).replace("{data}", str(DATA_DIR)), str(item["help"]))
        for name, item in doc.items()
    )


SETTINGS: tuple[Setting, ...] = _declared()

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """Value of a declared setting; an undeclared name is a programming error."""
    return _BY_NAME[name].get()


def get_int(name: str) -> int:
    """Integer value of a declared setting, with a message a person can act on."""
    return _parsed(name, int, "a whole number")


def get_float(name: str) -> float:
    """Decimal value of a declared setting, with a message a person can act on."""
    return _parsed(name, float, "a number")


def _parsed(name: str, kind: Callable[[str], T], what: str) -> T:
    raw = get(name)
    try:
        return kind(raw)
    except ValueError as exc:
        raise SystemExit(f"Setting {name}={raw!r} is not {what}.") from exc
