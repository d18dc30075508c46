/* The diagram editor page (templates/web/editor.html): the bpmn.io modeler with its properties panel
   (window.BpmnEditor, static/vendor/bpmn-js-modeler), the server's validator on demand, deploy with a
   change note, a local draft that survives a reload (localStorage, per process), token simulation toggled
   by a button, and the Camunda Form of the selected user task (zeebe:formDefinition formId). */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root || !window.BpmnEditor) { return; }
  var cfg = JSON.parse(document.getElementById("editor-data").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var statusEl = document.getElementById("editor-status");
  var noteEl = document.getElementById("note");
  var problemsEl = document.getElementById("problems");
  var draftNotice = document.getElementById("draft-notice");
  var draftStatus = document.getElementById("draft-status");
  var draftKey = "bpmn-server.editor.draft." + cfg.draft;
  var modeler = window.BpmnEditor.create(document.getElementById("editor-canvas"),
                                         document.getElementById("editor-properties"));
  root.bpmnModeler = modeler;  // for the browser tests
  var shown = [];  // the markers and overlays of the last check
  var pending = null;  // the timer of the next draft save

  function blank() {
    var id = "Process_" + Math.random().toString(36).slice(2, 9);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
      'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_' + id + '" ' +
      'targetNamespace="http://bpmn.io/schema/bpmn">\n' +
      '  <bpmn:process id="' + id + '" name="New process" isExecutable="true">\n' +
      '    <bpmn:startEvent id="StartEvent_1" name="Start"/>\n' +
      '  </bpmn:process>\n' +
      '  <bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="' + id + '">\n' +
      '    <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">' +
      '<dc:Bounds x="180" y="160" width="36" height="36"/></bpmndi:BPMNShape>\n' +
      '  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn:definitions>\n';
  }

  function say(text, state) {
    statusEl.textContent = text;
    root.dataset.state = state || root.dataset.state;
  }

  function filename() {
    if (cfg.filename) { return cfg.filename; }
    var defs = modeler.getDefinitions();
    var process = defs && (defs.rootElements || []).filter(function (e) { return e.$type === "bpmn:Process"; })[0];
    return (process ? process.id : "diagram") + ".bpmn";
  }

  function readDraft() {
    try { return JSON.parse(window.localStorage.getItem(draftKey) || "null"); } catch (e) { return null; }
  }

  var leaving = false;  // deployed: keep no draft from here on
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

  function dropDraft() {
    window.clearTimeout(pending);
    try { window.localStorage.removeItem(draftKey); } catch (e) { /* private mode: nothing kept */ }
    draftNotice.hidden = true;
  }

  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(saveDraft, 300);
  }

  function clearProblems() {
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    shown.forEach(function (id) { canvas.removeMarker(id, "m-problem"); });
    overlays.remove({ type: "problem" });
    shown = [];
    problemsEl.hidden = true;
  }

  function reveal(id) {
    var registry = modeler.get("elementRegistry");
    var element = registry.get(id);
    if (!element) { return; }
    modeler.get("canvas").scrollToElement(element);
    modeler.get("selection").select(element);
  }

  /* The server's answer: a title, a detail and problems; each problem naming an element is marked on it. */
  function showProblems(body) {
    clearProblems();
    var errors = body.errors || [];
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    problemsEl.querySelector("h2").textContent = body.title || "The diagram cannot be deployed";
    problemsEl.querySelector(".detail").textContent = body.detail || "";
    var list = problemsEl.querySelector("ul");
    list.textContent = "";
    var perElement = {};
    errors.forEach(function (e) {
      var li = document.createElement("li");
      if (e.line) { var line = document.createElement("span"); line.className = "line"; line.textContent = "line " + e.line + " "; li.appendChild(line); }
      if (e.element || e.field) { var code = document.createElement("code"); code.className = "element"; code.textContent = e.element || e.field; li.appendChild(code); li.appendChild(document.createTextNode(" ")); }
      li.appendChild(document.createTextNode(e.message || ""));
      if (e.element && registry.get(e.element)) {
        li.dataset.element = e.element;
        li.tabIndex = 0;
        li.addEventListener("click", function () { reveal(e.element); });
        li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { reveal(e.element); } });
        (perElement[e.element] = perElement[e.element] || []).push(e.message || "");
      }
      list.appendChild(li);
    });
    Object.keys(perElement).forEach(function (id) {
      canvas.addMarker(id, "m-problem");
      shown.push(id);
      var badge = document.createElement("div");
      badge.className = "badge badge-problem";
      badge.textContent = perElement[id].length === 1 ? "problem" : perElement[id].length + " problems";
      badge.title = perElement[id].join("\n");
      overlays.add(id, "problem", { position: { bottom: 4, left: 0 }, html: badge });
    });
    problemsEl.hidden = false;
  }

  function post(url, extra) {
    return modeler.saveXML({ format: true }).then(function (out) {
      var body = Object.assign({ xml: out.xml, filename: filename() }, extra || {});
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
        body: JSON.stringify(body)
      });
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        return { status: r.status, body: { title: "The server answered " + r.status, detail: r.status === 403 ? "reload the page and try again" : "", errors: [] } };
      }
      return r.json().then(function (b) { return { status: r.status, body: b }; });
    });
  }

  function busy(on) {
    document.getElementById("validate").disabled = on;
    document.getElementById("deploy").disabled = on;
    document.getElementById("simulate").disabled = on;
  }

  /* Token simulation (bpmn-js-token-simulation): the button, the module's own toggle and its key T agree. */
  var simulateEl = document.getElementById("simulate");
  simulateEl.addEventListener("click", function () { modeler.get("toggleMode").toggleMode(); });
  modeler.on("tokenSimulation.toggleMode", function (event) {
    simulateEl.setAttribute("aria-pressed", event.active ? "true" : "false");
    simulateEl.textContent = event.active ? "Stop simulating" : "Simulate";
    root.dataset.simulating = event.active ? "on" : "off";
  });

  /* The Camunda Form of the selected user task: a zeebe:formDefinition formId in its extension elements, which
     the server binds to the latest deployed version of that form when the task is created. */
  var formBar = document.getElementById("task-form-bar");
  var formInput = document.getElementById("task-form");
  var formStatus = document.getElementById("task-form-status");
  var formTask = null;

  function formDefinition(bo) {
    return ((bo.extensionElements && bo.extensionElements.get("values")) || []).filter(function (v) {
      return v.$type === "zeebe:FormDefinition";
    })[0];
  }

  function showFormOf(selection) {
    formTask = selection.length === 1 && selection[0].type === "bpmn:UserTask" ? selection[0] : null;
    formBar.hidden = !formTask;
    formStatus.textContent = "";
    if (!formTask) { return; }
    document.getElementById("task-form-task").textContent = formTask.businessObject.name || formTask.id;
    var linked = formDefinition(formTask.businessObject);
    formInput.value = (linked && linked.formId) || "";
    var ref = formTask.businessObject.get("camunda:formRef");
    if (!linked && ref) {  // Camunda 7's link: this server shows it as the task's form key, it binds no form
      formInput.value = ref;
      formStatus.textContent = "camunda:formRef " + ref + " is only the task's form key here: link it to render the form.";
    }
  }

  function linkForm() {
    if (!formTask) { return; }
    var moddle = modeler.get("moddle");
    var modeling = modeler.get("modeling");
    var bo = formTask.businessObject;
    var id = formInput.value.trim();
    var ext = bo.extensionElements;
    var values = ((ext && ext.get("values")) || []).filter(function (v) { return v.$type !== "zeebe:FormDefinition"; });
    if (id) {
      var made = moddle.create("zeebe:FormDefinition", { formId: id });
      values.push(made);
    }
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: values });
      values.forEach(function (v) { v.$parent = ext; });
      modeling.updateProperties(formTask, { extensionElements: ext });
    } else {
      values.forEach(function (v) { v.$parent = ext; });
      modeling.updateModdleProperties(formTask, ext, { values: values });
    }
    formStatus.textContent = id ? "Linked to form " + id + "." : "No form linked.";
  }

  modeler.on("selection.changed", function (event) { showFormOf(event.newSelection || []); });
  document.getElementById("task-form-link").addEventListener("click", linkForm);
  formInput.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); linkForm(); } });

  function validate() {
    busy(true);
    say("Checking with the server…", "checking");
    return post(cfg.validate_url).then(function (res) {
      busy(false);
      if (res.status === 200 && res.body.valid) {
        clearProblems();
        var what = (res.body.processes || []).map(function (p) { return p.key + " v" + p.version + (p.new ? " (new)" : " (unchanged)"); });
        say("No problems: a deploy would make " + what.join(", ") + ".", "valid");
      } else {
        showProblems(res.body);
        say((res.body.errors || []).length + " problem(s): see the list and the marked elements.", "invalid");
      }
    }).catch(function (err) { busy(false); say("The check failed: " + err.message, "failed"); });
  }

  function deploy() {
    busy(true);
    say("Deploying…", "deploying");
    return post(cfg.deploy_url, { note: noteEl.value }).then(function (res) {
      busy(false);
      if (res.status === 200 && res.body.location) {
        leaving = true;
        dropDraft();
        say("Deployed " + res.body.deployed + ".", "deployed");
        window.location.assign(res.body.location);
      } else {
        showProblems(res.body);
        say("Not deployed: " + (res.body.detail || res.body.title), "invalid");
      }
    }).catch(function (err) { busy(false); say("The deploy failed: " + err.message, "failed"); });
  }

  function open() {
    var draft = readDraft();
    if (draft && draft.xml) {
      draftNotice.querySelector("span").textContent = "Your unsaved draft from " +
        new Date(draft.saved_at).toLocaleString() + " was restored.";
      draftNotice.hidden = false;
      noteEl.value = draft.note || "";
      return Promise.resolve(draft.xml);
    }
    if (!cfg.xml_url) { return Promise.resolve(blank()); }
    return fetch(cfg.xml_url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("the server answered " + r.status); }
      return r.text();
    });
  }

  function load(xml) {
    // A file without a layout (no BPMNDI shapes) gets one, as on the other pages (static/diagram.js).
    var laid = /BPMNShape[\s>]/.test(xml) || !window.BpmnAutoLayout ? Promise.resolve(xml)
      : window.BpmnAutoLayout.layout(xml);
    return laid.then(function (text) { return modeler.importXML(text); }).then(function () {
      modeler.get("canvas").zoom("fit-viewport", "auto");
      if (modeler.get("canvas").zoom() > 1) { modeler.get("canvas").zoom(1, "auto"); }
      busy(false);
      say(cfg.version ? "Editing a copy of v" + cfg.version + ": a deploy makes a new version." : "A new diagram.", "ready");
    });
  }

  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("deploy").addEventListener("click", deploy);
  noteEl.addEventListener("input", later);
  document.getElementById("download").addEventListener("click", function (ev) {
    var link = ev.currentTarget;
    if (link.dataset.ready) { delete link.dataset.ready; return; }
    ev.preventDefault();
    modeler.saveXML({ format: true }).then(function (out) {
      link.href = URL.createObjectURL(new Blob([out.xml], { type: "application/xml" }));
      link.download = filename();
      link.dataset.ready = "1";
      link.click();
    });
  });
  document.getElementById("draft-discard").addEventListener("click", function () {
    dropDraft();
    window.location.reload();
  });
  // Each change of the diagram (not the import of one, whose "clear" is no change) renews the draft.
  modeler.on("commandStack.changed", function (event) { if (event.trigger !== "clear") { later(); } });

  open().then(load).catch(function (err) {
    say("The diagram cannot be opened: " + (err.message || err), "failed");
    root.dataset.state = "failed";
  });
})();
