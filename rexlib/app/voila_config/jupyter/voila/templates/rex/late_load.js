/* rex: run "load" listeners that are added after the page has loaded.
   Voila's front end (voila.js) starts the app - loads the widget manager, connects to the kernel -
   from a window "load" listener that one of its asynchronously loaded chunks registers. When the
   page has already fired "load" by the time that chunk runs, the listener never fires: the page
   keeps its static first view and never connects to its kernel, with no error anywhere. Seen with
   20 visitors at once on pages whose HTML came complete from a preheated kernel. Here a "load"
   listener added after "load" is called once, on the next turn of the event loop. */
(function () {
  if (window.__rexLateLoad) { return; }
  window.__rexLateLoad = { fired: false, late: 0 };
  var state = window.__rexLateLoad;
  var add = window.addEventListener;
  add.call(window, "load", function () { state.fired = true; });
  window.addEventListener = function (type, listener, options) {
    if (type === "load" && state.fired && listener) {
      state.late += 1;
      var handler = typeof listener === "function" ? listener : listener.handleEvent.bind(listener);
      setTimeout(function () { handler.call(window, new Event("load")); }, 0);
      return undefined;
    }
    return add.call(this, type, listener, options);
  };
})();
