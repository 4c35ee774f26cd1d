// Roster's only script besides htmx. It adds comfort, never function: every
// flow works with JavaScript off. No inline script anywhere (see the CSP).
(function () {
  "use strict";

  // "/" focuses the page's search box, unless the person is typing.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.querySelector("input[type=search]");
    if (box) { e.preventDefault(); box.focus(); }
  });

  // Forms with data-confirm ask before they submit.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // A "select all" checkbox ticks every checkbox of its group on the page.
  document.addEventListener("change", function (e) {
    var group = e.target.getAttribute && e.target.getAttribute("data-select-all");
    if (!group) return;
    document.querySelectorAll('input[type=checkbox][name="' + group + '"]').forEach(function (box) {
      box.checked = e.target.checked;
    });
  });

  // After a bulk action the list comes back with its outcome; the
  // confirmation that asked for it is done.
  document.body.addEventListener("bulk-done", function () {
    var panel = document.getElementById("bulk-panel");
    if (panel) panel.innerHTML = "";
  });

  // ---- Shell: loading feedback, navigation ----

  // ---- Organization tree: keyboard operation ----

  // ---- Users list: columns, filters ----

  // ---- Jobs: progress ----

  // "Select all N matching" stands for the whole page ticked and more:
  // unticking the page's select-all box, or any one user, unticks it, so a
  // bulk action never reaches more users than the ticks on screen say.
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || t.type !== "checkbox" || t.checked) return;
    if (t.id !== "select-all" && t.name !== "user_ids") return;
    var all = document.getElementById("all-matching");
    if (all) all.checked = false;
    var page = document.getElementById("select-all");
    if (page && t.name === "user_ids") page.checked = false;
  });
})();
