/* nyckeltal: every page starts with a plotly.js bundle of the scatter and bar traces only
   (plotly-scatter-bar-*.min.js, ~0.3 MB brotli-compressed instead of ~1.1 MB). A figure with any other trace
   type (the maps on /karta, the sankey on /pendling) first loads Dash's full plotly.js once, which then
   replaces window.Plotly for every later chart. Rebuild the bundle: scripts/build-plotly-bundle.sh.

   Charts are drawn one at a time: a page's first chart is drawn at once, and each further chart
   asked for meanwhile waits until the browser has painted (the next animation frame), so the first
   chart is on screen without waiting for the charts below it. */
(function () {
  "use strict";
  var basic = window.Plotly;
  if (!basic || basic.nyckeltalLoader) {
    return;
  }
  var BASIC_TYPES = { scatter: true, bar: true }; // the traces in plotly-scatter-bar-*.min.js
  var loading = null;
  var waiting = []; // draws asked for while another one is being drawn in this frame
  var drawing = false;

  function needsFull(figure) {
    var data = Array.isArray(figure) ? figure : (figure && figure.data) || [];
    return data.some(function (trace) {
      return trace && trace.type && !BASIC_TYPES[trace.type];
    });
  }

  function loadFull() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = window._dashPlotlyJSURL || "_dash-component-suites/plotly/package_data/plotly.min.js";
        script.async = true;
        script.onload = function () {
          resolve(window.Plotly);
        };
        script.onerror = function () {
          loading = null;
          reject(new Error("the full plotly.js did not load: " + script.src));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function afterPaint(next) {
    // the next frame has been painted (or, in a hidden tab without frames, 100 ms have passed)
    var done = false;
    function once() {
      if (!done) {
        done = true;
        next();
      }
    }
    requestAnimationFrame(function () {
      setTimeout(once, 0);
    });
    setTimeout(once, 100);
  }

  function release() {
    drawing = false;
    var job = waiting.shift();
    if (job) {
      start(job);
    }
  }

  function start(job) {
    drawing = true;
    afterPaint(release);
    job();
  }

  function queued(draw) {
    return new Promise(function (resolve, reject) {
      var job = function () {
        try {
          Promise.resolve(draw()).then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      };
      if (drawing || waiting.length) {
        waiting.push(job);
      } else {
        start(job);
      }
    });
  }

  ["react", "newPlot"].forEach(function (name) {
    var original = basic[name];
    basic[name] = function (gd, figure) {
      var args = arguments;
      return queued(function () {
        if (!needsFull(figure)) {
          return original.apply(basic, args);
        }
        return loadFull().then(function (full) {
          return full[name].apply(full, args);
        });
      });
    };
  });
  basic.nyckeltalLoader = true;
})();
