/* The little JavaScript the pages use: confirm destructive forms, submit a filter on change, keep
   what was typed into a form across a failed post (an expired session, bad JSON), focus the first
   bad field after a form error, and fold long values with a "show all" toggle. */
(function () {
  "use strict";
  var KEPT = "bpmn-server.kept-form";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () { input.form.submit(); });
  });
  /* A header checkbox ticks or clears every row's checkbox of that name (the instances page's bulk form). */
  document.querySelectorAll("[data-pick-all]").forEach(function (all) {
    var boxes = function () { return document.querySelectorAll('input[type=checkbox][name="' + all.dataset.pickAll + '"]'); };
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
  });

  /* Keep the typed input of every changing form (not passwords, files or the CSRF token) in this
     tab's sessionStorage when it is sent. Back on the same page after a failure (an error message
     shows, or the login page came in between), the form is filled in again; any other page
     means the post went through, and the copy is dropped. */
  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  var store = storage();
  var here = location.pathname + location.search;

  function fieldsOf(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.disabled) { return; }
      if (el.type === "password" || el.type === "file" || el.type === "hidden" || el.type === "submit") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      out.push([el.name, el.value]);
    });
    return out;
  }

  function fill(form, fields) {
    var names = {};
    fields.forEach(function (pair) { (names[pair[0]] = names[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in names)) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = names[el.name].indexOf(el.value) >= 0;
      } else if (el.type !== "hidden" && el.type !== "file" && el.type !== "password") {
        el.value = names[el.name][0];
      }
    });
    var details = form.closest("details");
    if (details) { details.open = true; }
  }

  if (store) {
    document.querySelectorAll("form.change, form[data-keep-input]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }
        var fields = fieldsOf(form);
        if (!fields.length) { return; }
        store.setItem(KEPT, JSON.stringify({ page: here, action: form.getAttribute("action") || "", fields: fields }));
      });
    });
    var kept = null;
    try { kept = JSON.parse(store.getItem(KEPT) || "null"); } catch (e) { kept = null; }
    if (kept && document.querySelector("[data-keeps-input]")) {
      kept.again = true;  // the login page (or a refusal) came in between: fill in on the way back
      store.setItem(KEPT, JSON.stringify(kept));
    } else if (kept) {
      store.removeItem(KEPT);
      var failed = kept.again || document.querySelector(".flash-error");
      if (failed && kept.page === here) {
        document.querySelectorAll("form").forEach(function (form) {
          if ((form.getAttribute("action") || "") === kept.action) {
            fill(form, kept.fields);
            form.dataset.restored = "true";
          }
        });
      }
    }
  }

  /* After a form error: the first bad field has the focus (its message is tied to it). */
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) {
    var target = bad.tagName === "FIELDSET" ? bad.querySelector("input") : bad;
    if (target) { target.focus(); }
  }

  /* Long values fold to a few lines; "show all" opens them. */
  document.querySelectorAll("[data-fold]").forEach(function (block) {
    if (block.scrollHeight <= block.clientHeight + 4) { return; }
    block.classList.add("folded");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link fold-toggle";
    button.textContent = "show all";
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = block.classList.toggle("unfolded");
      button.textContent = open ? "show less" : "show all";
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    block.insertAdjacentElement("afterend", button);
  });
})();
