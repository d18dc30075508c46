#!/usr/bin/env bash
# Rebuild static/vendor/bpmn-auto-layout/ (index.js), static/vendor/bpmn-js-modeler/ (editor.js) and
# static/vendor/dmn-js/ from the versions pinned in package.json and package-lock.json.
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

licences() {  # the licence of each named package, as installed
  for pkg in "$@"; do
    version=$(node -p "require('./node_modules/$pkg/package.json').version")
    echo "== $pkg $version"
    cat "node_modules/$pkg/LICENSE"* 2>/dev/null || node -p "'License: ' + require('./node_modules/$pkg/package.json').license"
    echo
  done
}

# The diagram editor (the web page /ui/editor loads it; no other page does).
out=../static/vendor/bpmn-js-modeler
mkdir -p "$out/bpmn-font/css" "$out/bpmn-font/font"
node lint-config.cjs  # bpmnlintrc.json -> lint-config.js (the rules bundled for the browser)
node_modules/.bin/esbuild editor.js --bundle --minify --format=iife --global-name=BpmnEditor \
  --target=es2019 --legal-comments=none --outfile="$out/bpmn-modeler.min.js"
cp node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css \
  node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css \
  node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css "$out/"
# bpmn.css loads the font files beside it (the embedded variant's data: URL fonts break the pages' CSP).
cp node_modules/bpmn-js/dist/assets/bpmn-font/css/bpmn.css "$out/bpmn-font/css/"
cp node_modules/bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2 node_modules/bpmn-js/dist/assets/bpmn-font/font/bpmn.woff \
  "$out/bpmn-font/font/"
licences bpmn-js diagram-js bpmn-moddle moddle moddle-xml saxen min-dash min-dom tiny-svg didi path-intersection \
  diagram-js-direct-editing ids inherits-browser object-refs bpmn-js-properties-panel @bpmn-io/properties-panel \
  camunda-bpmn-moddle camunda-bpmn-js-behaviors bpmn-js-bpmnlint bpmnlint bpmnlint-utils preact @bpmn-io/feel-editor @bpmn-io/feel-lint feelers \
  @codemirror/view @codemirror/state @codemirror/language @codemirror/autocomplete @codemirror/commands \
  @lezer/common @lezer/lr @lezer/highlight lezer-feel focus-trap tabbable classnames \
  > "$out/LICENSE" 2>/dev/null || true
echo "built $out/bpmn-modeler.min.js ($(wc -c < "$out/bpmn-modeler.min.js") bytes)"

# The decision table editor: dmn-js's prebuilt modeler bundle and styles, unchanged.
out=../static/vendor/dmn-js
mkdir -p "$out/dmn-font/css" "$out/dmn-font/font"
cp node_modules/dmn-js/dist/dmn-modeler.production.min.js node_modules/dmn-js/dist/assets/*.css "$out/"
cp node_modules/dmn-js/dist/assets/dmn-font/css/dmn.css "$out/dmn-font/css/"
cp node_modules/dmn-js/dist/assets/dmn-font/font/dmn.woff2 node_modules/dmn-js/dist/assets/dmn-font/font/dmn.woff \
  "$out/dmn-font/font/"
licences dmn-js > "$out/LICENSE"
echo "built $out/dmn-modeler.production.min.js ($(wc -c < "$out/dmn-modeler.production.min.js") bytes)"
