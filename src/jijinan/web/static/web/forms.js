// Long forms: sections shown by the chosen mode, the registry pickers, and a draft kept in this
// browser. Without script the whole form shows and the "查找" buttons send it to search.
(() => {
  "use strict";
  const DRAFT_PREFIX = "jijinan:draft:";

  // --- sections by mode: only the fields the chosen subject mode needs -------------------------
  function applyMode(form) {
    const chosen = form.querySelector("input[data-subject-mode]:checked, select[data-subject-mode]");
    if (!chosen) return;
    form.querySelectorAll("[data-mode]").forEach((el) => {
      el.hidden = !el.dataset.mode.split(/\s+/).includes(chosen.value);
    });
  }

  // --- the draft: everything typed except what may never be kept -------------------------------
  function kept(el) {
    if (!el.name || el.disabled || el.closest("[data-draft-exclude]")) return false;
    if (el.hasAttribute("data-draft-exclude")) return false;
    const type = (el.type || "").toLowerCase();
    return !["file", "hidden", "password", "submit", "button", "reset"].includes(type)
      && el.name !== "csrfmiddlewaretoken";
  }

  function snapshot(form) {
    const data = {};
    Array.from(form.elements).filter(kept).forEach((el) => {
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      (data[el.name] = data[el.name] || []).push(el.value);
    });
    return data;
  }

  function restore(form, data) {
    Array.from(form.elements).filter(kept).forEach((el) => {
      const values = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = Array.isArray(values) && values.includes(el.value);
      } else if (Array.isArray(values)) {
        el.value = values[0];
      }
    });
  }

  function setUpDraft(form) {
    const key = DRAFT_PREFIX + form.dataset.draft;
    const notice = document.querySelector("[data-draft-notice]");
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    // A form sent back by the server (with its errors) shows what was sent, and a form opened for
    // a chosen person or household starts from them: neither takes an older draft.
    if (saved && !form.querySelector("[data-error-summary]") && !form.hasAttribute("data-draft-fresh")) {
      restore(form, saved);
      if (notice) notice.hidden = false;
    }
    const save = () => localStorage.setItem(key, JSON.stringify(snapshot(form)));
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (!(button && button.name === "find")) localStorage.removeItem(key);
    });
    if (notice) {
      const discard = notice.querySelector("[data-draft-discard]");
      if (discard) discard.addEventListener("click", () => {
        localStorage.removeItem(key);
        form.reset();
        applyMode(form);
        notice.hidden = true;
      });
    }
  }

  function setUp() {
    document.querySelectorAll("form").forEach((form) => {
      if (form.querySelector("[data-subject-mode]")) {
        applyMode(form);
        form.addEventListener("change", (event) => {
          if (event.target.matches("[data-subject-mode]")) applyMode(form);
        });
      }
      if (form.dataset.draft) setUpDraft(form);
    });
    // Enter in a picker's search box searches; it does not send the whole form.
    document.addEventListener("keydown", (event) => {
      const box = event.target.closest && event.target.closest("[data-picker-q]");
      if (!box || event.key !== "Enter") return;
      event.preventDefault();
      const find = box.parentElement.querySelector("[data-picker-find]");
      if (find) find.click();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
