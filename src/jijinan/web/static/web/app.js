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

// Region pickers: Enter in the search box searches at once instead of submitting the form.
document.addEventListener("keydown", (event) => {
  const box = event.target.closest && event.target.closest("[data-region-picker-q]");
  if (!box || event.key !== "Enter" || !window.htmx) return;
  event.preventDefault();
  window.htmx.trigger(box, "search");
});
