#!/usr/bin/env bash
# Rebuild static/vendor/bpmn-auto-layout/ from index.js and the versions pinned in package.json.
# Needs Node.js and npm once, on a developer's machine; the server and the tests use the built file.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../static/vendor/bpmn-auto-layout
mkdir -p "$out"
node_modules/.bin/esbuild index.js --bundle --minify --format=iife --global-name=BpmnAutoLayout \
  --target=es2019 --legal-comments=none --outfile="$out/bpmn-auto-layout.min.js"
# The licences of everything bundled into the file.
{
  for pkg in bpmn-auto-layout bpmn-moddle moddle moddle-xml saxen min-dash; do
    version=$(node -p "require('./node_modules/$pkg/package.json').version")
    echo "== $pkg $version"
    cat "node_modules/$pkg/LICENSE"* 2>/dev/null || node -p "'License: ' + require('./node_modules/$pkg/package.json').license"
    echo
  done
} > "$out/LICENSE"
echo "built $out/bpmn-auto-layout.min.js ($(wc -c < "$out/bpmn-auto-layout.min.js") bytes)"
