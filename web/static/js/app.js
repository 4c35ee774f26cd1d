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

  // A filter applies as soon as it changes, as the search box does while
  // one types (through htmx); without JavaScript "Apply filters" does it.
  // Search boxes apply on input only: their change on blur would send the
  // same search again and swap the list under a click.
  document.addEventListener("change", function (e) {
    var t = e.target, form = t.form;
    if (!form || !form.hasAttribute("data-auto-apply")) return;
    if (t.type === "search" || t.hasAttribute("data-no-apply")) return;
    if (form.requestSubmit) form.requestSubmit();
  });

  // ---- Jobs: progress ----
})();
