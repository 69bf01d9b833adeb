#!/usr/bin/env bash
# Rebuild assets/plotly-basic-4.1.1.min.js: plotly.js's own "basic" partial bundle (scatter, bar, pie),
# the same plotly.js version as the full bundle inside the installed plotly package (Dash serves that
# one; it is loaded only by pages whose figures need another trace type, see assets/plotly-loader.js).
# Needs npm; the built file is committed, so running the app does not.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "from plotly.offline import get_plotlyjs_version as v; print(v())")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-basic-dist-min@${version}" >/dev/null && tar xzf ./*.tgz)
head -c 200 "$work/package/plotly-basic.min.js" | grep -q "plotly.js (basic - minified) v${version}" \
  || { echo "the npm package is not plotly.js basic v${version}" >&2; exit 1; }
rm -f assets/plotly-basic-*.min.js
cp "$work/package/plotly-basic.min.js" "assets/plotly-basic-${version}.min.js"
sha256sum "assets/plotly-basic-${version}.min.js"
