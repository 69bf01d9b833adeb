#!/usr/bin/env bash
# Rebuild assets/plotly-scatter-bar-<version>.min.js: a plotly.js partial bundle with the scatter and bar
# traces only (scripts/plotly-bundle/index.js), built from plotly.js's npm sources with plotly.js's own
# esbuild settings (scripts/plotly-bundle/build.mjs). The version must be the plotly.js inside the installed
# plotly package: Dash serves that full bundle to pages whose figures need another trace type (the map, the
# Sankey; see assets/plotly-loader.js). Needs Node.js and npm; the built file is committed, so running the
# app does not.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "from plotly.offline import get_plotlyjs_version as v; print(v())")
pinned=$(node -p "require('./scripts/plotly-bundle/package.json').dependencies['plotly.js']")
[ "$version" = "$pinned" ] || {
  echo "plotly (Python) carries plotly.js $version, scripts/plotly-bundle/package.json pins $pinned: pin $version" >&2
  exit 1
}
# a fixed folder: plotly.js's CSS is inlined under an id hashed from its absolute path, so the same path
# gives the same bytes on every build (the script prints the sha256 to compare)
work=/tmp/nyckeltal-plotly-bundle
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cp scripts/plotly-bundle/package.json scripts/plotly-bundle/package-lock.json scripts/plotly-bundle/index.js scripts/plotly-bundle/build.mjs "$work/"
(cd "$work" && npm ci --silent --ignore-scripts --no-audit --no-fund >/dev/null)
# plotly.js's own license header, as on its dist bundles, naming this bundle
head -n 6 "$work/node_modules/plotly.js/dist/plotly-basic.min.js" | sed 's/(basic - minified)/(scatter-bar - minified)/' >"$work/header.txt"
grep -q "plotly.js (scatter-bar - minified) v${version}" "$work/header.txt" \
  || { echo "unexpected license header in plotly.js ${version}'s dist bundle" >&2; exit 1; }
(cd "$work" && node build.mjs "bundle.min.js" header.txt)
rm -f assets/plotly-basic-*.min.js assets/plotly-scatter-bar-*.min.js
cp "$work/bundle.min.js" "assets/plotly-scatter-bar-${version}.min.js"
sha256sum "assets/plotly-scatter-bar-${version}.min.js"
