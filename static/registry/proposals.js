/* The article form's proposed claims (registry/proposals.py, the panel above the claims
   table): each is accepted into the first empty claim row (a new row if none is left),
   accepted for editing (the row's enterprise field then has the focus), or dropped, by
   button or by key on the focused proposal (Enter/A, E, D/Delete). Nothing is saved until
   the coder saves the form. And after "Add another claim" the focus goes to the new row. */
"use strict";
(function () {
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#claims-group tr.form-row:not(.empty-form)"));
  }
  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }
  function emptyRow() {
    var free = rows().filter(function (row) {
      var enterprise = field(row, "enterprise"), activity = field(row, "activity");
      return enterprise && !enterprise.value && activity && !activity.value;
    })[0];
    if (free) return free;
    var add = document.querySelector("#claims-group .add-row a");
    if (!add) return null;
    add.click();
    var all = rows();
    return all[all.length - 1];
  }
  function focusRow(row) {
    var target = row && (row.querySelector(".select2-selection") || field(row, "enterprise"));
    if (target) target.focus();
  }
  function accept(item, proposal, edit) {
    var row = emptyRow();
    if (!row) return;
    var enterprise = field(row, "enterprise");
    if (proposal.enterprise_id && enterprise) {
      var option = new Option(proposal.label, String(proposal.enterprise_id), true, true);
      enterprise.appendChild(option);
      enterprise.value = String(proposal.enterprise_id);
      if (window.django && django.jQuery) django.jQuery(enterprise).trigger("change");
    }
    var activity = field(row, "activity");
    if (activity) {
      activity.value = proposal.activity;
      activity.dispatchEvent(new Event("change", { bubbles: true }));  // the suggested code (claim_codes.js)
    }
    var code = field(row, "code");
    if (code) code.value = String(proposal.code);
    var detail = field(row, "detail");
    if (detail && !detail.value) detail.value = proposal.new_name ? proposal.new_name + (proposal.place ? " (" + proposal.place + ")" : "") : "";
    item.classList.add("accepted");
    var next = nextItem(item);
    item.remove();
    if (edit || !proposal.enterprise_id) focusRow(row);
    else if (next) next.focus();
    else saveButton();
  }
  function nextItem(item) {
    return item.nextElementSibling || item.previousElementSibling;
  }
  function drop(item) {
    var next = nextItem(item);
    item.remove();
    if (next) next.focus();
    else saveButton();
  }
  function saveButton() {
    // The last proposal handled: Enter saves.
    var save = document.querySelector("#article_form input[name='_save']");
    if (save) save.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("proposals-data");
    if (!data) return;
    var proposals = JSON.parse(data.textContent);
    // An article with no claim yet (the inbox's): the first proposal has the focus, so
    // Enter accepts it at once.
    var first = document.querySelector("#proposals .proposal");
    var coded = rows().some(function (row) { var e = field(row, "enterprise"); return e && e.value; });
    if (first && !coded) setTimeout(function () { first.focus(); }, 0);
    document.querySelectorAll("#proposals .proposal").forEach(function (item) {
      var proposal = proposals[Number(item.dataset.index)];
      item.querySelector(".proposal-accept").addEventListener("click", function () { accept(item, proposal, false); });
      item.querySelector(".proposal-edit").addEventListener("click", function () { accept(item, proposal, true); });
      item.querySelector(".proposal-drop").addEventListener("click", function () { drop(item); });
      item.addEventListener("keydown", function (event) {
        if (event.target !== item || event.ctrlKey || event.metaKey || event.altKey) return;
        var key = event.key.toLowerCase();
        if (key === "enter" || key === "a") accept(item, proposal, false);
        else if (key === "e") accept(item, proposal, true);
        else if (key === "d" || key === "delete") drop(item);
        else return;
        event.preventDefault();
      });
    });
  });
  // "Add another claim": the new row's enterprise field takes the focus (after select2 is
  // set up on it, hence the timeout).
  document.addEventListener("formset:added", function (event) {
    if (!event.detail || event.detail.formsetName !== "claims") return;
    var row = event.target;
    setTimeout(function () { focusRow(row); }, 0);
  });
})();
