/* rex publish: a published page's controls and address. Each <select> option holds the address of
   the view it opens (rexlib/app/publish.py, controls_html): a change goes there. The address bar shows
   the view as the query string users share (/mineral_profile/?mineral=gallium&year=2024), which
   rex serve answers server-side and any static host through rex_route.js. */
(function () {
  "use strict";
  var page = window.REX_PAGE || {};
  var state = window.__rexSite = { navigations: 0 };
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.classList || !select.classList.contains("rex-go")) { return; }
    var href = select.value;
    if (href) { state.navigations += 1; window.location.href = href; }
  });
  var main = document.querySelector("main");
  if (window.REX_UNPUBLISHED && main) {
    var note = document.createElement("div");
    note.className = "rex-msg rex-msg-info";
    var link = "../voila/render/" + page.app + ".ipynb" + window.REX_UNPUBLISHED + "&live=1";
    note.innerHTML = "The view this address asks for is not published as a page (below: this page's own view). " +
      '<a href="' + link.replace(/"/g, "&quot;") + '">Open the view you asked for in the live app</a>.';
    main.insertBefore(note, main.firstChild);
    return;
  }
  var path = location.pathname + location.search + location.hash;
  if (page.app && location.protocol !== "file:") {
    path = location.pathname.replace(/[^\/]*$/, "") + (page.query ? "?" + page.query : "") + location.hash;
    if (path !== location.pathname + location.search + location.hash) {
      history.replaceState(history.state, "", path);
    }
  }
  document.querySelectorAll(".rex-share-url").forEach(function (input) {
    input.value = location.protocol === "file:" ? location.href : location.origin + path;
  });
})();
