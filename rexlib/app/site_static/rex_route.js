/* rex publish: the page's first script (in <head>). A published page answers the query-string links
   users share (?mineral=gallium&stage=refinery&year=2024) on any static host: when the address asks
   for another view than this page's, load views.js (query string -> file, written by rex publish)
   and replace this page with that view's file. A view that is not published is left to the live app
   (rex_site.js says so). rexlib/app/publish.py writes the same query form (query_key). */
(function () {
  "use strict";
  var page = window.REX_PAGE || {};
  function norm(search) {
    var last = {};
    new URLSearchParams(search).forEach(function (value, name) {
      if (name !== "live" && value.trim() !== "") { last[name] = value; }
    });
    return Object.keys(last).sort().map(function (name) {
      return encodeURIComponent(name) + "=" + encodeURIComponent(last[name]);
    }).join("&");
  }
  window.__rexNorm = norm;
  if (!location.search || norm(location.search) === page.query) { return; }
  var key = norm(location.search);
  window.__rexRoute = function () {
    var file = (window.REX_VIEWS || {})[key];
    if (file !== undefined) {
      document.documentElement.style.visibility = "hidden";
      location.replace(file + location.hash);
      return;
    }
    window.REX_UNPUBLISHED = location.search;
  };
  document.write('<script src="views.js"><\/script><script>window.__rexRoute();<\/script>');
})();
