/* rex: tell the server that this page is still open (rexlib/app/serve_app.py, KernelGuard).
   The server shuts down the kernel of a page that has neither a kernel websocket nor sent this
   heartbeat for a while: a tab that was closed without Voila's shutdown request (a crash, a killed
   browser, a tab closed before Voila's scripts ran). Once the page's kernel id is known (the
   jupyter-config-data element, written early in the body), a beacon every 10 s. */
(function () {
  if (window.__rexAlive) { return; }
  var state = window.__rexAlive = { beats: 0 };
  function config() {
    var el = document.getElementById("jupyter-config-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }
  function beat() {
    var c = config();
    if (!c || !c.kernelId) { setTimeout(beat, 300); return; }
    try {
      if (navigator.sendBeacon((c.baseUrl || "/") + "voila/rex/alive/" + c.kernelId)) { state.beats += 1; }
    } catch (e) { /* the next beat tries again */ }
    setTimeout(beat, 10000);
  }
  setTimeout(beat, 0);
})();
