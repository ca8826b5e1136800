// The comparison is drawn on the server and redrawn when the form is sent, by its Update
// button or Enter: changing a control no longer submits (a keyboard user moving through a
// select or ticking a box lost the page and their place, WCAG 3.2.2). Choosing a place
// clears "group by", which would replace the places.
(function () {
  var form = document.getElementById("compare-form");
  if (!form) return;
  form.addEventListener("change", function (event) {
    if (event.target.name === "regions" && event.target.value) form.elements.group_by.value = "";
  });
})();
