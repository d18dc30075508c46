/* What the three editor pages (templates/web/editor_base.html: the diagram, decision table and form editors) do
   alike, so that each editor script keeps only its own modeler, file and checks: the page's data, the status
   line, a local draft that survives a reload (localStorage, per file), JSON posts carrying the CSRF token, the
   problem+json list naming elements or fields, validate and deploy (or propose) with a change note, Download.
   A plain script, as the pages load no bundler: it defines window.EditorPage and nothing else. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  /* A list entry that a click or Enter acts on (the problem list's entries reveal their element). */
  function clickable(li, act) {
    li.tabIndex = 0;
    li.addEventListener("click", act);
    li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { act(); } });
  }

  /* The page of one editor. `how` is what the editor script hands over, its file either as XML:
       modeler         a bpmn-js or dmn-js modeler: the file is its XML (saveXML)
       filename()      the file's name in a post
     or as anything else:
       payload()       the JSON body a check or deploy posts for the file as it is now (a value or a promise)
       draft()         what the draft keeps of the file, e.g. {schema: ...} (a value or a promise)
     and
       valid(body)     what the server's "valid" answer would make, e.g. "order v2 (new)"
       title           the problem panel's title when the server gives none
       where           where the problems are shown, after "N problem(s): " (default "see the list.")
       item(li, e)     optional: make the problem entry `li` of error `e` reveal its element
       local()         optional: problems found before anything is sent, as a problem body, or null
       showProblems(body), clearProblems()   optional: replace the list's own (the diagram marks elements)
       buttons         optional: ids of more buttons disabled while the server is asked */
  function create(root, how) {
    var cfg = JSON.parse(byId("editor-data").textContent);
    var csrf = document.querySelector("meta[name=csrf-token]").content;
    var statusEl = byId("editor-status");
    var noteEl = byId("note");
    var problemsEl = byId("problems");
    var draftNotice = byId("draft-notice");
    var draftStatus = byId("draft-status");
    var draftKey = "bpmn-server.editor.draft." + cfg.draft;
    var pending = null;  // the timer of the next draft save
    var leaving = false;  // deployed: keep no draft from here on

    function xml() {
      return how.modeler.saveXML({ format: true }).then(function (out) { return out.xml; });
    }
    var payload = how.payload || function () {
      return xml().then(function (text) { return { xml: text, filename: how.filename() }; });
    };
    var draft = how.draft || function () { return xml().then(function (text) { return { xml: text }; }); };

    function say(text, state) {
      statusEl.textContent = text;
      if (state) { root.dataset.state = state; }
    }

    function busy(on) {
      ["validate", "deploy"].concat(how.buttons || []).forEach(function (id) { byId(id).disabled = on; });
    }

    function saveDraft() {
      if (leaving) { return; }
      var kept;
      try { kept = draft(); } catch (e) { draftStatus.textContent = "The draft could not be kept in this browser: " + e.message; return; }
      Promise.resolve(kept).then(function (file) {
        if (leaving) { return; }
        try {
          window.localStorage.setItem(draftKey, JSON.stringify(Object.assign(file, { note: noteEl.value, saved_at: new Date().toISOString() })));
          draftStatus.textContent = "Draft kept in this browser (" + new Date().toLocaleTimeString() + ")";
        } catch (e) { draftStatus.textContent = "The draft could not be kept in this browser: " + e.message; }
      });
    }

    /* Each change renews the draft, 300 ms after the last one. */
    function later() {
      window.clearTimeout(pending);
      pending = window.setTimeout(saveDraft, 300);
    }

    function dropDraft() {
      window.clearTimeout(pending);
      try { window.localStorage.removeItem(draftKey); } catch (e) { /* private mode: nothing kept */ }
      draftNotice.hidden = true;
    }

    /* The draft's `field` (its file) when one is kept, said on the page with its note restored; else null. */
    function restoreDraft(field) {
      var draft = null;
      try { draft = JSON.parse(window.localStorage.getItem(draftKey) || "null"); } catch (e) { draft = null; }
      if (!draft || !draft[field]) { return null; }
      draftNotice.querySelector("span").textContent = "Your unsaved draft from " +
        new Date(draft.saved_at).toLocaleString() + " was restored.";
      draftNotice.hidden = false;
      noteEl.value = draft.note || "";
      return draft[field];
    }

    /* A JSON post with the page's CSRF token; an answer that is not JSON (a proxy's page, a 403 of an expired
       session) becomes a problem body too. */
    function send(url, body) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
        body: JSON.stringify(body)
      }).then(function (r) {
        if ((r.headers.get("Content-Type") || "").indexOf("application/json") < 0) {
          return { status: r.status, body: { title: "The server answered " + r.status, detail: r.status === 403 ? "reload the page and try again" : "", errors: [] } };
        }
        return r.json().then(function (b) { return { status: r.status, body: b }; });
      });
    }

    /* The server's answer in the problem panel: a title, a detail and one entry an error, naming its line and its
       element or field. */
    function listProblems(body, title, item) {
      problemsEl.querySelector("h2").textContent = body.title || title;
      problemsEl.querySelector(".detail").textContent = body.detail || "";
      var list = problemsEl.querySelector("ul");
      list.textContent = "";
      (body.errors || []).forEach(function (e) {
        var li = document.createElement("li");
        if (e.line) { var line = document.createElement("span"); line.className = "line"; line.textContent = "line " + e.line + " "; li.appendChild(line); }
        if (e.element || e.field) {
          var code = document.createElement("code");
          code.className = "element";
          code.textContent = e.element || e.field;
          li.appendChild(code);
          li.appendChild(document.createTextNode(" "));
        }
        li.appendChild(document.createTextNode(e.message || ""));
        if (item) { item(li, e); }
        list.appendChild(li);
      });
      problemsEl.hidden = false;
    }

    var showProblems = how.showProblems || function (body) { listProblems(body, how.title, how.item); };
    var clearProblems = how.clearProblems || function () { problemsEl.hidden = true; };

    /* Local problems first (nothing is sent), then the server's answer to the file's payload. */
    function ask(url, extra, failure, done) {
      var local = how.local ? how.local() : null;
      if (local) {
        showProblems(local);
        say(local.errors.length + " problem(s): " + (how.where || "see the list."), "invalid");
        return Promise.resolve();
      }
      busy(true);
      return Promise.resolve().then(payload).then(function (body) {
        return send(url, Object.assign(body, extra || {}));
      }).then(function (res) {
        busy(false);
        done(res);
      }).catch(function (err) { busy(false); say(failure + err.message, "failed"); });
    }

    function validate() {
      say("Checking with the server…", "checking");
      return ask(cfg.validate_url, null, "The check failed: ", function (res) {
        if (res.status === 200 && res.body.valid) {
          clearProblems();
          say("No problems: a deploy would make " + how.valid(res.body) + ".", "valid");
        } else {
          showProblems(res.body);
          say((res.body.errors || []).length + " problem(s): " + (how.where || "see the list."), "invalid");
        }
      });
    }

    function deploy() {
      say("Deploying…", "deploying");
      return ask(cfg.deploy_url, { note: noteEl.value }, "The deploy failed: ", function (res) {
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

    byId("validate").addEventListener("click", validate);
    byId("deploy").addEventListener("click", deploy);
    noteEl.addEventListener("input", later);
    byId("draft-discard").addEventListener("click", function () { dropDraft(); window.location.reload(); });

    return {
      cfg: cfg,
      root: root,
      say: say,
      xml: xml,
      busy: busy,
      later: later,
      send: send,
      restoreDraft: restoreDraft,
      listProblems: listProblems,
      clickable: clickable,
      /* A modeler's commandStack.changed: each change of the file (not the import of one, whose "clear" is no
         change) renews the draft. */
      changed: function (event) { if (event.trigger !== "clear") { later(); } },
      /* The file opened: the buttons work and the status says what is edited (`fresh`: of a new file). */
      ready: function (fresh) {
        busy(false);
        say(cfg.version ? "Editing a copy of v" + cfg.version + ": a deploy makes a new version." : fresh, "ready");
      },
      /* The file could not be opened (`what`: "The diagram"...): said, and the editor marked failed. */
      failed: function (what) {
        return function (err) { say(what + " cannot be opened: " + (err.message || err), "failed"); };
      },
      /* The Download link hands over file(): {text, type, name}, or a promise of it (then the link is clicked
         again once the file is there). */
      download: function (file) {
        var link = byId("download");
        link.addEventListener("click", function (ev) {
          if (link.dataset.ready) { delete link.dataset.ready; return; }
          var got = file();
          var put = function (f) {
            link.href = URL.createObjectURL(new Blob([f.text], { type: f.type }));
            link.download = f.name;
          };
          if (typeof got.then !== "function") { put(got); return; }
          ev.preventDefault();
          got.then(function (f) { put(f); link.dataset.ready = "1"; link.click(); });
        });
      }
    };
  }

  window.EditorPage = { create: create };
})();
