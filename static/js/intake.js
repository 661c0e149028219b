// Live rule check and "add another account" for the request form.
// The form works without this file: "Check without sending" does the same on the server.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var panel = document.getElementById("findings");
  var url = form.getAttribute("data-check-url");
  var timer = null;
  var seq = 0;

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function check() {
    var data = new FormData(form);
    var hasDoc = false;
    var files = form.querySelector("input[name=documents]");
    if (files && files.files && files.files.length > 0) { hasDoc = true; }
    // Files are not sent for the check: only whether one is attached.
    data.delete("documents");
    data.delete("ndo_document");
    data.set("has_document", hasDoc ? "1" : "0");
    var mine = ++seq;
    fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && mine === seq) { show(html); } })
      .catch(function () { /* the server-side check still runs on submit */ });
  }

  // The aria-live region stays the same element; only its content changes, so screen readers announce
  // the new findings (a replaced live region is often not announced at all).
  function show(html) {
    var live = panel.querySelector("[aria-live]");
    var fresh = document.createElement("div");
    fresh.innerHTML = html;
    var incoming = fresh.querySelector("[aria-live]");
    if (live && incoming) {
      live.replaceChildren.apply(live, Array.prototype.slice.call(incoming.childNodes));
    } else {
      panel.innerHTML = html;
    }
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 400);
  }

  form.addEventListener("change", schedule);
  form.addEventListener("input", schedule);

  var add = document.getElementById("add-target");
  var total = form.querySelector("input[name=targets-TOTAL_FORMS]");
  var body = document.querySelector("#targets-table tbody");
  if (add && total && body) {
    add.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr.target-row");
      var last = rows[rows.length - 1];
      var index = parseInt(total.value, 10);
      var clone = last.cloneNode(true);
      clone.querySelectorAll("input, select").forEach(function (el) {
        ["name", "id"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(/targets-\d+-/, "targets-" + index + "-")); }
        });
        if (el.tagName === "SELECT") { el.selectedIndex = 0; } else { el.value = ""; }
      });
      clone.querySelectorAll(".errorlist").forEach(function (el) { el.remove(); });
      body.appendChild(clone);
      total.value = String(index + 1);
    });
  }
})();
