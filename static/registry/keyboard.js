/* The claims table, keyboard first:
   - the enterprise autocomplete opens as soon as the coder types (select2 alone opens only
     on Enter, Space or Down), with the typed letter in its search box;
   - the icon links beside each enterprise (change, add, view) leave the Tab order, so Tab
     goes enterprise -> activity -> code -> detail; they stay one click away. */
"use strict";
(function () {
  function untab(root) {
    root.querySelectorAll("#claims-group .related-widget-wrapper-link").forEach(function (link) {
      link.setAttribute("tabindex", "-1");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { untab(document); });
  document.addEventListener("formset:added", function () { untab(document); });

  document.addEventListener("keydown", function (event) {
    var selection = event.target.closest && event.target.closest("#claims-group .select2-selection");
    if (!selection || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
    var container = selection.closest(".select2-container");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT" || !window.django || !django.jQuery) return;
    event.preventDefault();
    django.jQuery(select).select2("open");
    var search = document.querySelector(".select2-container--open .select2-search__field");
    if (search) {
      search.value += event.key;
      search.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });
})();
