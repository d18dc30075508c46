/* The form editor page (templates/web/form_editor.html): the bpmn.io form editor (window.FormEditorJs,
   static/vendor/form-js-editor) for Camunda Forms, its form id, and a few checks before anything is sent.
   Validate, deploy (as a .form) with a change note and the local draft are the editors' common part
   (static/editor_common.js). */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root || !window.FormEditorJs || !window.EditorPage) { return; }
  var idEl = document.getElementById("form-id");
  var editor = window.FormEditorJs.create(root);
  root.formEditor = editor;  // for the browser tests

  var page = window.EditorPage.create(root, {
    payload: function () { return { schema: schema() }; },
    draft: function () { return { schema: schema() }; },
    valid: function () { return "a version of form " + schema().id; },
    title: "The form cannot be deployed",
    item: function (li, e) {
      var name = e.element || e.field;
      if (!name) { return; }
      li.dataset.field = name;
      page.clickable(li, function () { reveal(name); });
    },
    local: localProblems
  });
  var cfg = page.cfg;

  function blank() {
    return { type: "default", id: "Form_" + Math.random().toString(36).slice(2, 9), components: [],
             schemaVersion: 19, exporter: { name: "bpmn-server", version: "1" } };
  }

  /* The schema as it will be deployed: the id typed in the bar wins. */
  function schema() {
    var out = editor.saveSchema();
    if (idEl.value.trim()) { out.id = idEl.value.trim(); }
    return out;
  }

  function fields() {
    return editor.get("formFieldRegistry").getAll().filter(function (f) { return f.type !== "default"; });
  }

  function reveal(key) {
    var field = fields().filter(function (f) { return f.key === key || f.id === key; })[0];
    if (field) { editor.get("selection").set(field); }
  }

  /* What the server would take but a user could not get past: a pattern that is no regular expression, limits
     the wrong way round, a choice without options. Each names the field's key. */
  function localProblems() {
    var found = [];
    if (!idEl.value.trim()) { found.push({ field: "id", message: "the form needs an id: user tasks link it by its id" }); }
    fields().forEach(function (f) {
      var v = f.validate || {};
      var name = f.key || f.id;
      if (v.pattern) {
        try { new RegExp(v.pattern); } catch (e) { found.push({ field: name, message: "the pattern is not a regular expression: " + e.message }); }
      }
      if (typeof v.min === "number" && typeof v.max === "number" && v.min > v.max) {
        found.push({ field: name, message: "the minimum " + v.min + " is above the maximum " + v.max });
      }
      if (typeof v.minLength === "number" && typeof v.maxLength === "number" && v.minLength > v.maxLength) {
        found.push({ field: name, message: "the minimum length is above the maximum length" });
      }
      if (["select", "radio", "checklist", "taglist"].indexOf(f.type) >= 0 && Array.isArray(f.values) && !f.values.length) {
        found.push({ field: name, message: "a choice needs at least one option" });
      }
    });
    return found.length ? { title: "The form has problems", detail: "fix them before it is deployed", errors: found } : null;
  }

  function syncId() {
    if (document.activeElement !== idEl) { idEl.value = editor.getSchema().id || ""; }
  }

  idEl.addEventListener("change", function () {
    var form = editor.get("formFieldRegistry").getAll().filter(function (f) { return f.type === "default"; })[0];
    if (form && idEl.value.trim() && idEl.value.trim() !== form.id) {
      editor.get("modeling").editFormField(form, "id", idEl.value.trim());
    }
    page.later();
  });
  page.download(function () {
    var out = schema();
    return { text: JSON.stringify(out, null, 2), type: "application/json", name: (out.id || "form") + ".form" };
  });
  editor.on("commandStack.changed", function (event) {
    syncId();
    page.changed(event);
  });

  editor.importSchema(page.restoreDraft("schema") || cfg.schema || blank()).then(function () {
    syncId();
    page.ready("A new form: drag fields from the palette.");
  }).catch(page.failed("The form"));
})();
