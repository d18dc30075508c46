#!/usr/bin/env bash
# Rebuild everything under static/vendor/ (but the README.txt files) from the versions pinned in package.json
# and package-lock.json: bpmn-js/ (the viewer of every page), bpmn-auto-layout/ (index.js), bpmn-js-modeler/
# (editor.js), dmn-js/, form-js-editor/ (form-editor.js) and form-js-viewer/ (form-viewer.js); then
# MANIFEST.sha256, the digest of the lockfile and of each built file (tests/test_vendor.py checks it, and
# rebuilds with this script where Node.js is installed to compare).
# Needs Node.js and npm once, on a developer's machine; the server and the tests use the built files.
# VENDOR_OUT=DIR builds into DIR instead of static/vendor (the test does).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
vendor="${VENDOR_OUT:-../static/vendor}"
mkdir -p "$vendor"
vendor="$(cd "$vendor" && pwd)"
bundle() {  # bundle ENTRY GLOBAL OUTFILE [esbuild options]: one minified file for the browser
  local entry=$1 name=$2 file=$3
  shift 3
  node_modules/.bin/esbuild "$entry" "$@" --bundle --minify --format=iife --global-name="$name" --target=es2019 \
    --legal-comments=none --define:process.env.NODE_ENV='"production"' --log-level=warning --outfile="$file"
  echo "built ${file#"$vendor"/} ($(wc -c < "$file") bytes)"
}
licences() {  # the licence of each named package, as installed
  for pkg in "$@"; do
    version=$(node -p "require('./node_modules/$pkg/package.json').version")
    echo "== $pkg $version"
    cat "node_modules/$pkg/LICENSE"* 2>/dev/null || node -p "'License: ' + require('./node_modules/$pkg/package.json').license"
    echo
  done
}

# The viewer of every page with a diagram: bpmn-js's prebuilt navigated viewer, unchanged.
out="$vendor/bpmn-js"
mkdir -p "$out"
cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js node_modules/bpmn-js/dist/assets/bpmn-js.css \
  node_modules/bpmn-js/dist/assets/diagram-js.css "$out/"
cp node_modules/bpmn-js/LICENSE "$out/LICENSE"

# Layout for files without diagram interchange.
out="$vendor/bpmn-auto-layout"
mkdir -p "$out"
bundle index.js BpmnAutoLayout "$out/bpmn-auto-layout.min.js"
licences bpmn-auto-layout bpmn-moddle moddle moddle-xml saxen min-dash > "$out/LICENSE"

# The diagram editor (the web page /ui/editor loads it; no other page does).
out="$vendor/bpmn-js-modeler"
mkdir -p "$out/bpmn-font/css" "$out/bpmn-font/font"
node lint-config.cjs  # bpmnlintrc.json -> lint-config.js (the rules bundled for the browser)
bundle editor.js BpmnEditor "$out/bpmn-modeler.min.js"
cp node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css \
  node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css \
  node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css \
  node_modules/bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css "$out/"
# bpmn.css loads the font files beside it (the embedded variant's data: URL fonts break the pages' CSP).
cp node_modules/bpmn-js/dist/assets/bpmn-font/css/bpmn.css "$out/bpmn-font/css/"
cp node_modules/bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2 node_modules/bpmn-js/dist/assets/bpmn-font/font/bpmn.woff \
  "$out/bpmn-font/font/"
licences bpmn-js diagram-js bpmn-moddle moddle moddle-xml saxen min-dash min-dom tiny-svg didi path-intersection \
  diagram-js-direct-editing ids inherits-browser object-refs bpmn-js-properties-panel @bpmn-io/properties-panel \
  camunda-bpmn-moddle zeebe-bpmn-moddle camunda-bpmn-js-behaviors bpmn-js-bpmnlint bpmnlint bpmnlint-utils preact \
  @bpmn-io/feel-editor @bpmn-io/feel-lint feelers \
  @codemirror/view @codemirror/state @codemirror/language @codemirror/autocomplete @codemirror/commands \
  @lezer/common @lezer/lr @lezer/highlight lezer-feel focus-trap tabbable classnames \
  bpmn-js-token-simulation randomcolor > "$out/LICENSE" 2>/dev/null || true

# The decision table editor: dmn-js's prebuilt modeler bundle and styles, unchanged.
out="$vendor/dmn-js"
mkdir -p "$out/dmn-font/css" "$out/dmn-font/font"
cp node_modules/dmn-js/dist/dmn-modeler.production.min.js node_modules/dmn-js/dist/assets/*.css "$out/"
cp node_modules/dmn-js/dist/assets/dmn-font/css/dmn.css "$out/dmn-font/css/"
cp node_modules/dmn-js/dist/assets/dmn-font/font/dmn.woff2 node_modules/dmn-js/dist/assets/dmn-font/font/dmn.woff \
  "$out/dmn-font/font/"
licences dmn-js > "$out/LICENSE"
echo "built dmn-js/dmn-modeler.production.min.js ($(wc -c < "$out/dmn-modeler.production.min.js") bytes)"

# Camunda Forms: what the bundles take from @bpmn-io/form-js-viewer (both) and form-js-editor (the editor).
viewer_deps="@bpmn-io/form-js-viewer @bpmn-io/feelin @bpmn-io/feel-lint feelers preact classnames big.js dompurify
  flatpickr lodash luxon marked min-dash min-dom didi ids diagram-js @lezer/common @lezer/lr @lezer/highlight
  lezer-feel"
# The form editor (the web page /ui/forms/editor loads it; no other page does).
out="$vendor/form-js-editor"
mkdir -p "$out"
# One preact for the editor and the viewer inside it (the editor's own older copy would break the viewer's hooks).
bundle form-editor.js FormEditorJs "$out/form-editor.min.js" --alias:preact=./node_modules/preact
cp node_modules/@bpmn-io/form-js-viewer/dist/assets/form-js.css node_modules/@bpmn-io/form-js-editor/dist/assets/form-js-editor.css \
  node_modules/@bpmn-io/form-js-editor/dist/assets/draggle.css "$out/"
cp node_modules/@bpmn-io/form-js-editor/dist/assets/properties-panel.css "$out/form-properties-panel.css"
# shellcheck disable=SC2086 - the list is word-split on purpose
licences @bpmn-io/form-js-editor @bpmn-io/draggle @bpmn-io/properties-panel array-move $viewer_deps \
  @codemirror/view @codemirror/state @codemirror/language @codemirror/autocomplete @codemirror/commands \
  @bpmn-io/feel-editor focus-trap tabbable > "$out/LICENSE" 2>/dev/null || true

# The task page's form viewer.
out="$vendor/form-js-viewer"
mkdir -p "$out"
bundle form-viewer.js FormViewerJs "$out/form-viewer.min.js"
cp node_modules/@bpmn-io/form-js-viewer/dist/assets/form-js.css "$out/"
# shellcheck disable=SC2086
licences $viewer_deps > "$out/LICENSE" 2>/dev/null || true

# What was built, from which lockfile: the test compares these digests with the files.
(
  cd "$vendor"
  sha256sum "$OLDPWD/package-lock.json" | sed "s#  .*#  vendor-src/package-lock.json#"
  find . -type f ! -name README.txt ! -name MANIFEST.sha256 | sed 's#^\./##' | LC_ALL=C sort | xargs sha256sum
) > "$vendor/MANIFEST.sha256"
echo "wrote MANIFEST.sha256"
