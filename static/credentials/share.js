// Verification page: Copy link and Copy e-mail signature (no inline script: the portal's CSP allows none).
// A button with data-copy-from="<id>" copies that field's value; with data-copy-html it copies it as HTML (and
// as plain text, for programs that only paste text). The button briefly reads its data-copied-label.
(() => {
  "use strict";

  async function copy(text, asHtml) {
    if (navigator.clipboard && window.isSecureContext) {
      if (asHtml && window.ClipboardItem) {
        try {
          await navigator.clipboard.write([new ClipboardItem({
            "text/html": new Blob([text], { type: "text/html" }),
            "text/plain": new Blob([text], { type: "text/plain" }),
          })]);
          return;
        } catch (error) { /* fall back to text */ }
      }
      await navigator.clipboard.writeText(text);
      return;
    }
    // Without the Clipboard API (plain http): select a temporary field and copy it.
    const field = Object.assign(document.createElement("textarea"), { value: text, readOnly: true });
    field.className = "copy-buffer";
    document.body.append(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    if (!copied) throw new Error("copy refused");
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy-from]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copyFrom);
    const label = button.querySelector("[data-copy-label]");
    const status = document.querySelector("[data-copy-status]");
    const original = label.textContent;
    try {
      await copy(source.value, button.hasAttribute("data-copy-html"));
      label.textContent = button.dataset.copiedLabel || "Copied";
      button.classList.add("copied");
      if (status) status.textContent = `${button.dataset.copiedLabel || "Copied"}.`;
    } catch (error) {
      source.classList.remove("visually-hidden");
      source.select();
      if (status) status.textContent = "Copying was refused: the text is selected, copy it with Ctrl+C.";
    }
    window.setTimeout(() => {
      label.textContent = original;
      button.classList.remove("copied");
    }, 2500);
  });
})();
