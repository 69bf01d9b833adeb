/* nyckeltal: every chart's title wrapped to the width the chart has.
 *
 * The server wraps each title to fit a 320 px phone (dashboard/annotations.title_block: words in lines of at
 * most TITLE_CHARS characters joined by <br>, the title's bottom pad and the top margin made for that many
 * lines). On a wide screen that left a short title broken over three lines. After each draw of a chart
 * (plotly_afterplot: the first draw, a new figure from the server, a resize) its title is wrapped again here
 * to the chart's own width, measured in the title's own font, and the pad and the top margin grow or shrink
 * by one title line (TITLE_LINE_PX, 21 px) per line gained or lost, so the title keeps standing on the plot
 * above its break markers. Only titles made by title_block are touched (left at the container's edge, standing
 * on the plot area, with a pad). Words are never split: a word wider than the chart keeps a line of its own.
 *
 * Served from /assets, so it runs under the page's Content-Security-Policy (script-src 'self').
 */
(function () {
  'use strict';
  var LINE_PX = 21; // dashboard/annotations.py TITLE_LINE_PX
  var EDGE_PX = 32; // room kept at the chart's edges (the title's 4 px left pad, the modebar's corner)
  var measure = document.createElement('canvas').getContext('2d');

  function madeByTitleBlock(title) {
    return !!title && typeof title.text === 'string' && title.text !== '' && title.xref === 'container' &&
      title.yref === 'paper' && !!title.pad && typeof title.pad.b === 'number';
  }

  function wrap(words, width, font) {
    measure.font = font;
    var lines = [];
    words.forEach(function (word) {
      var longer = lines.length ? lines[lines.length - 1] + ' ' + word : null;
      if (longer !== null && measure.measureText(longer).width <= width) {
        lines[lines.length - 1] = longer;
      } else {
        lines.push(word);
      }
    });
    return lines;
  }

  function fit(gd) {
    var layout = gd.layout;
    var full = gd._fullLayout;
    if (!layout || !full || !full.width || !madeByTitleBlock(layout.title) || !window.Plotly) { return; }
    var shown = gd.querySelector('.gtitle');
    if (!shown) { return; }
    var style = window.getComputedStyle(shown);
    var before = layout.title.text.split('<br>');
    var words = before.join(' ').split(/\s+/).filter(Boolean);
    var lines = wrap(words, full.width - EDGE_PX, style.fontSize + ' ' + style.fontFamily);
    var text = lines.join('<br>');
    if (text === layout.title.text) { return; }
    var grown = LINE_PX * (lines.length - before.length);
    var update = { 'title.text': text, 'title.pad.b': layout.title.pad.b + grown };
    if (layout.margin && typeof layout.margin.t === 'number') { update['margin.t'] = layout.margin.t + grown; }
    window.Plotly.relayout(gd, update);
  }

  function watch(gd) {
    if (gd._ntTitleWatch || typeof gd.on !== 'function') { return; }
    gd._ntTitleWatch = true;
    gd.on('plotly_afterplot', function () { fit(gd); });
    window.requestAnimationFrame(function () { fit(gd); }); // drawn before it was watched
  }

  function watchAll() {
    document.querySelectorAll('.js-plotly-plot').forEach(watch);
  }

  function start() {
    watchAll();
    new MutationObserver(watchAll).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
