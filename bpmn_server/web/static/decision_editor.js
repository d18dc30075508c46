/* The decision table editor page (templates/web/decision_editor.html): dmn-js's modeler (window.DmnJS,
   static/vendor/dmn-js), its views, and an evaluate panel that runs the deployed version on sample inputs and
   marks the matched rules. Validate, deploy with a change note and the local draft are the editors' common
   part (static/editor_common.js). */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root || !window.DmnJS || !window.EditorPage) { return; }
  var viewEl = document.getElementById("view");
  var modeler = new window.DmnJS({ container: root });
  root.dmnModeler = modeler;  // for the browser tests

  var page = window.EditorPage.create(root, {
    modeler: modeler,
    filename: filename,
    valid: function (body) {
      return (body.decisions || []).map(function (d) { return d.key + " v" + d.version; }).join(", ");
    },
    title: "The file cannot be deployed"
  });
  var cfg = page.cfg;

  function blank() {
    var id = "Decision_" + Math.random().toString(36).slice(2, 9);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_' + id + '" ' +
      'name="New decision" namespace="http://camunda.org/schema/1.0/dmn">\n' +
      '  <decision id="' + id + '" name="New decision">\n' +
      '    <decisionTable id="DecisionTable_' + id + '" hitPolicy="UNIQUE">\n' +
      '      <input id="Input_1" label="Amount"><inputExpression id="InputExpression_1" typeRef="number">' +
      '<text>amount</text></inputExpression></input>\n' +
      '      <output id="Output_1" label="Approve" name="approve" typeRef="boolean"/>\n' +
      '      <rule id="Rule_1"><inputEntry id="UnaryTests_1"><text>&lt;= 1000</text></inputEntry>' +
      '<outputEntry id="LiteralExpression_1"><text>true</text></outputEntry></rule>\n' +
      '      <rule id="Rule_2"><inputEntry id="UnaryTests_2"><text>&gt; 1000</text></inputEntry>' +
      '<outputEntry id="LiteralExpression_2"><text>false</text></outputEntry></rule>\n' +
      '    </decisionTable>\n  </decision>\n</definitions>\n';
  }

  function decisions() {
    var defs = modeler.getDefinitions();
    return ((defs && defs.drgElement) || []).filter(function (e) { return e.$type === "dmn:Decision"; });
  }

  function filename() {
    return cfg.filename || ((decisions()[0] || {}).id || "decision") + ".dmn";
  }

  /* The evaluate panel: the deployed version on the sample inputs; matched rules are marked in the table. */
  function evaluate() {
    var out = document.getElementById("evaluated");
    document.querySelectorAll(".m-matched").forEach(function (el) { el.classList.remove("m-matched"); });
    return page.send(cfg.evaluate_url, { variables: document.getElementById("variables").value, version: cfg.version })
      .then(function (res) {
        out.textContent = "";
        var pre = document.createElement("pre");
        if (res.status === 200) {
          var p = document.createElement("p");
          p.id = "matched";
          p.textContent = "Matched: " + (res.body.matched_rules.length ? res.body.matched_rules.join(", ") : "no rule");
          out.appendChild(p);
          pre.textContent = JSON.stringify(res.body.result, null, 2);
          res.body.matched_rules.forEach(function (id) {
            document.querySelectorAll('[data-row-id="' + id + '"]').forEach(function (el) { el.classList.add("m-matched"); });
          });
          root.dataset.evaluated = "ok";
        } else {
          pre.textContent = (res.body.detail || res.body.title) + "\n" +
            (res.body.errors || []).map(function (e) { return (e.field || e.element || "") + " " + e.message; }).join("\n");
          root.dataset.evaluated = "failed";
        }
        out.appendChild(pre);
      });
  }

  function sampleInputs() {
    var sample = {};
    decisions().forEach(function (d) {
      ((d.decisionLogic && d.decisionLogic.input) || []).forEach(function (input) {
        var text = input.inputExpression && input.inputExpression.text;
        if (text && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text.trim())) { sample[text.trim()] = null; }
      });
    });
    return JSON.stringify(sample);
  }

  function listViews() {
    viewEl.textContent = "";
    var active = modeler.getActiveView();
    modeler.getViews().forEach(function (view, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = (view.type === "drd" ? "Decision requirements" : (view.element.name || view.element.id) +
        (view.type === "decisionTable" ? " (table)" : ""));
      option.selected = active && active.element === view.element;
      viewEl.appendChild(option);
    });
  }

  function watch() {
    var viewer = modeler.getActiveViewer();
    if (viewer && !viewer.__watched) {
      viewer.__watched = true;
      viewer.get("eventBus").on("commandStack.changed", page.changed);
    }
  }

  function open() {
    return page.restoreDraft("xml") || cfg.xml || blank();
  }

  modeler.on("views.changed", function () { listViews(); watch(); });
  viewEl.addEventListener("change", function () { modeler.open(modeler.getViews()[Number(viewEl.value)]); });
  var evaluateButton = document.getElementById("evaluate");
  if (evaluateButton) { evaluateButton.addEventListener("click", evaluate); }

  modeler.importXML(open()).then(function () {
    // Open the first decision table rather than the requirements diagram: the table is what is edited.
    var table = modeler.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
    return table ? modeler.open(table) : null;
  }).then(function () {
    listViews();
    watch();
    var variables = document.getElementById("variables");
    if (variables && !variables.value) { variables.value = sampleInputs(); }
    page.ready("A new decision table.");
  }).catch(page.failed("The file"));
})();
