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
