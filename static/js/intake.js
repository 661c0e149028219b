// The request form: sections that follow the chosen legal process, the live rule check (each
// finding linked to its field) and "add another account". The form works without this file:
// "Show the form for this process" and "Check without sending" do the same on the server.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var panel = document.getElementById("findings");
  var url = form.getAttribute("data-check-url");
  var mapNode = document.getElementById("process-map");
  var map = mapNode ? JSON.parse(mapNode.textContent) : { sections: {}, frameworks: {}, framework_labels: {} };
  var timer = null;
  var seq = 0;

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Sections keyed on the process (requests_app/intake/process.py) --------------------------
  var typeSelect = form.querySelector("select[name=request_type]");
  var frameworkSelect = form.querySelector("select[name=legal_framework]");
  var ndoBox = form.querySelector("input[name=ndo]");

  function emergencyAnswer() {
    var yes = form.querySelector("input[name=emergency][value=yes]");
    return !!(yes && yes.checked);
  }

  function setFrameworks(code) {
    if (!frameworkSelect) { return; }
    var allowed = code && map.frameworks[code] ? map.frameworks[code] : Object.keys(map.framework_labels);
    var current = frameworkSelect.value;
    var blank = frameworkSelect.options.length ? frameworkSelect.options[0].cloneNode(true) : null;
    while (frameworkSelect.options.length) { frameworkSelect.remove(0); }
    if (blank) { blank.value = ""; frameworkSelect.add(blank); }
    allowed.forEach(function (fw) {
      var option = document.createElement("option");
      option.value = fw;
      option.textContent = map.framework_labels[fw] || fw;
      frameworkSelect.add(option);
    });
    if (allowed.indexOf(current) >= 0) { frameworkSelect.value = current; }
    else if (allowed.length === 1) { frameworkSelect.value = allowed[0]; }
    else { frameworkSelect.value = ""; }
  }

  function sync(typeChanged) {
    var code = typeSelect ? typeSelect.value : "";
    if (typeChanged && code === map.emergency_type) {
      var yes = form.querySelector("input[name=emergency][value=yes]");
      if (yes) { yes.checked = true; }
    }
    var emergency = emergencyAnswer() || code === map.emergency_type;
    var active = (map.sections[code] || []).slice();
    if (emergency) { active.push("emergency"); }
    if (ndoBox && ndoBox.checked) { active.push("ndo"); }
    form.querySelectorAll("[data-section]").forEach(function (el) {
      el.hidden = active.indexOf(el.getAttribute("data-section")) < 0;
    });
    document.querySelectorAll("[data-guide]").forEach(function (el) {
      el.hidden = el.getAttribute("data-guide") !== code;
    });
    var emergencyGuide = document.getElementById("emergency-route");
    if (emergencyGuide) { emergencyGuide.hidden = !emergency; }
    var rest = document.getElementById("process-form");
    if (rest) { rest.hidden = !code; }
    if (typeChanged) { setFrameworks(code); }
  }

  if (typeSelect) {
    typeSelect.addEventListener("change", function () { sync(true); });
  }
  form.querySelectorAll("input[name=emergency]").forEach(function (el) {
    el.addEventListener("change", function () { sync(false); });
  });
  if (ndoBox) { ndoBox.addEventListener("change", function () { sync(false); }); }

  // --- Live check: findings in the panel and beside their fields --------------------------------
  function describe(container, id, on) {
    container.querySelectorAll("input, select, textarea").forEach(function (el) {
      var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
      if (on) { ids.push(id); }
      if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); } else { el.removeAttribute("aria-describedby"); }
    });
  }

  function showInline() {
    form.querySelectorAll("ul.findings.inline").forEach(function (ul) {
      var container = ul.parentNode;
      describe(container, ul.id, false);
      ul.remove();
    });
    var groups = {};
    panel.querySelectorAll("li[data-field]").forEach(function (li) {
      var name = li.getAttribute("data-field");
      (groups[name] = groups[name] || []).push(li);
    });
    Object.keys(groups).forEach(function (name) {
      var container = name === "targets" ? document.getElementById("targets") : document.getElementById("field-" + name);
      if (!container) { return; }
      var ul = document.createElement("ul");
      ul.className = "findings inline";
      ul.id = "findings-" + name;
      groups[name].forEach(function (li) {
        var item = document.createElement("li");
        item.className = li.className;
        var link = li.querySelector("a");
        item.textContent = link ? link.textContent : li.textContent;
        ul.appendChild(item);
      });
      container.appendChild(ul);
      describe(container, ul.id, true);
    });
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
      .then(function (html) {
        if (html !== null && mine === seq) {
          // The aside is the live region and stays in place; only its content changes, so it is announced.
          panel.innerHTML = html;
          showInline();
        }
      })
      .catch(function () { /* the server-side check still runs on submit */ });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 400);
  }

  form.addEventListener("change", schedule);
  form.addEventListener("input", schedule);

  // --- Add another account ----------------------------------------------------------------------
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
      // Each control keeps its own label: "…, account N".
      clone.querySelectorAll("label").forEach(function (label) {
        var v = label.getAttribute("for");
        if (v) { label.setAttribute("for", v.replace(/targets-\d+-/, "targets-" + index + "-")); }
        label.textContent = label.textContent.replace(/\d+(?!.*\d)/, String(index + 1));
      });
      clone.querySelectorAll(".errorlist").forEach(function (el) { el.remove(); });
      body.appendChild(clone);
      total.value = String(index + 1);
    });
  }
})();
