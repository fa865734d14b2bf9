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
