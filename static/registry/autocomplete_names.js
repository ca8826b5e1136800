// The admin's autocompletes (select2) hide their <select> and show a combobox named only by
// the chosen text: empty on a new row, so a screen reader (and axe) finds no name. Each
// combobox is named by its <select>'s label (a <label for>, or a table column's aria-label,
// registry/admin/common.py ColumnNamed) followed by the chosen text.
(function () {
  "use strict";

  function nameOf(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return (label ? label.textContent : select.getAttribute("aria-label") || "").replace(/:\s*$/, "").trim();
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var box = container && container.querySelector(".select2-selection[role=combobox]");
      var text = nameOf(select);
      if (!box || !text || !select.id) return;
      var id = select.id + "-name";
      var span = document.getElementById(id);
      if (!span) {
        span = document.createElement("span");
        span.id = id;
        span.hidden = true;
        container.appendChild(span);
      }
      span.textContent = text;
      // The chosen text's own box (select2 makes it a read-only textbox) is named the same.
      var shown = container.querySelector(".select2-selection__rendered");
      box.setAttribute("aria-labelledby", shown && shown.id ? id + " " + shown.id : id);
      if (shown) shown.setAttribute("aria-labelledby", id);
    });
  }

  // select2 builds its boxes when jQuery is ready, which may come after this page's load,
  // and again for every row "Add another" adds: named whenever a box appears.
  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    setTimeout(function () { pending = false; nameAll(); }, 0);
  }
  document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(function (changes) {
      if (changes.some(function (c) {
        return Array.prototype.some.call(c.addedNodes, function (n) { return n.classList && n.classList.contains("select2-container"); });
      })) soon();
    }).observe(document.body, {childList: true, subtree: true});
    soon();
  });
})();
