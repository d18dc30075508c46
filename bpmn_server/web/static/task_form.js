/* The task page's Camunda Form (templates/web/task.html): the bpmn.io form viewer (window.FormViewerJs,
   static/vendor/form-js-viewer) renders the form's schema in place of the server-rendered inputs, checks what is
   typed as the form says, and posts its data as JSON in the `form_js` field of the page's own completion form
   (CSRF token and comment included). The server validates it again against the same schema: a refusal comes
   back as the page with the messages listed above the form. Without JavaScript, or if the viewer cannot render
   the form, the server-rendered inputs stay. */
(function () {
  "use strict";
  var box = document.getElementById("form-js");
  var source = document.getElementById("form-js-data");
  if (!box || !source || !window.FormViewerJs) { return; }
  var taskForm = box.closest("form");
  var out = document.getElementById("form-js-data-out");
  var serverFields = document.getElementById("server-fields");
  var errors = document.getElementById("form-errors");
  var given = JSON.parse(source.textContent);
  var viewer = window.FormViewerJs.create(box);
  box.formViewer = viewer;  // for the browser tests
  var ready = false;

  viewer.importSchema(given.schema, given.data || {}).then(function () {
    ready = true;
    box.hidden = false;
    if (errors) { errors.hidden = false; }
    if (serverFields) {
      serverFields.hidden = true;
      // Their inputs are not posted: the viewer's data is what the server reads.
      serverFields.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = true; });
    }
    out.disabled = false;
    box.dataset.state = "ready";
  }).catch(function (err) {
    box.dataset.state = "failed";
    box.hidden = true;
    if (window.console) { window.console.warn("the form viewer could not render this form:", err); }
  });

  taskForm.addEventListener("submit", function (ev) {
    if (!ready) { return; }  // the server-rendered inputs are posted
    var result = viewer.submit();
    if (Object.keys(result.errors || {}).length) {
      ev.preventDefault();
      box.dataset.state = "invalid";
      var first = box.querySelector(".fjs-has-errors input, .fjs-has-errors select, .fjs-has-errors textarea");
      if (first) { first.focus(); }
      return;
    }
    out.value = JSON.stringify(result.data || {});
  });
})();
