/* Claims inline: choosing an activity pre-selects the code the codebook suggests for it
   (SUGGESTED_CODE, carried on the activity select as data-suggested-codes). A code the coder
   picked by hand is never overwritten. Delegated, so rows added later work too. */
"use strict";
document.addEventListener("change", function (event) {
  var activity = event.target;
  if (!activity.matches || !activity.matches("select[name$='activity'][data-suggested-codes]")) return;
  var code = document.getElementsByName(activity.name.replace(/activity$/, "code"))[0];
  if (!code) return;
  var suggested = JSON.parse(activity.dataset.suggestedCodes)[activity.value];
  if (code.value === "" || code.value === code.dataset.suggested) {
    code.value = suggested === undefined ? "" : String(suggested);
    code.dataset.suggested = code.value;
  }
});
