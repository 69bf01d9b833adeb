/* nyckeltal: accessibility repairs for Dash 4's option lists and dropdowns, and the skip link.
 *
 * Dash 4.4's dcc.Checklist / dcc.RadioItems render native checkboxes and radio buttons (good) but wrap
 * them in role="listbox" / role="option" elements without a name: a screen reader then hears a list of
 * options that contain further controls (axe: nested-interactive, aria-input-field-name). Here the list
 * becomes a named group (radiogroup for radio buttons) of plain labels around the native inputs.
 *
 * dcc.Dropdown puts keyboard focus first on an aria-hidden <input> that forwards it to the real trigger
 * button (axe: aria-hidden-focus), and names the button by its value only. Here the button itself is the
 * tab stop and is named "<field label> <value>".
 *
 * The field's visible label (.field-label in dashboard/components.py) names the control. Everything is
 * re-applied by a MutationObserver, because React re-renders these elements when their values change.
 * dcc.Slider's thumb and number box get the field's label, and the thumb its year as aria-valuetext (a year
 * slider's data-years at the thumb's position, else the value shown in the field's <output>);
 * a data table sent as one data-table attribute (JSON) is built here as a plain <table>;
 * window.dccFunctions.yearAt shows that year in the slider's tooltip. A scrolling .table-wrap becomes a focusable region named by its heading.
 *
 * Served from /assets, so it runs under the page's Content-Security-Policy (script-src 'self').
 */
(function () {
  'use strict';
  var counter = 0;

  function labelIdFor(el) {
    var field = el.closest('.field');
    var label = field && (field.querySelector('.field-label') || field.querySelector('label'));
    if (!label) { return null; }
    if (!label.id) { label.id = 'field-label-' + (++counter); }
    return label.id;
  }

  function fixOptionList(list) {
    var radio = list.classList.contains('dash-radioitems');
    var role = radio ? 'radiogroup' : 'group';
    if (list.getAttribute('role') !== role) { list.setAttribute('role', role); }
    var id = labelIdFor(list);
    if (id && list.getAttribute('aria-labelledby') !== id) { list.setAttribute('aria-labelledby', id); }
    list.querySelectorAll('.dash-options-list-option').forEach(function (opt) {
      if (opt.hasAttribute('role')) { opt.removeAttribute('role'); }
      if (opt.hasAttribute('aria-selected')) { opt.removeAttribute('aria-selected'); }
    });
  }

  function fixDropdownList(list) {
    // the open dropdown keeps Dash's listbox of options, named by the field. Known gap (statement page):
    // each option still holds a native radio button (axe: nested-interactive while the list is open)
    var id = labelIdFor(list);
    if (id && list.getAttribute('aria-labelledby') !== id) { list.setAttribute('aria-labelledby', id); }
  }

  function fixDropdown(wrapper) {
    var target = wrapper.querySelector(':scope > .dash-dropdown-focus-target');
    var button = wrapper.querySelector(':scope > button.dash-dropdown');
    if (!button) { return; }
    if (target) {
      if (target.tabIndex !== -1) { target.tabIndex = -1; }
    }
    if (!button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
    var id = labelIdFor(wrapper);
    var own = (button.getAttribute('aria-labelledby') || '').split(' ').filter(function (x) { return x && x !== id; });
    var want = (id ? [id] : []).concat(own).join(' ');
    if (want && button.getAttribute('aria-labelledby') !== want) { button.setAttribute('aria-labelledby', want); }
  }

  function fixSearch(root) {
    // the dropdown's search box: named like its placeholder, in the page's language
    root.querySelectorAll('input.dash-dropdown-search').forEach(function (input) {
      var text = document.documentElement.lang === 'en' ? 'Search' : 'Sök';
      if (input.getAttribute('aria-label') !== text) { input.setAttribute('aria-label', text); }
      if (input.getAttribute('placeholder') !== text) { input.setAttribute('placeholder', text); }
    });
  }

  function yearsOf(el) {
    // a year slider runs over positions 0..n-1 of its data years, listed in data-years (dashboard/pages/karta.py)
    var box = el && el.closest ? el.closest('[data-years]') : document.querySelector('[data-years]');
    var raw = box ? box.getAttribute('data-years') : '';
    return raw ? raw.split(',') : [];
  }

  // dcc.Slider's tooltip transform (tooltip={"transform": "yearAt"}): the year at a slider position
  window.dccFunctions = window.dccFunctions || {};
  window.dccFunctions.yearAt = function (position) {
    var years = yearsOf(null);
    var year = years[Math.round(Number(position))];
    return year === undefined ? position : year;
  };

  function fixSlider(thumb) {
    // Dash 4's dcc.Slider: a role="slider" thumb and a number box, neither named
    var id = labelIdFor(thumb);
    if (id && thumb.getAttribute('aria-labelledby') !== id) { thumb.setAttribute('aria-labelledby', id); }
    // the value a screen reader announces: the year at the thumb's position, else the field's <output>
    var years = yearsOf(thumb);
    var text = years.length ? (years[Number(thumb.getAttribute('aria-valuenow'))] || '') : '';
    if (!text) {
      var field = thumb.closest('.field');
      var shown = field && field.querySelector('output');
      text = shown ? shown.textContent.trim() : '';
    }
    if (text && thumb.getAttribute('aria-valuetext') !== text) { thumb.setAttribute('aria-valuetext', text); }
  }

  function fixTableWrap(wrap) {
    // a scrolling table: a named, focusable region, so it can be scrolled by keyboard
    if (wrap.getAttribute('tabindex') === null) { wrap.setAttribute('tabindex', '0'); }
    if (!wrap.getAttribute('role')) { wrap.setAttribute('role', 'region'); }
    if (!wrap.getAttribute('aria-labelledby') && !wrap.getAttribute('aria-label')) {
      var prev = wrap.previousElementSibling;
      if (prev && /^H[1-6]$/.test(prev.tagName)) {
        if (!prev.id) { prev.id = 'table-title-' + (++counter); }
        wrap.setAttribute('aria-labelledby', prev.id);
      }
    }
  }

  function buildTable(box) {
    // a data table sent as one JSON attribute (data-table, dashboard/pages/jamfor.py) instead of hundreds
    // of Dash components: built here with the DOM (text only, never HTML), same markup as simple_table
    var raw = box.getAttribute('data-table') || '';
    if (box.nyckeltalTable === raw) { return; }
    box.nyckeltalTable = raw;
    var spec = raw ? JSON.parse(raw) : {};
    var made = [];
    if (spec.rows) {
      var table = document.createElement('table');
      table.id = spec.id;
      table.className = spec.className;
      var headRow = table.createTHead().insertRow();
      spec.head.forEach(function (text) {
        var th = document.createElement('th');
        th.textContent = text;
        headRow.appendChild(th);
      });
      var body = table.createTBody();
      spec.rows.forEach(function (row) {
        var tr = body.insertRow();
        row.forEach(function (text, i) {
          var td = tr.insertCell();
          td.textContent = text;
          if (spec.numeric.indexOf(i) >= 0) { td.className = 'num'; }
        });
      });
      made.push(table);
    } else if (spec.text) {
      var p = document.createElement('p');
      p.textContent = spec.text;
      made.push(p);
    }
    box.replaceChildren.apply(box, made);
  }

  // Repairs that only set attributes run at once on every change. Building a data table and checking
  // whether a table scrolls (reading scrollWidth forces a layout) wait until the browser has painted
  // the frame in hand, so they never hold back the first chart on a cold load.
  function fixMapCanvas(canvas) {
    // MapLibre names its canvas "Map" whatever the page's language (issue 16: one language per page)
    var text = document.documentElement.lang === 'en' ? 'Map' : 'Karta';
    if (canvas.getAttribute('aria-label') !== text) { canvas.setAttribute('aria-label', text); }
  }

  function repairNow() {
    document.querySelectorAll('.maplibregl-canvas').forEach(fixMapCanvas);
    document.querySelectorAll('.dash-slider-thumb').forEach(fixSlider);
    document.querySelectorAll('.field input.dash-range-slider-input').forEach(function (input) {
      var id = labelIdFor(input);
      if (id && input.getAttribute('aria-labelledby') !== id) { input.setAttribute('aria-labelledby', id); }
    });
    document.querySelectorAll('.table-wrap').forEach(fixTableWrap);
    document.querySelectorAll('.dash-options-list').forEach(function (list) {
      if (list.closest('.dash-dropdown-content')) { fixDropdownList(list); } else { fixOptionList(list); }
    });
    document.querySelectorAll('.dash-dropdown-wrapper').forEach(fixDropdown);
    fixSearch(document);
  }

  function repairAfterPaint() {
    document.querySelectorAll('[data-table]').forEach(buildTable);
    // a table that scrolls sideways on a narrow screen (style.css) must be reachable to scroll by keyboard
    document.querySelectorAll('table.data-table').forEach(function (table) {
      if (table.closest('.table-wrap')) { return; }
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && table.getAttribute('tabindex') !== '0') { table.setAttribute('tabindex', '0'); }
      if (!scrolls && table.getAttribute('tabindex') === '0') { table.removeAttribute('tabindex'); }
    });
  }

  var laterPending = false;
  function repair() {
    repairNow();
    if (laterPending) { return; }
    laterPending = true;
    // the next frame is painted first; the timeout then runs right after it (rAF alone runs before the paint)
    requestAnimationFrame(function () {
      setTimeout(function () { laterPending = false; repairAfterPaint(); }, 0);
    });
  }

  function start() {
    repair();
    // repaired on every change (a repair that changes nothing triggers no further mutation)
    new MutationObserver(repair).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ['role', 'aria-selected', 'tabindex', 'aria-labelledby', 'placeholder', 'aria-valuenow', 'data-years', 'data-table']
    });
  }

  // the skip link moves focus to the main content without touching the URL (dcc.Location listens to it)
  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('a.skip-link');
    if (!link) { return; }
    e.preventDefault();
    var main = document.getElementById('content');
    if (main) { main.focus(); main.scrollIntoView(); }
  });

  window.addEventListener('resize', repair);

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
