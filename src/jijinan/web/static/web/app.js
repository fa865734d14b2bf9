// Small behaviours of the staff UI; everything works without them, they only smooth it.

// Tree toggles: htmx loads a node's children; a second click folds them away again.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".tree-toggle");
  if (!button) return;
  const slot = button.parentElement.querySelector(":scope > .tree-slot");
  if (button.getAttribute("aria-expanded") === "true") {
    // Capture phase: stop htmx from fetching the children again.
    event.stopImmediatePropagation();
    event.preventDefault();
    if (slot) slot.replaceChildren();
    button.setAttribute("aria-expanded", "false");
    button.textContent = "+";
  } else {
    button.setAttribute("aria-expanded", "true");
    button.textContent = "−";
  }
}, true);

// Print buttons (a page prints fine with the browser's own command too).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// A form sent back with errors: its summary takes the focus, so it is read out first.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});

// Signing out forgets every draft of a form kept in this browser.
document.addEventListener("submit", (event) => {
  if (!event.target.matches("[data-clears-drafts]")) return;
  Object.keys(localStorage).filter((k) => k.startsWith("jijinan:draft:"))
    .forEach((k) => localStorage.removeItem(k));
});

// Region pickers: Enter in the search box searches at once instead of submitting the form.
document.addEventListener("keydown", (event) => {
  const box = event.target.closest && event.target.closest("[data-region-picker-q]");
  if (!box || event.key !== "Enter" || !window.htmx) return;
  event.preventDefault();
  window.htmx.trigger(box, "search");
});

// Main menu: the phone's menu button opens and closes the groups; a group's drop-down closes when
// another opens, on Escape (focus back on its title) and on a click elsewhere. Without script the
// phone shows the groups stacked and the drop-downs still open and close by themselves.
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-menu-toggle]");
  if (toggle) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    if (menu) menu.classList.toggle("is-open", open);
    return;
  }
  const inside = event.target.closest(".menu-drop");
  document.querySelectorAll(".menu-drop[open]").forEach((d) => { if (d !== inside) d.open = false; });
});
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!opened.matches || !opened.matches(".menu-drop") || !opened.open) return;
  document.querySelectorAll(".menu-drop[open]").forEach((d) => { if (d !== opened) d.open = false; });
}, true);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = event.target.closest && event.target.closest(".menu-drop[open]");
  if (open) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});
// A table wider than its box scrolls inside it: the box takes keyboard focus then, so it can be
// scrolled without a mouse (and is named after the table's caption or heading for screen readers).
function markScrollables(root) {
  for (const box of (root || document).querySelectorAll(".table-wrap")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        const table = box.querySelector("table");
        const caption = table && table.caption ? table.caption.textContent.trim() : "";
        const heading = box.closest("section, article, main")?.querySelector("h1, h2, h3");
        box.setAttribute("aria-label", caption || (heading ? heading.textContent.trim() : document.title));
      }
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  }
}
window.addEventListener("resize", () => markScrollables());

// Tables written without a scrolling box get one, so a wide table never widens the page.
function wrapTables(root) {
  for (const table of (root || document).querySelectorAll(".page table")) {
    if (table.closest(".table-wrap")) continue;
    const box = document.createElement("div");
    box.className = "table-wrap";
    table.replaceWith(box);
    box.appendChild(table);
  }
}
document.addEventListener("DOMContentLoaded", () => { wrapTables(); markScrollables(); });
document.addEventListener("htmx:afterSettle", (event) => { wrapTables(event.target); markScrollables(); });
