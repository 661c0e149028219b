// Accessibility fixes for Swagger UI's rendering on /api/docs/ (it re-renders, so they are re-applied):
// code samples that scroll can be reached with the keyboard, and selects without a label get one.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.MutationObserver) { return; }
  function fix() {
    root.querySelectorAll("pre:not([tabindex])").forEach(function (pre) { pre.setAttribute("tabindex", "0"); });
    root.querySelectorAll("select:not([aria-label]):not([aria-labelledby])").forEach(function (select) {
      if (select.labels && select.labels.length) { return; }
      var cell = select.closest("tr");
      var name = cell && cell.querySelector(".parameter__name, .response-col_status");
      var label = select.closest(".response-control-media-type") ? "Media type" : name ? name.textContent.trim() : "Value";
      select.setAttribute("aria-label", label);
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(); });
  }).observe(root, { childList: true, subtree: true });
  fix();
})();
