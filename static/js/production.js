// Production panel: the progress fragment polls with htmx (hx-get / hx-trigger="every 2s").
// Host pages may not load htmx themselves, so load the bundled copy once if it is missing.
(function () {
  "use strict";
  if (window.htmx || document.querySelector("script[data-production-htmx]")) return;
  if (!document.querySelector("[hx-get]")) return;
  var me = document.currentScript;
  var s = document.createElement("script");
  s.src = (me && me.getAttribute("data-htmx")) || "/static/django_htmx/htmx-2.min.js";
  s.setAttribute("data-production-htmx", "1");
  s.onload = function () {
    // htmx waits for DOMContentLoaded unless the page is complete; by now that event may have passed.
    if (window.htmx && document.readyState !== "complete") window.htmx.process(document.body);
  };
  document.head.appendChild(s);
})();
