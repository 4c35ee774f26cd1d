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
    // Stopped here, in the capture phase, so htmx never sees the submit.
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopPropagation(); }
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

  // A button with data-copy copies the text of the field it names (the API
  // reference's curl lines). Hidden without JavaScript, where the field's
  // text is selected and copied by hand.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    var field = document.getElementById(b.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        b.setAttribute("aria-live", "polite");
        b.textContent = "Copied";
      });
    });
  });

  // The API reference's operations and schemas are folded; following a
  // link to one (its table of contents, a schema's name, a shared address)
  // unfolds it.
  function unfoldTarget() {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", unfoldTarget);
  unfoldTarget();

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

  // The organization tree is a navigation tree: one item is in the tab
  // order, arrows move between the visible items, Right and Left open and
  // close units (a layer loads once, the first time it opens), Home and End
  // jump, Enter opens the unit. Without this script every item's links
  // work on their own.
  function treeItems(tree) {
    return Array.prototype.filter.call(tree.querySelectorAll("[role=treeitem]"), function (it) {
      return it.getClientRects().length > 0;
    });
  }

  function ownGroup(item) {
    return item.querySelector(":scope > ul[role=group]");
  }

  function parentItem(item) {
    var g = item.parentElement && item.parentElement.closest("[role=treeitem]");
    return g || null;
  }

  // setUpTree puts one item in the tab order (the current unit, or the item
  // that had it) and takes the links inside items out of it.
  function setUpTree(tree) {
    var items = tree.querySelectorAll("[role=treeitem]");
    var active = tree.querySelector('[role=treeitem][tabindex="0"]') ||
      tree.querySelector("[role=treeitem][aria-current=page]") || items[0];
    items.forEach(function (it) { it.tabIndex = it === active ? 0 : -1; });
    tree.querySelectorAll("a").forEach(function (a) { a.tabIndex = -1; });
  }

  function focusItem(tree, item) {
    if (!item) return;
    tree.querySelectorAll('[role=treeitem][tabindex="0"]').forEach(function (it) { it.tabIndex = -1; });
    item.tabIndex = 0;
    item.focus();
  }

  function setExpanded(item, open) {
    item.setAttribute("aria-expanded", open ? "true" : "false");
    var toggle = item.querySelector(":scope > .tree-row > .tree-toggle");
    if (toggle) toggle.setAttribute("aria-label", (open ? "Collapse " : "Expand ") + item.getAttribute("data-name"));
    var g = ownGroup(item);
    if (g) g.hidden = !open;
  }

  // expand opens item, loading its layer the first time; then runs done.
  function expand(tree, item, done) {
    if (item.getAttribute("aria-expanded") !== "false") { if (done) done(); return; }
    if (ownGroup(item) || item.getAttribute("aria-busy") === "true") {
      setExpanded(item, true);
      if (done) done();
      return;
    }
    item.setAttribute("aria-busy", "true");
    htmx.ajax("GET", item.getAttribute("data-children"), { source: item, target: item, swap: "beforeend" }).then(function () {
      item.removeAttribute("aria-busy");
      if (!ownGroup(item)) return;
      setUpTree(tree);
      setExpanded(item, true);
      if (done) done();
    });
  }

  // showMore replaces a "Show more" row with the next page of its layer
  // and moves focus to the first unit of that page.
  function showMore(tree, more) {
    if (more.getAttribute("aria-busy") === "true") return;
    var before = more.previousElementSibling;
    var layer = more.parentElement;
    more.setAttribute("aria-busy", "true");
    htmx.ajax("GET", more.getAttribute("data-more"), { source: more, target: more, swap: "outerHTML" }).then(function () {
      // A unit shown ahead of its page (the way to the selected unit)
      // stays where it is; its copy in the new page goes.
      layer.querySelectorAll(":scope > [role=treeitem][aria-posinset]").forEach(function (it) {
        if (layer.querySelectorAll(':scope > [id="' + it.id + '"]').length > 1) it.remove();
      });
      setUpTree(tree);
      var first = before ? before.nextElementSibling : layer.firstElementChild;
      focusItem(tree, first && first.matches("[role=treeitem]") ? first : before);
    });
  }

  function activate(tree, item) {
    if (item.hasAttribute("data-more")) { showMore(tree, item); return; }
    var link = item.querySelector(":scope > .tree-row > .tree-name");
    if (link) link.click();
  }

  function onTreeKey(e) {
    var tree = e.currentTarget;
    var item = e.target.closest && e.target.closest("[role=treeitem]");
    if (!item || e.altKey || e.ctrlKey || e.metaKey) return;
    var items = treeItems(tree);
    var i = items.indexOf(item);
    var expanded = item.getAttribute("aria-expanded");
    switch (e.key) {
      case "ArrowDown": focusItem(tree, items[i + 1]); break;
      case "ArrowUp": focusItem(tree, items[i - 1]); break;
      case "Home": focusItem(tree, items[0]); break;
      case "End": focusItem(tree, items[items.length - 1]); break;
      case "ArrowRight":
        if (expanded === "false") expand(tree, item);
        else if (expanded === "true") {
          var g = ownGroup(item);
          focusItem(tree, g && g.querySelector("[role=treeitem]"));
        }
        break;
      case "ArrowLeft":
        if (expanded === "true") setExpanded(item, false);
        else focusItem(tree, parentItem(item));
        break;
      case "Enter": activate(tree, item); break;
      default: return;
    }
    e.preventDefault();
  }

  function onTreeClick(e) {
    var tree = e.currentTarget;
    var item = e.target.closest("[role=treeitem]");
    if (!item) return;
    if (e.target.closest(".tree-toggle")) {
      e.preventDefault();
      focusItem(tree, item);
      if (item.getAttribute("aria-expanded") === "true") setExpanded(item, false);
      else expand(tree, item);
    } else if (item.hasAttribute("data-more")) {
      e.preventDefault();
      showMore(tree, item);
    } else {
      focusItem(tree, item);
    }
  }

  // The current unit is scrolled into view in the tree's own box (it may
  // sit far down a long layer), without scrolling the page.
  function showCurrent(tree) {
    var box = tree.closest(".tree-box");
    var row = tree.querySelector("[aria-current=page] > .tree-row");
    if (!box || !row) return;
    var top = row.getBoundingClientRect().top - box.getBoundingClientRect().top;
    if (top < 0 || top > box.clientHeight - row.offsetHeight) box.scrollTop += top - box.clientHeight / 3;
  }

  document.querySelectorAll("[role=tree]").forEach(function (tree) {
    setUpTree(tree);
    showCurrent(tree);
    tree.addEventListener("keydown", onTreeKey);
    tree.addEventListener("click", onTreeClick);
  });

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
