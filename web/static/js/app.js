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

  // ---- User page: tabs ----

  // The user page renders every tab and shows one. Switching here shows
  // another without a request, so what was typed in a tab is still there on
  // coming back to it; without JavaScript each tab is a link of its own.
  function showUserTab(key) {
    var link = document.querySelector('a[data-user-tab="' + key + '"]');
    if (!link) return false;
    document.querySelectorAll("a[data-user-tab]").forEach(function (a) {
      var on = a === link;
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
      var panel = document.getElementById(a.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    return true;
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-user-tab]");
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (showUserTab(a.getAttribute("data-user-tab"))) history.pushState({ userTab: true }, "", a.href);
  });
  window.addEventListener("popstate", function () {
    showUserTab(new URLSearchParams(location.search).get("tab") || "profile");
  });
})();
