#!/usr/bin/env bash
# The test command (README and CI): installs what the tests need, then runs them.
#  - a virtualenv .venv with requirements-dev.txt
#  - Debian's chromium for the browser tests (never `playwright install`: no internet needed)
#  - a PostgreSQL server on 127.0.0.1:5432 when none answers
#  - axe-core from npm (tests/browser/package-lock.json) for the accessibility audit
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/etl -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
if [ ! -d tests/browser/node_modules/axe-core ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Installing Debian's nodejs and npm for the accessibility audit (axe-core)…"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nodejs npm
  fi
  npm ci --prefix tests/browser --no-audit --no-fund
fi
if [ "${CI:-}" = "true" ]; then
  # dependency audit (pip-audit, PyPI advisories): fails on a known vulnerability that has a fix
  .venv/bin/python scripts/audit_deps.py requirements.txt
fi
bash scripts/start-postgres.sh
exec .venv/bin/python -m pytest "$@"
