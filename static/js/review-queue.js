// Legal queue keyboard shortcuts (issue 16). No inline scripts (strict CSP); everything here
// also works without JavaScript through ordinary links and forms.
//   j / k  next / previous row      o / Enter  open it      a  assign it to me
//   x      select it (bulk form)    /          search       ?  the list of shortcuts
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table) return;
  var dialog = document.getElementById("shortcuts-dialog");
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-reference]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("current", i === index);
      if (i === index) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    current = index;
    var link = all[index].querySelector("a.row-open");
    if (link) link.focus();
  }

  var status = document.getElementById("shortcut-status");
  function say(text) {
    if (status) status.textContent = text;
  }

  function currentRow() {
    var all = rows();
    return current >= 0 && current < all.length ? all[current] : null;
  }

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function showHelp() {
    if (!dialog) return;
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
    var close = document.getElementById("shortcuts-close");
    if (close) close.focus();
  }

  var opener = document.getElementById("shortcuts-open");
  if (opener) opener.addEventListener("click", showHelp);

  // Keep track of the row when the user clicks or tabs into it.
  table.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-reference]");
    if (row) {
      var i = rows().indexOf(row);
      if (i >= 0 && i !== current) {
        rows().forEach(function (r, j) {
          r.classList.toggle("current", j === i);
        });
        current = i;
      }
    }
  });

  // "Select all" ticks every row of this page.
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      table.querySelectorAll('tbody input[name="ref"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog && dialog.open) return; // Esc closes the dialog natively
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var row;
    switch (event.key) {
      case "j":
        select(current + 1);
        break;
      case "k":
        select(current < 0 ? 0 : current - 1);
        break;
      case "o":
      case "Enter":
        row = currentRow();
        if (!row) return;
        var link = row.querySelector("a.row-open");
        if (link) window.location.assign(link.href);
        break;
      case "a":
        row = currentRow();
        if (!row) return;
        var form = row.querySelector("form.row-assign");
        if (form) form.submit();
        else say(row.getAttribute("data-reference") + " is already assigned; open it to reassign.");
        break;
      case "x":
        row = currentRow();
        if (!row) return;
        var box = row.querySelector('input[name="ref"]');
        if (box) box.checked = !box.checked;
        break;
      case "/":
        var search = document.getElementById("id_q");
        if (search) {
          search.focus();
          search.select();
        }
        break;
      case "?":
        showHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
