/* nyckeltal: a callback request the server refuses as not the shape of its callback (400 with
   error "bad_callback_request", dashboard/callback_guard.py) comes from a page that is out of date,
   e.g. left open across a deploy. Dash's renderer only logs such an answer; here the page shows the
   answer's own notice (in the page's language) with a button that reloads the page. */
(function () {
  "use strict";
  var fetch0 = window.fetch;
  if (typeof fetch0 !== "function") {
    return;
  }

  function show(answer) {
    if (document.getElementById("stale-page")) {
      return;
    }
    var box = document.createElement("div");
    box.id = "stale-page";
    box.className = "notice warn stale-page";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = answer.reload;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn";
    button.textContent = answer.reload_button;
    button.addEventListener("click", function () {
      window.location.reload();
    });
    box.appendChild(text);
    box.appendChild(button);
    document.body.insertBefore(box, document.body.firstChild);
    button.focus();
  }

  window.fetch = function (url) {
    var answer = fetch0.apply(window, arguments);
    if (String(url).indexOf("_dash-update-component") === -1) {
      return answer;
    }
    return answer.then(function (res) {
      if (res.status === 400) {
        res
          .clone()
          .json()
          .then(function (body) {
            if (body && body.error === "bad_callback_request" && body.reload) {
              show(body);
            }
          })
          .catch(function () {});
      }
      return res;
    });
  };
})();
