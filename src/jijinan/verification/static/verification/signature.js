// On-screen signature for a household's authorisation: draw on the canvas, and the form sends the
// drawing as a PNG data URL in the hidden "signature" field. Loaded as a file (the CSP allows no
// inline script); without it the clerk uploads a scanned authorisation instead.
(function () {
  "use strict";

  function setUp(form) {
    const pad = form.querySelector("[data-signature-pad]");
    const input = form.querySelector("[data-signature-input]");
    if (!pad || !input) return;
    const canvas = pad.querySelector("canvas");
    const context = canvas.getContext("2d");
    const methods = form.querySelectorAll("input[name='method']");
    let drawing = false;
    let drawn = false;

    function showPad() {
      const chosen = form.querySelector("input[name='method']:checked");
      pad.hidden = !(chosen && chosen.value === "signed_on_screen");
    }

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    }

    function clear() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      input.value = "";
    }

    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const [x, y] = point(event);
      context.lineTo(x, y);
      context.strokeStyle = "#111";
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.stroke();
      drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach((name) => {
      canvas.addEventListener(name, () => { drawing = false; });
    });
    pad.querySelector("[data-signature-clear]").addEventListener("click", clear);
    methods.forEach((radio) => radio.addEventListener("change", showPad));
    form.addEventListener("submit", () => {
      if (!pad.hidden && drawn) input.value = canvas.toDataURL("image/png");
    });
    clear();
    showPad();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-testid='authorisation-form']").forEach(setUp);
  });
})();
