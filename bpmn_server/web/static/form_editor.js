/* The form editor page (templates/web/form_editor.html): the bpmn.io form editor (window.FormEditorJs,
   static/vendor/form-js-editor) for Camunda Forms, a few checks as you edit, the server's validator on demand,
   deploy as a .form with a change note, and a local draft that survives a reload (localStorage, per form). */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root || !window.FormEditorJs) { return; }
  var cfg = JSON.parse(document.getElementById("editor-data").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var statusEl = document.getElementById("editor-status");
  var noteEl = document.getElementById("note");
  var idEl = document.getElementById("form-id");
  var problemsEl = document.getElementById("problems");
  var draftNotice = document.getElementById("draft-notice");
  var draftStatus = document.getElementById("draft-status");
  var draftKey = "bpmn-server.editor.draft." + cfg.draft;
  var editor = window.FormEditorJs.create(root);
  root.formEditor = editor;  // for the browser tests
  var pending = null;
  var leaving = false;

  function blank() {
    return { type: "default", id: "Form_" + Math.random().toString(36).slice(2, 9), components: [],
             schemaVersion: 19, exporter: { name: "bpmn-server", version: "1" } };
  }

  function say(text, state) {
    statusEl.textContent = text;
    if (state) { root.dataset.state = state; }
  }

  /* The schema as it will be deployed: the id typed in the bar wins. */
  function schema() {
    var out = editor.saveSchema();
    if (idEl.value.trim()) { out.id = idEl.value.trim(); }
    return out;
  }

  function saveDraft() {
    if (leaving) { return; }
    try {
      window.localStorage.setItem(draftKey, JSON.stringify({ schema: schema(), note: noteEl.value, saved_at: new Date().toISOString() }));
      draftStatus.textContent = "Draft kept in this browser (" + new Date().toLocaleTimeString() + ")";
    } catch (e) { draftStatus.textContent = "The draft could not be kept in this browser: " + e.message; }
  }

  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(saveDraft, 300);
  }

  function dropDraft() {
    window.clearTimeout(pending);
    try { window.localStorage.removeItem(draftKey); } catch (e) { /* private mode: nothing kept */ }
    draftNotice.hidden = true;
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
    return found;
  }

  function showProblems(body) {
    problemsEl.querySelector("h2").textContent = body.title || "The form cannot be deployed";
    problemsEl.querySelector(".detail").textContent = body.detail || "";
    var list = problemsEl.querySelector("ul");
    list.textContent = "";
    (body.errors || []).forEach(function (e) {
      var li = document.createElement("li");
      var name = e.element || e.field;
      if (name) {
        var code = document.createElement("code");
        code.className = "element";
        code.textContent = name;
        li.appendChild(code);
        li.appendChild(document.createTextNode(" "));
        li.dataset.field = name;
        li.tabIndex = 0;
        li.addEventListener("click", function () { reveal(name); });
        li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { reveal(name); } });
      }
      li.appendChild(document.createTextNode(e.message || ""));
      list.appendChild(li);
    });
    problemsEl.hidden = false;
  }

  function send(url, extra) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(Object.assign({ schema: schema() }, extra || {}))
    }).then(function (r) {
      if ((r.headers.get("Content-Type") || "").indexOf("application/json") < 0) {
        return { status: r.status, body: { title: "The server answered " + r.status, detail: r.status === 403 ? "reload the page and try again" : "", errors: [] } };
      }
      return r.json().then(function (b) { return { status: r.status, body: b }; });
    });
  }

  function busy(on) {
    document.getElementById("validate").disabled = on;
    document.getElementById("deploy").disabled = on;
  }

  /* Local problems first (nothing is sent), then the server's. */
  function check(url, extra, done) {
    var local = localProblems();
    if (local.length) {
      showProblems({ title: "The form has problems", detail: "fix them before it is deployed", errors: local });
      say(local.length + " problem(s): see the list.", "invalid");
      return Promise.resolve();
    }
    busy(true);
    return send(url, extra).then(function (res) {
      busy(false);
      done(res);
    }).catch(function (err) { busy(false); say("The server could not be asked: " + err.message, "failed"); });
  }

  function validate() {
    say("Checking with the server…", "checking");
    return check(cfg.validate_url, null, function (res) {
      if (res.status === 200 && res.body.valid) {
        problemsEl.hidden = true;
        say("No problems: a deploy would make a version of form " + schema().id + ".", "valid");
      } else {
        showProblems(res.body);
        say((res.body.errors || []).length + " problem(s): see the list.", "invalid");
      }
    });
  }

  function deploy() {
    say("Deploying…", "deploying");
    return check(cfg.deploy_url, { note: noteEl.value }, function (res) {
      if (res.status === 200 && res.body.location) {
        leaving = true;
        dropDraft();
        say(res.body.proposed ? "Proposed for approval." : "Deployed " + res.body.deployed + ".", "deployed");
        window.location.assign(res.body.location);
      } else {
        showProblems(res.body);
        say("Not deployed: " + (res.body.detail || res.body.title), "invalid");
      }
    });
  }

  function open() {
    var draft = null;
    try { draft = JSON.parse(window.localStorage.getItem(draftKey) || "null"); } catch (e) { draft = null; }
    if (draft && draft.schema) {
      draftNotice.querySelector("span").textContent = "Your unsaved draft from " +
        new Date(draft.saved_at).toLocaleString() + " was restored.";
      draftNotice.hidden = false;
      noteEl.value = draft.note || "";
      return draft.schema;
    }
    return cfg.schema || blank();
  }

  function syncId() {
    if (document.activeElement !== idEl) { idEl.value = editor.getSchema().id || ""; }
  }

  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("deploy").addEventListener("click", deploy);
  noteEl.addEventListener("input", later);
  idEl.addEventListener("change", function () {
    var form = editor.get("formFieldRegistry").getAll().filter(function (f) { return f.type === "default"; })[0];
    if (form && idEl.value.trim() && idEl.value.trim() !== form.id) {
      editor.get("modeling").editFormField(form, "id", idEl.value.trim());
    }
    later();
  });
  document.getElementById("download").addEventListener("click", function (ev) {
    var link = ev.currentTarget;
    var out = schema();
    link.href = URL.createObjectURL(new Blob([JSON.stringify(out, null, 2)], { type: "application/json" }));
    link.download = (out.id || "form") + ".form";
  });
  document.getElementById("draft-discard").addEventListener("click", function () { dropDraft(); window.location.reload(); });
  editor.on("commandStack.changed", function (event) {
    syncId();
    if (event.trigger !== "clear") { later(); }
  });

  editor.importSchema(open()).then(function () {
    syncId();
    busy(false);
    say(cfg.version ? "Editing a copy of v" + cfg.version + ": a deploy makes a new version." : "A new form: drag fields from the palette.", "ready");
  }).catch(function (err) { say("The form cannot be opened: " + (err.message || err), "failed"); });
})();
