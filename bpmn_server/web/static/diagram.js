/* Draw each [data-diagram] block with bpmn-js and put the server's overlays on it.
   The block's JSON (a <script type="application/json"> beside it) gives the XML or where to fetch it,
   CSS markers per element and small badges (counts, problems). Files without a layout get one from
   bpmn-auto-layout (static/vendor/bpmn-auto-layout, built from web/vendor-src). */
(function () {
  "use strict";
  var POSITIONS = {
    active: { top: -12, right: 8 },
    done: { bottom: 8, left: -12 },
    compensated: { bottom: 8, right: 8 },
    incident: { top: -12, left: -12 },
    error: { bottom: -8, left: 0 },
    heat: { bottom: -10, left: 0 }
  };

  function fail(el, message) {
    el.dataset.state = "failed";
    el.textContent = "The diagram cannot be drawn: " + message;
    el.classList.add("failed");
  }

  function draw(el) {
    var data = JSON.parse(document.getElementById(el.dataset.diagram).textContent);
    el.textContent = "";
    var viewer = new window.BpmnJS({ container: el });
    el.bpmnViewer = viewer;  // for the browser tests: where each shape and flow was drawn
    var xml = data.xml ? Promise.resolve(data.xml) : fetch(data.xml_url, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("the server answered " + r.status); }
        return r.text();
      });
    // A file without a layout (no BPMNDI shapes) is laid out here by bpmn-auto-layout, lanes included.
    xml.then(function (text) {
      if (/BPMNShape[\s>]/.test(text) || !window.BpmnAutoLayout) { return text; }
      el.dataset.layout = "generated";
      return window.BpmnAutoLayout.layout(text);
    }).then(function (text) { return viewer.importXML(text); }).then(function () {
      var canvas = viewer.get("canvas");
      var overlays = viewer.get("overlays");
      var registry = viewer.get("elementRegistry");
      // Fit, never larger than life, with a margin for the badges around the edges.
      canvas.zoom("fit-viewport", "auto");
      canvas.zoom(Math.min(canvas.zoom(), 1) * 0.88, "auto");
      Object.keys(data.markers || {}).forEach(function (id) {
        if (!registry.get(id)) { return; }
        data.markers[id].forEach(function (m) { canvas.addMarker(id, "m-" + m); });
      });
      (data.badges || []).forEach(function (b) {
        if (!registry.get(b.element)) { return; }
        var div = document.createElement("div");
        div.className = "badge badge-" + b.kind;
        div.textContent = b.text;
        div.title = b.title || "";
        overlays.add(b.element, b.kind, { position: POSITIONS[b.kind] || POSITIONS.active, html: div });
      });
      // The heat map: an activity with instances there links to the list of them.
      Object.keys(data.links || {}).forEach(function (id) {
        var gfx = registry.get(id) && registry.getGraphics(id);
        if (!gfx) { return; }
        gfx.setAttribute("data-href", data.links[id]);
        var tip = document.createElementNS("http://www.w3.org/2000/svg", "title");
        tip.textContent = id + ": list its instances";
        gfx.insertBefore(tip, gfx.firstChild);
      });
      if (data.links) {
        viewer.get("eventBus").on("element.click", function (event) {
          var href = data.links[event.element.id];
          if (href) { window.location.assign(href); }
        });
      }
      el.dataset.state = "ready";
    }).catch(function (err) { fail(el, err.message || String(err)); });
  }

  if (!window.BpmnJS) { return; }
  document.querySelectorAll("[data-diagram]").forEach(draw);
})();
