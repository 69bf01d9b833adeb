"""Dependency audit for CI: fail when a pinned requirement has a known vulnerability that has a fix.

Runs `pip-audit -r <requirements> -f json` (PyPI's advisory data via pip-audit's
default service) and reads its report. A vulnerability with a fix version fails
the run with the package, the advisory and the version to bump to; one without
a fix yet is printed as a warning (nothing to bump to).

Usage: python scripts/audit_deps.py [requirements.txt ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def fixable(report: dict) -> tuple[list[str], list[str]]:
    """(lines for vulnerabilities with a fix, lines for those without) from pip-audit's JSON."""
    fix, nofix = [], []
    for dep in report.get("dependencies", []):
        for vuln in dep.get("vulns", []):
            line = f"{dep['name']}=={dep.get('version')}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fix.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                nofix.append(f"{line} (no fix released yet)")
    return fix, nofix


def main(argv: list[str]) -> int:
    files = argv or ["requirements.txt"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "-f", "json", "-o", str(out)]
        for f in files:
            cmd += ["-r", f]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if not out.exists():
            print(f"pip-audit did not run (exit {run.returncode}):\n{run.stderr}", file=sys.stderr)
            return 2
        fix, nofix = fixable(json.loads(out.read_text()))
    for line in nofix:
        print(f"warning: {line}")
    if fix:
        print("Known vulnerabilities with a fix; bump these pins:", *fix, sep="\n  ", file=sys.stderr)
        return 1
    print(f"pip-audit: no known vulnerability with a fix in {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
