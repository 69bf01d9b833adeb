"""Settings are declared once, each with a default and help, and every one the code reads is declared."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from etl import settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_help_and_a_unique_name():
    names = [s.name for s in settings.SETTINGS]
    assert len(names) == len(set(names))
    for s in settings.SETTINGS:
        assert s.name.startswith("NYCKELTAL_"), s.name
        assert len(s.help) > 20, f"{s.name} needs help text a person can act on"


def test_every_setting_the_code_reads_is_declared():
    used: set[str] = set()
    for folder in ("etl", "dashboard", "bench", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"NYCKELTAL_[A-Z_]*[A-Z](?![A-Z_*])", path.read_text(encoding="utf-8")))
    for path in (ROOT / "app.py", ROOT / "gunicorn.conf.py"):
        used |= set(re.findall(r"NYCKELTAL_[A-Z_]*[A-Z](?![A-Z_*])", path.read_text(encoding="utf-8")))
    declared = {s.name for s in settings.SETTINGS}
    assert sorted(used - declared) == []


def test_cli_prints_every_setting():
    out = subprocess.run(
        [sys.executable, "-m", "etl", "settings"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    for s in settings.SETTINGS:
        assert s.name in out.stdout
