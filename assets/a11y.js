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
 * Served from /assets, so it runs under the page's Content-Security-Policy (script-src 'self').
 */
(function () {
  'use strict';
  var counter = 0;

  function labelIdFor(el) {
    var field = el.closest('.field');
    var label = field && field.querySelector('.field-label');
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

  function repair() {
    document.querySelectorAll('.dash-options-list').forEach(function (list) {
      if (!list.closest('.dash-dropdown-content')) { fixOptionList(list); }
    });
    document.querySelectorAll('.dash-dropdown-wrapper').forEach(fixDropdown);
    fixSearch(document);
  }

  function start() {
    repair();
    // repaired at once on every change (a repair that changes nothing triggers no further mutation)
    new MutationObserver(repair).observe(document.body, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ['role', 'aria-selected', 'tabindex', 'aria-labelledby', 'placeholder']
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

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
