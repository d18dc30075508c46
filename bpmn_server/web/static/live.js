// Pages that refresh by themselves (issue 23). <main data-live="URL"> names a small JSON summary served
// with an ETag (web/views_live.py); it is polled every few seconds with If-None-Match (a 304 while
// nothing changed). When it changes, the page's <main> is fetched again and swapped in, unless the user
// is typing in it; a saved filter whose count grew, or a new task, is announced in #live-notice.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.live || !window.fetch) { return; }
  var url = main.dataset.live;
  var every = parseInt(main.dataset.liveEvery || "8000", 10);
  var etag = null, last = null, pending = false, stopped = false;
  var box = document.getElementById("live-notice");

  function typing() {
    var el = document.activeElement;
    return !!(el && main.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function notice(text) {
    if (!box) { return; }
    box.textContent = text + " ";
    var link = document.createElement("a");
    link.href = location.href;
    link.textContent = "Show";
    box.appendChild(link);
    box.hidden = false;
  }

  // What static/app.js attached at load, for the swapped-in content.
  function rebind() {
    main.querySelectorAll("[data-autosubmit]").forEach(function (input) {
      input.addEventListener("change", function () { input.form.submit(); });
    });
    main.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  function refresh() {
    if (typing()) { pending = true; return; }
    pending = false;
    fetch(location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (fresh && !typing()) {
          main.innerHTML = fresh.innerHTML;
          rebind();
        }
      })
      .catch(function () { /* the next poll tries again */ });
  }

  function compare(before, now) {
    var grown = [];
    (now.filters || []).forEach(function (f) {
      var old = (before.filters || []).filter(function (b) { return b.id === f.id; })[0];
      if (old && f.count > old.count) { grown.push("“" + f.name + "”"); }
    });
    if (grown.length) {
      notice("New task in " + grown.join(", ") + ".");
    } else if (now.newest && now.newest !== before.newest && now.open > before.open) {
      notice("A new task arrived.");
    }
  }

  function poll() {
    var headers = {"Accept": "application/json"};
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, {credentials: "same-origin", headers: headers, redirect: "manual"})
      .then(function (r) {
        if (r.status === 304) { return null; }
        if (!r.ok || r.type === "opaqueredirect") { stopped = true; return null; }  // logged out: stop
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (data) {
        if (data && last) {
          compare(last, data);
          refresh();
        } else if (pending) {
          refresh();
        }
        if (data) { last = data; }
      })
      .catch(function () { /* offline for a moment: keep polling */ })
      .then(function () { if (!stopped) { setTimeout(poll, document.hidden ? every * 4 : every); } });
  }

  poll();
}());
