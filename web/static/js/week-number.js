// Shows the ISO week ("v. 47") next to a date field as soon as a date is picked.
// Optional: without JavaScript the week is shown after the form is sent.
(function () {
  "use strict";
  function isoWeek(date) {
    var d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
    var day = d.getUTCDay() || 7;
    d.setUTCDate(d.getUTCDate() + 4 - day);
    var yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
    return Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  }
  function update(input) {
    var target = document.getElementById(input.getAttribute("data-week-number"));
    if (!target) { return; }
    var parts = (input.value || "").split("-");
    if (parts.length !== 3) { target.textContent = ""; return; }
    var date = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
    if (isNaN(date.getTime())) { target.textContent = ""; return; }
    target.textContent = "v. " + isoWeek(date);
  }
  document.querySelectorAll("input[data-week-number]").forEach(function (input) {
    input.addEventListener("change", function () { update(input); });
  });
}());
