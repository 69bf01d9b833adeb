/* nyckeltal: dcc.Graph and dcc.Dropdown are React.lazy components: on a page's first render they show an
   empty placeholder, and React shows the real control only in a later render once their code has
   resolved, which on /jamfor postponed the first chart by ~0.4 s. Their code is already on the page
   (dashboard/app.py loads dcc's graph and dropdown chunks with the page), so here, before Dash renders
   the layout, each is rendered once into a detached element: that resolves their lazy code, and the
   page's first render draws the real controls and charts at once. Nothing is drawn (the detached root is
   unmounted right away). */
(function () {
  "use strict";
  var NAMES = ["Graph", "Dropdown"];

  function warm() {
    var dcc = window.dash_core_components;
    var React = window.React;
    var ReactDOM = window.ReactDOM;
    if (!dcc || !React || !ReactDOM || !ReactDOM.createRoot || !ReactDOM.flushSync) {
      return;
    }
    NAMES.forEach(function (name) {
      if (!dcc[name]) {
        return;
      }
      var root = ReactDOM.createRoot(document.createElement("div"));
      try {
        ReactDOM.flushSync(function () {
          root.render(React.createElement(dcc[name], { id: "nyckeltal-warm-" + name.toLowerCase() }));
        });
      } catch (err) {
        // only a head start: Dash renders the component as usual either way
      }
      root.unmount();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", warm);
  } else {
    warm();
  }
})();
