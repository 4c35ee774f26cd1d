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

  // On narrow screens the header folds behind its "Menu" button. The
  // button stays hidden without JavaScript, where the navigation wraps.
  var header = document.querySelector(".site-header");
  var toggle = header && header.querySelector(".nav-toggle");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (menu) {
    header.classList.add("js-nav");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.classList.contains("open")) {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        toggle.focus();
      }
    });
  }

  // A submit button is disabled while its request is in flight, so one
  // click sends once. htmx has collected the form's values by
  // htmx:beforeRequest, the submitter's name and value included.
  function submitButtons(elt) {
    if (elt.tagName === "FORM") return Array.prototype.slice.call(elt.querySelectorAll("button[type=submit], button:not([type])"));
    if (elt.tagName === "BUTTON") return [elt];
    return [];
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    submitButtons(e.detail.elt).forEach(function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); });
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    submitButtons(e.detail.elt).forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
  });
  // A plain form's button is disabled once the browser has taken the
  // submission (the next tick: disabling it earlier would drop its value),
  // and enabled again when the page comes back from the history cache.
  document.addEventListener("submit", function (e) {
    if (e.defaultPrevented || e.target.hasAttribute("hx-post") || e.target.hasAttribute("hx-get")) return;
    var b = e.submitter;
    if (!b || b.tagName !== "BUTTON") return;
    setTimeout(function () { b.disabled = true; b.setAttribute("aria-busy", "true"); }, 0);
  });
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
  });

  // ---- Organization tree: keyboard operation ----

  // ---- Users list: columns, filters ----

  // ---- Jobs: progress ----
})();
