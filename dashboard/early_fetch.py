"""The page asks for its layout while its scripts are still loading.

Dash's renderer fetches `/_dash-layout` and `/_dash-dependencies` only once every script has run
(~1 s into a cold load of /jamfor), and then waits for the answers (~0.1 s) before it can draw
anything. A small inline script at the top of <head> starts both requests at once, and hands each
answer to the renderer's own first `fetch` of the same URL; every other request, and any later fetch
of those URLs, goes to the browser's fetch unchanged. Allowed by the page's CSP through its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json

EARLY_PATHS = ("_dash-layout", "_dash-dependencies")

_SCRIPT = """(function () {
  "use strict";
  var fetch0 = window.fetch;
  if (typeof fetch0 !== "function") {
    return;
  }
  var early = {};
  var left = 0;
  URLS.forEach(function (url) {
    var answer = fetch0(url, {
      method: "GET",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
    });
    answer.catch(function () {}); // a failure is the renderer's to report, when it takes the answer
    early[url] = answer;
    left += 1;
  });
  var ours = function (input, init) {
    var method = (init && init.method) || "GET";
    if (typeof input === "string" && method === "GET" && Object.prototype.hasOwnProperty.call(early, input)) {
      var answer = early[input];
      delete early[input];
      left -= 1;
      if (left === 0 && window.fetch === ours) {
        window.fetch = fetch0;
      }
      return answer;
    }
    return fetch0.apply(window, arguments);
  };
  window.fetch = ours;
})();"""


def early_fetch_script(prefix: str) -> str:
    """The inline script for an app served under `prefix` (Dash's requests_pathname_prefix)."""
    urls = [prefix + path for path in EARLY_PATHS]
    return _SCRIPT.replace("URLS", json.dumps(urls))


def csp_hash(script: str) -> str:
    """The CSP source expression that allows exactly `script` inline."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
