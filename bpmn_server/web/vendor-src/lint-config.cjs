// Compile bpmnlintrc.json into lint-config.js, the { config, resolver } bundle that bpmn-js-bpmnlint
// takes in the browser (the rules bundled, nothing resolved at run time). build.sh runs it before esbuild.
const fs = require("fs");
const compileConfig = require("bpmnlint/lib/support/compile-config");

compileConfig(JSON.parse(fs.readFileSync(__dirname + "/bpmnlintrc.json", "utf8")))
  .then((code) => fs.writeFileSync(__dirname + "/lint-config.js", code));
