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
