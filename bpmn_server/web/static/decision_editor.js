/* The decision table editor page (templates/web/decision_editor.html): dmn-js's modeler (window.DmnJS,
   static/vendor/dmn-js), the server's validator, deploy with a change note, a local draft, and an
   evaluate panel that runs the deployed version on sample inputs and marks the matched rules. */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root || !window.DmnJS) { return; }
  var cfg = JSON.parse(document.getElementById("editor-data").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var statusEl = document.getElementById("editor-status");
  var noteEl = document.getElementById("note");
  var viewEl = document.getElementById("view");
  var problemsEl = document.getElementById("problems");
  var draftNotice = document.getElementById("draft-notice");
  var draftStatus = document.getElementById("draft-status");
  var draftKey = "bpmn-server.editor.draft." + cfg.draft;
  var modeler = new window.DmnJS({ container: root });
  root.dmnModeler = modeler;  // for the browser tests
  var pending = null;
  var leaving = false;

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

  function say(text, state) {
    statusEl.textContent = text;
    if (state) { root.dataset.state = state; }
  }

  function decisions() {
    var defs = modeler.getDefinitions();
    return ((defs && defs.drgElement) || []).filter(function (e) { return e.$type === "dmn:Decision"; });
  }

  function filename() {
    return cfg.filename || ((decisions()[0] || {}).id || "decision") + ".dmn";
  }

  function saveDraft() {
    if (leaving) { return; }
    modeler.saveXML({ format: true }).then(function (out) {
      if (leaving) { return; }
      try {
        window.localStorage.setItem(draftKey, JSON.stringify({ xml: out.xml, note: noteEl.value, saved_at: new Date().toISOString() }));
        draftStatus.textContent = "Draft kept in this browser (" + new Date().toLocaleTimeString() + ")";
      } catch (e) { draftStatus.textContent = "The draft could not be kept in this browser: " + e.message; }
    });
  }

  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(saveDraft, 300);
  }

  function dropDraft() {
    window.clearTimeout(pending);
    try { window.localStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ }
    draftNotice.hidden = true;
  }

  function showProblems(body) {
    problemsEl.querySelector("h2").textContent = body.title || "The file cannot be deployed";
    problemsEl.querySelector(".detail").textContent = body.detail || "";
    var list = problemsEl.querySelector("ul");
    list.textContent = "";
    (body.errors || []).forEach(function (e) {
      var li = document.createElement("li");
      if (e.element || e.field) {
        var code = document.createElement("code");
        code.className = "element";
        code.textContent = e.element || e.field;
        li.appendChild(code);
        li.appendChild(document.createTextNode(" "));
      }
      li.appendChild(document.createTextNode(e.message || ""));
      list.appendChild(li);
    });
    problemsEl.hidden = false;
  }

  function send(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      if ((r.headers.get("Content-Type") || "").indexOf("application/json") < 0) {
        return { status: r.status, body: { title: "The server answered " + r.status, errors: [] } };
      }
      return r.json().then(function (b) { return { status: r.status, body: b }; });
    });
  }

  function withXml(url, extra) {
    return modeler.saveXML({ format: true }).then(function (out) {
      return send(url, Object.assign({ xml: out.xml, filename: filename() }, extra || {}));
    });
  }

  function validate() {
    say("Checking with the server…", "checking");
    return withXml(cfg.validate_url).then(function (res) {
      if (res.status === 200 && res.body.valid) {
        problemsEl.hidden = true;
        var what = (res.body.decisions || []).map(function (d) { return d.key + " v" + d.version; });
        say("No problems: a deploy would make " + what.join(", ") + ".", "valid");
      } else {
        showProblems(res.body);
        say((res.body.errors || []).length + " problem(s): see the list.", "invalid");
      }
    });
  }

  function deploy() {
    say("Deploying…", "deploying");
    return withXml(cfg.deploy_url, { note: noteEl.value }).then(function (res) {
      if (res.status === 200 && res.body.location) {
        leaving = true;
        dropDraft();
        say("Deployed " + res.body.deployed + ".", "deployed");
        window.location.assign(res.body.location);
      } else {
        showProblems(res.body);
        say("Not deployed: " + (res.body.detail || res.body.title), "invalid");
      }
    });
  }

  /* The evaluate panel: the deployed version on the sample inputs; matched rules are marked in the table. */
  function evaluate() {
    var out = document.getElementById("evaluated");
    document.querySelectorAll(".m-matched").forEach(function (el) { el.classList.remove("m-matched"); });
    return send(cfg.evaluate_url, { variables: document.getElementById("variables").value, version: cfg.version })
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
      viewer.get("eventBus").on("commandStack.changed", function (event) { if (event.trigger !== "clear") { later(); } });
    }
  }

  function open() {
    var draft = null;
    try { draft = JSON.parse(window.localStorage.getItem(draftKey) || "null"); } catch (e) { draft = null; }
    if (draft && draft.xml) {
      draftNotice.querySelector("span").textContent = "Your unsaved draft from " +
        new Date(draft.saved_at).toLocaleString() + " was restored.";
      draftNotice.hidden = false;
      noteEl.value = draft.note || "";
      return draft.xml;
    }
    return cfg.xml || blank();
  }

  modeler.on("views.changed", function () { listViews(); watch(); });
  viewEl.addEventListener("change", function () { modeler.open(modeler.getViews()[Number(viewEl.value)]); });
  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("deploy").addEventListener("click", deploy);
  noteEl.addEventListener("input", later);
  document.getElementById("draft-discard").addEventListener("click", function () { dropDraft(); window.location.reload(); });
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
    document.getElementById("validate").disabled = false;
    document.getElementById("deploy").disabled = false;
    say(cfg.version ? "Editing a copy of v" + cfg.version + ": a deploy makes a new version." : "A new decision table.", "ready");
  }).catch(function (err) { say("The file cannot be opened: " + (err.message || err), "failed"); });
})();
