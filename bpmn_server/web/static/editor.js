/* The diagram editor page (templates/web/editor.html): the bpmn.io modeler with its properties panel
   (window.BpmnEditor, static/vendor/bpmn-js-modeler), the server's problems marked on their elements, token
   simulation toggled by a button, and the Camunda Form of the selected user task (zeebe:formDefinition
   formId). Validate, deploy with a change note and the local draft are the editors' common part
   (static/editor_common.js). */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root || !window.BpmnEditor || !window.EditorPage) { return; }
  var modeler = window.BpmnEditor.create(document.getElementById("editor-canvas"),
                                         document.getElementById("editor-properties"));
  root.bpmnModeler = modeler;  // for the browser tests
  var problemsEl = document.getElementById("problems");
  var shown = [];  // the markers and overlays of the last check

  var page = window.EditorPage.create(root, {
    modeler: modeler,
    filename: filename,
    valid: function (body) {
      return (body.processes || []).map(function (p) { return p.key + " v" + p.version + (p.new ? " (new)" : " (unchanged)"); }).join(", ");
    },
    where: "see the list and the marked elements.",
    showProblems: showProblems,
    clearProblems: clearProblems,
    buttons: ["simulate"]
  });
  var cfg = page.cfg;

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

  function filename() {
    if (cfg.filename) { return cfg.filename; }
    var defs = modeler.getDefinitions();
    var process = defs && (defs.rootElements || []).filter(function (e) { return e.$type === "bpmn:Process"; })[0];
    return (process ? process.id : "diagram") + ".bpmn";
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

  /* The server's problems listed, and each one naming an element marked on it with a badge. */
  function showProblems(body) {
    clearProblems();
    var registry = modeler.get("elementRegistry");
    var perElement = {};
    page.listProblems(body, "The diagram cannot be deployed", function (li, e) {
      if (e.element && registry.get(e.element)) {
        li.dataset.element = e.element;
        page.clickable(li, function () { reveal(e.element); });
        (perElement[e.element] = perElement[e.element] || []).push(e.message || "");
      }
    });
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    Object.keys(perElement).forEach(function (id) {
      canvas.addMarker(id, "m-problem");
      shown.push(id);
      var badge = document.createElement("div");
      badge.className = "badge badge-problem";
      badge.textContent = perElement[id].length === 1 ? "problem" : perElement[id].length + " problems";
      badge.title = perElement[id].join("\n");
      overlays.add(id, "problem", { position: { bottom: 4, left: 0 }, html: badge });
    });
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

  function open() {
    var draft = page.restoreDraft("xml");
    if (draft) { return Promise.resolve(draft); }
    if (!cfg.xml_url) { return Promise.resolve(blank()); }
    return fetch(cfg.xml_url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("the server answered " + r.status); }
      return r.text();
    });
  }

  function load(text) {
    // A file without a layout (no BPMNDI shapes) gets one, as on the other pages (static/diagram.js).
    var laid = /BPMNShape[\s>]/.test(text) || !window.BpmnAutoLayout ? Promise.resolve(text)
      : window.BpmnAutoLayout.layout(text);
    return laid.then(function (done) { return modeler.importXML(done); }).then(function () {
      modeler.get("canvas").zoom("fit-viewport", "auto");
      if (modeler.get("canvas").zoom() > 1) { modeler.get("canvas").zoom(1, "auto"); }
      page.ready("A new diagram.");
    });
  }

  page.download(function () {
    return page.xml().then(function (text) { return { text: text, type: "application/xml", name: filename() }; });
  });
  modeler.on("commandStack.changed", page.changed);

  open().then(load).catch(page.failed("The diagram"));
})();
