/* rex: interactive charts, the view's URL, and chart downloads in the Voila apps.

   Every chart section (rexlib/charts/base.py, chart_block) holds its static SVG, the Vega-Lite spec
   it was drawn from (<script type="application/json" class="rex-spec">) and PNG/SVG buttons. This
   script, loaded by the rex template:
   - draws each spec with vega-embed (tooltips, clicks, the export menu) in place of its static SVG,
     from rex-vega.js (Vega, Vega-Lite and vega-embed written out of the local vl-convert
     installation; see rexlib/app/ui/common.py, ensure_assets) - nothing is fetched from the network;
     the static SVG stays the first view, and stays the view when the bundle is not there; charts
     after the first screen come as a placeholder (.rex-chart-pending) that only this script draws
     (the kernel spends no time on their SVG: rexlib/app/ui/common.py, browser_draws);
   - widens each chart to its section (the spec's width, not a scaled picture), and draws it again
     after the window is resized by more than a tenth;
   - follows a mark's link (usermeta.rex.link, e.g. "mineral_profile.ipynb?mineral={mineral_id}");
   - keeps the address bar in sync with the controls: the app writes its URL state into
     .rex-live .rex-state[data-query] on every refresh; this calls history.replaceState with it and
     fills the "Link to this view" box; the tab's title follows the view the same way;
   - downloads a static chart as SVG or PNG (the buttons show only where this script runs).
   window.__rexInteractive records what happened (benchmarks/voila_ttfc.py and tests read it). */
(function () {
  "use strict";
  if (window.__rexInteractive) { return; }
  var state = window.__rexInteractive = {
    bundle: null, bundleMs: null, upgraded: 0, adopted: 0, failed: 0, firstMs: null, liveFirstMs: null, errors: [],
    charts: [],     // [name, ms the embed took, ms since navigation when done] of the first ten
    refits: [],     // [plot width drawn, fitted, drawn SVG width, section width, resized] of the first ten placeholders
    redrawn: 0      // charts put back to a placeholder after a window resize (drawn again at the new width)
  };
  document.documentElement.classList.add("rex-js");

  var script = document.currentScript;
  var STATIC = script && script.src ? script.src.replace(/[^/]*$/, "") : "";
  var MAX_WIDTH = 1240;        // px: wider charts stop reading as one picture
  var MAX_MAP_HEIGHT = 560;
  var EMBED_OPTIONS = {
    renderer: "svg", mode: "vega-lite",
    actions: { "export": true, source: false, compiled: false, editor: false },
    i18n: { PNG_ACTION: "Download PNG", SVG_ACTION: "Download SVG" }
  };

  // ------------------------------------------------------------- the bundle and named datasets
  var vegaPromise = null;
  function loadVega() {
    if (!vegaPromise) {
      vegaPromise = new Promise(function (resolve, reject) {
        if (window.vegaEmbed) { resolve(window.vegaEmbed); return; }
        var tag = document.createElement("script");
        tag.type = "module";      // its top-level declarations stay out of the page's global scope
        tag.src = STATIC + "rex-vega.js";
        tag.onload = function () {
          if (window.vegaEmbed) { state.bundle = "loaded"; state.bundleMs = Math.round(performance.now()); resolve(window.vegaEmbed); } else { reject(new Error("rex-vega.js defined no vegaEmbed")); }
        };
        tag.onerror = function () { state.bundle = "missing"; reject(new Error("rex-vega.js not available")); };
        document.head.appendChild(tag);
      });
    }
    return vegaPromise;
  }

  var datasetPromises = {};
  function loadDatasets(names) {
    return Promise.all((names || []).map(function (name) {
      if (!datasetPromises[name]) {
        datasetPromises[name] = fetch(STATIC + "datasets/" + encodeURIComponent(name) + ".json", { credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error(name + ": HTTP " + r.status); } return r.json(); });
      }
      return datasetPromises[name].then(function (value) { return [name, value]; });
    })).then(function (pairs) {
      var out = {};
      pairs.forEach(function (p) { out[p[0]] = p[1]; });
      return out;
    });
  }

  // ------------------------------------------------------------- fitting a spec to its section
  function isMap(unit) {
    if (unit.projection) { return true; }
    return (unit.layer || []).some(function (l) { return l.projection || (l.mark && (l.mark === "geoshape" || l.mark.type === "geoshape")); });
  }

  function facetColumns(spec, unit) {
    var f = unit.facet && unit.facet.column && unit.facet.column.field;
    var values = (unit.data && unit.data.values) || (spec.data && spec.data.values) || [];
    if (!f) { return 1; }
    var seen = {};
    values.forEach(function (row) { seen[row[f]] = true; });
    return Math.max(1, Object.keys(seen).length);
  }

  /* The static SVG is drawn at the spec's own width; the section may be wider or narrower. Change
     the plot's width by the difference (axis labels and legends keep their size), maps keep their
     aspect ratio. */
  function fit(spec, available, drawnWidth) {
    if (!available || !drawnWidth) { return; }
    var target = Math.min(available - 4, MAX_WIDTH);
    var delta = target - drawnWidth;
    if (Math.abs(delta) < 16) { return; }
    var unit = spec.vconcat && spec.vconcat.length === 1 ? spec.vconcat[0] : spec;
    if (typeof unit.width === "number") {
      var width = Math.max(160, Math.round(unit.width + delta));
      if (isMap(unit) && typeof unit.height === "number") {
        unit.height = Math.min(MAX_MAP_HEIGHT, Math.round(unit.height * width / unit.width));
      }
      unit.width = width;
    } else if (unit.facet && unit.spec && typeof unit.spec.width === "number") {
      unit.spec.width = Math.max(120, Math.round(unit.spec.width + delta / facetColumns(spec, unit)));
    }
  }

  /* A chart that came as a placeholder (no static SVG to measure) is drawn at its spec's size, then
     fitted the same way by setting the size signals of the drawn view (no second parse). */
  function sizes(spec) {
    // the plot's size and the Vega signals Vega-Lite compiles it to (checked with vl-convert's
    // vegalite_to_vega): a unit's "width"/"height", a one-view vconcat's "width"/"childHeight". A
    // facet's panels ("child_width", "concat_0_child_width") keep their layout when the signal is
    // set (measured: 739 px before and after), so a facet is drawn again with the fitted spec.
    var concat = spec.vconcat && spec.vconcat.length === 1;
    var unit = concat ? spec.vconcat[0] : spec;
    var facet = !!(unit.facet && unit.spec);
    var inner = facet ? unit.spec : unit;
    var signals = concat ? { width: ["width"], height: ["childHeight", "height"] } : { width: ["width"], height: ["height"] };
    return { width: inner.width, height: inner.height, signals: signals, facet: facet };
  }
  function refit(result, spec, available, redraw) {
    var svg = target0(result);
    var before = sizes(spec);
    fit(spec, available, svg ? parseFloat(svg.getAttribute("width")) : 0);
    var after = sizes(spec), changed = false;
    if (after.facet) {
      changed = after.width !== before.width;
      note(before, after, svg, available, changed);
      if (!changed) { return result; }
      result.view.finalize();
      return redraw(spec);
    }
    ["width", "height"].forEach(function (dim) {
      if (typeof after[dim] !== "number" || after[dim] === before[dim]) { return; }
      for (var i = 0; i < after.signals[dim].length; i += 1) {
        try { result.view.signal(after.signals[dim][i]); } catch (error) { continue; }
        result.view.signal(after.signals[dim][i], after[dim]);
        changed = true;
        return;
      }
    });
    note(before, after, svg, available, changed);
    return changed ? result.view.runAsync().then(function () { return result; }) : result;
  }
  function note(before, after, svg, available, changed) {
    if (state.refits.length < 10) { state.refits.push([before.width, after.width, svg ? parseFloat(svg.getAttribute("width")) : null, available, changed]); }
  }
  function target0(result) {
    var container = result.view.container();
    return container ? container.querySelector("svg") : null;
  }

  // ------------------------------------------------------------- links from marks
  function fillLink(template, datum) {
    var missing = false;
    var url = template.replace(/\{([A-Za-z0-9_]+)\}/g, function (_, name) {
      var value = datum ? datum[name] : undefined;
      if (value === undefined || value === null || value === "") { missing = true; return ""; }
      return encodeURIComponent(String(value));
    });
    return missing ? null : url;
  }

  /* Vega's SVG renderer points gradients and clip paths at "url(<page address>#gradient_3)". Once
     history.replaceState has changed the address, that is another document and Chromium paints
     nothing (colour legends went blank after a URL change). Same-document references do not care. */
  function localRefs(root) {
    var marks = (root || document).querySelectorAll(".rex-vega [fill^='url('], .rex-vega [stroke^='url('], .rex-vega [clip-path^='url(']");
    for (var i = 0; i < marks.length; i += 1) {
      ["fill", "stroke", "clip-path"].forEach(function (name) {
        var value = marks[i].getAttribute(name);
        var hash = value ? value.indexOf("#") : -1;
        if (hash > 4 && value.slice(0, 4) === "url(") { marks[i].setAttribute(name, "url(" + value.slice(hash)); }
      });
    }
  }

  // ------------------------------------------------------------- upgrading a chart
  var views = [];          // {el, view}: finalized when their section is replaced
  var rendered = {};       // spec text -> {el, target, view} drawn in the static snapshot

  function isLive(el) { return !!el.closest(".rex-live"); }

  function wire(el, view, meta) {
    if (meta.link) {
      el.classList.add("rex-clickable");
      view.addEventListener("click", function (event, item) {
        var url = item && fillLink(meta.link, item.datum);
        // In a page of rex publish's site the app's folder answers the same query string.
        if (url && document.documentElement.hasAttribute("data-rex-site")) { url = url.replace(/^(\w+)\.ipynb\?/, "../$1/?"); }
        if (url) { window.location.href = url; }
      });
    }
  }

  function done(el, view, live) {
    el.classList.add("rex-interactive");
    views.push({ el: el, view: view });
    state.upgraded += 1;
    var now = Math.round(performance.now());
    if (state.firstMs === null) { state.firstMs = now; }
    if (live && state.liveFirstMs === null) { state.liveFirstMs = now; }
  }

  function adopt(el, text, staticSvg) {
    // The live section shows the chart the snapshot already drew: move that view, do not redraw it.
    var entry = rendered[text];
    if (!entry || entry.el.isConnected === false || !entry.view) { return false; }
    delete rendered[text];
    staticSvg.replaceWith(entry.target);
    wire(el, entry.view, entry.meta);
    entry.el.classList.remove("rex-interactive");
    views = views.filter(function (v) { return v.view !== entry.view; });
    done(el, entry.view, true);
    state.adopted += 1;
    return true;
  }

  function upgrade(el) {
    if (el.__rexSeen) { return Promise.resolve(); }
    var specTag = el.querySelector(":scope > script.rex-spec");
    // The kernel's static SVG, or the placeholder of a chart only this script draws
    // (rexlib/charts/base.py, pending_svg: every chart after the first screen's).
    var staticSvg = el.querySelector(":scope > svg, :scope > .rex-chart-pending");
    if (!specTag || !staticSvg) { return Promise.resolve(); }
    var pending = staticSvg.classList.contains("rex-chart-pending");
    el.__rexSeen = true;
    var text = specTag.textContent;
    var live = isLive(el);
    if (live && adopt(el, text, staticSvg)) { return Promise.resolve(); }
    var spec, meta;
    try { spec = JSON.parse(text); } catch (error) { state.failed += 1; return Promise.resolve(); }
    meta = (spec.usermeta && spec.usermeta.rex) || {};
    return Promise.all([loadVega(), loadDatasets(meta.datasets)]).then(function (loaded) {
      if (!el.isConnected || !staticSvg.isConnected) { return; }
      if (!live && el.offsetParent === null) { el.__rexSeen = false; return; }   // a hidden snapshot
      var datasets = loaded[1];
      if (Object.keys(datasets).length) { spec.datasets = Object.assign({}, spec.datasets || {}, datasets); }
      var available = el.clientWidth;
      if (!pending) { fit(spec, available, parseFloat(staticSvg.getAttribute("width"))); }
      var target = document.createElement("div");
      target.className = "rex-vega";
      target.style.display = "none";
      el.insertBefore(target, staticSvg);
      var options = Object.assign({}, EMBED_OPTIONS, { downloadFileName: el.getAttribute("data-rex-name") || "chart" });
      var began = performance.now();
      var embed = loaded[0](target, spec, options);
      if (pending) {
        embed = embed.then(function (result) {
          return refit(result, spec, available, function (fitted) { target.textContent = ""; return loaded[0](target, fitted, options); });
        });
      }
      return embed.then(function (result) {
        if (state.charts.length < 10) {
          state.charts.push([el.getAttribute("data-rex-name"), Math.round(performance.now() - began), Math.round(performance.now())]);
        }
        if (!staticSvg.isConnected) { result.view.finalize(); return; }
        staticSvg.remove();
        localRefs(target);
        target.style.display = "";
        wire(el, result.view, meta);
        done(el, result.view, live);
        if (!live) { rendered[text] = { el: el, target: target, view: result.view, meta: meta }; }
      });
    }).catch(function (error) {
      state.failed += 1;
      if (pending && staticSvg.isConnected) {
        staticSvg.textContent = "This chart is drawn by your browser, and its drawing script did not load: reload the page.";
      }
      if (state.errors.length < 5) { state.errors.push(String(error && error.message || error)); }
    });
  }

  var queue = [];
  var running = false;
  function drain() {
    if (running) { return; }
    var el = queue.shift();
    if (!el) { return; }
    running = true;
    upgrade(el).then(function () {
      running = false;
      setTimeout(drain, 0);      // one chart per turn: the page stays responsive
    });
  }

  function scan() {
    var charts = document.querySelectorAll(".rex-chart");
    // Live charts first: once the widgets are up, the snapshot is hidden and not worth drawing.
    var live = [], snapshot = [];
    for (var i = 0; i < charts.length; i += 1) {
      var el = charts[i];
      if (el.__rexSeen || queue.indexOf(el) >= 0) { continue; }
      (isLive(el) ? live : snapshot).push(el);
    }
    queue = live.concat(queue.filter(isLive), snapshot, queue.filter(function (e) { return !isLive(e); }))
      .filter(function (e, i, all) { return all.indexOf(e) === i; });
    drain();
    views = views.filter(function (v) {
      if (v.el.isConnected) { return true; }
      try { v.view.finalize(); } catch (error) { /* already gone */ }
      return false;
    });
  }

  // ------------------------------------------------------------- the view's URL
  /* The browser tab's title: the view's name the app writes into data-rex-title (rexlib/app/ui/common.py,
     tab_title: the rule the published pages' <title> follows), the live app's over its first view's;
     in Voila the <title> is otherwise the notebook's name. */
  function syncTitle() {
    var titled = document.querySelectorAll(".rex-live [data-rex-title]");
    if (!titled.length) { titled = document.querySelectorAll("[data-rex-title]"); }
    if (!titled.length) { return; }
    var title = titled[titled.length - 1].getAttribute("data-rex-title");
    if (title && document.title !== title) { document.title = title; }
  }

  function syncState() {
    syncTitle();
    var states = document.querySelectorAll(".rex-live .rex-state[data-query]");
    if (!states.length) { return; }
    var query = states[states.length - 1].getAttribute("data-query");
    var path = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (path !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, "", path);
      localRefs(document);
    }
    var full = window.location.origin + path;
    document.querySelectorAll(".rex-live .rex-share-url").forEach(function (input) {
      if (input.value !== full) { input.value = full; }
    });
    state.query = query;
  }

  // ------------------------------------------------------------- copying and downloading
  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function downloadStatic(button) {
    var chart = button.closest(".rex-chart");
    var svg = chart && chart.querySelector(":scope > svg");
    if (!svg) { return; }
    var name = chart.getAttribute("data-rex-name") || "chart";
    var clone = svg.cloneNode(true);
    clone.removeAttribute("style");
    var text = new XMLSerializer().serializeToString(clone);
    var blob = new Blob([text], { type: "image/svg+xml" });
    if (button.getAttribute("data-format") === "svg") { save(blob, name + ".svg"); return; }
    var width = parseFloat(svg.getAttribute("width")), height = parseFloat(svg.getAttribute("height"));
    var image = new Image();
    var url = URL.createObjectURL(blob);
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(width * 2);
      canvas.height = Math.round(height * 2);
      var context = canvas.getContext("2d");
      context.scale(2, 2);
      context.drawImage(image, 0, 0, width, height);
      URL.revokeObjectURL(url);
      canvas.toBlob(function (png) { if (png) { save(png, name + ".png"); } }, "image/png");
    };
    image.src = url;
  }

  function copyLink(button) {
    var box = button.closest(".rex-share");
    var input = box && box.querySelector(".rex-share-url");
    if (!input) { return; }
    var show = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy link"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(show, function () { input.select(); });
    } else {
      input.select();
      try { document.execCommand("copy"); show(); } catch (error) { /* the text stays selected */ }
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) { return; }
    var button = target.closest(".rex-dl-chart");
    if (button) { event.preventDefault(); downloadStatic(button); return; }
    button = target.closest(".rex-copy-link");
    if (button) { event.preventDefault(); copyLink(button); }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.classList && event.target.classList.contains("rex-share-url")) { event.target.select(); }
  });

  // ------------------------------------------------------------- redrawing after a resize
  /* A chart is drawn to its section's width when it is drawn. After the window is resized by more
     than a tenth (a rotated phone, a maximised window), each drawn chart goes back to a placeholder,
     which scan() draws again at the new width, as a page loaded at that width draws it; the old
     element leaves the page, so its view is released. The published pages and the live apps run
     this same code (issue 25 fixed it for the published pages only). */
  var drawnWidth = window.innerWidth, resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      var width = window.innerWidth;
      if (Math.abs(width - drawnWidth) < drawnWidth / 10) { return; }
      drawnWidth = width;
      document.querySelectorAll(".rex-chart").forEach(function (el) {
        var drawn = el.querySelector(":scope > .rex-vega");
        if (!drawn || !el.querySelector(":scope > script.rex-spec")) { return; }
        var fresh = el.cloneNode(false);
        fresh.classList.remove("rex-interactive", "rex-clickable");     // until it is drawn again
        for (var child = el.firstElementChild; child; child = child.nextElementSibling) {
          if (child !== drawn) { fresh.appendChild(child.cloneNode(true)); continue; }
          var box = document.createElement("div");
          box.className = "rex-chart-pending";
          box.style.height = drawn.offsetHeight + "px";
          box.textContent = "Drawing the chart\u2026";
          fresh.appendChild(box);
        }
        el.replaceWith(fresh);
        state.redrawn += 1;
      });
    }, 250);
  });

  // ------------------------------------------------------------- watching the page
  var pending = false;
  function changed() {
    if (pending) { return; }
    pending = true;
    setTimeout(function () { pending = false; syncState(); scan(); }, 30);
  }
  new MutationObserver(changed).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-query", "data-rex-title"]
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", changed);
  } else {
    changed();
  }
})();
