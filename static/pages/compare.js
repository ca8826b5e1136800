// Redraw the comparison as soon as a choice changes: the page is drawn on the server,
// so changing a control just submits the form (it works without this script too).
(function () {
  var form = document.getElementById("compare-form");
  if (!form) return;
  form.addEventListener("change", function (event) {
    if (event.target.name === "start" || event.target.name === "end") return; // typed: wait for Enter
    if (event.target.name === "regions") form.elements.group_by.value = "";
    form.submit();
  });
})();
