// Badges Portal: small progressive enhancements shared by every page (no framework).
(() => {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    // Move focus to the first error after a failed submit, for keyboard and screen-reader users.
    const invalid = document.querySelector(".is-invalid");
    if (invalid) invalid.focus();
    document.querySelectorAll(".chosen-list").forEach(updateChosen);
  });

  // Dialogs filled by htmx: show "Loading…" each time one opens, focus its search box once loaded.
  const loading = '<div class="text-center text-body-secondary py-4 dialog-loading"><span class="spinner-border spinner-border-sm me-2" aria-hidden="true"></span>Loading…</div>';
  document.addEventListener("show.bs.modal", (event) => {
    const body = event.target.querySelector(".modal-body");
    if (body) body.innerHTML = loading;
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const search = event.target.querySelector("input[type=search]");
    if (search && event.target.classList.contains("modal-body")) search.focus();
  });
  document.addEventListener("htmx:responseError", (event) => {
    const target = event.detail.target;
    if (target) target.insertAdjacentHTML("afterbegin", '<div class="alert alert-danger" role="alert">Something went wrong. Close the dialog and try again.</div>');
  });

  // Filter-as-you-type: <input data-filter-list="#list"> hides the list's [data-filter-item]s that do not match.
  document.addEventListener("input", (event) => {
    const input = event.target.closest("[data-filter-list]");
    if (!input) return;
    const list = document.querySelector(input.dataset.filterList);
    if (!list) return;
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    list.querySelectorAll("[data-filter-item]").forEach((item) => {
      const text = (item.dataset.filterText || item.textContent).toLowerCase();
      const match = words.every((word) => text.includes(word));
      item.classList.toggle("d-none", !match);
      if (match) shown += 1;
    });
    const empty = list.parentElement.querySelector("[data-filter-empty]");
    if (empty) empty.classList.toggle("d-none", shown > 0);
  });

  // Select all: ticks every visible checkbox of the list.
  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (!all) return;
    document.querySelectorAll(`${all.dataset.selectAll} [data-filter-item]:not(.d-none) input[type=checkbox]`)
      .forEach((box) => { box.checked = all.checked; });
  });

  // Choose Badge: after "Successfully Issued Badge", close the dialog and refresh the roster row.
  document.addEventListener("badgeIssued", (event) => {
    const recipient = event.detail && event.detail.recipient;
    window.setTimeout(() => {
      const modal = document.querySelector(".modal.show");
      if (modal) bootstrap.Modal.getOrCreateInstance(modal).hide();
      const row = document.querySelector(`[data-roster-row="${recipient}"]`);
      if (row && row.dataset.refreshUrl) htmx.ajax("GET", row.dataset.refreshUrl, { target: row, swap: "outerHTML" });
    }, 1200);
  });

  // Issue Badges page: the dialogs' confirm buttons copy the ticked items into the review lists.
  document.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-pick]");
    if (pick) {
      const list = document.querySelector(pick.dataset.into);
      const dialog = pick.closest(".modal");
      dialog.querySelectorAll(`input[name="pick-${pick.dataset.pick}"]:checked`).forEach((box) => {
        if (list.querySelector(`[data-id="${box.value}"]`)) return;
        const item = document.getElementById("chosen-item").content.firstElementChild.cloneNode(true);
        item.dataset.id = box.value;
        const hidden = item.querySelector("input");
        hidden.name = list.dataset.field;
        hidden.value = box.value;
        const label = item.querySelector("span");
        label.textContent = box.dataset.label + " ";
        if (box.dataset.sub) {
          const sub = document.createElement("span");
          sub.className = "text-body-secondary small";
          sub.textContent = box.dataset.sub;
          label.appendChild(sub);
        }
        item.querySelector("[data-remove]").setAttribute("aria-label", `Remove ${box.dataset.label}`);
        list.appendChild(item);
      });
      updateChosen(list);
      bootstrap.Modal.getOrCreateInstance(dialog).hide();
      return;
    }
    const remove = event.target.closest("[data-remove]");
    if (remove) {
      const list = remove.closest(".chosen-list");
      remove.closest("li").remove();
      updateChosen(list);
    }
  });

  function updateChosen(list) {
    const count = list.querySelectorAll("li").length;
    const badge = document.querySelector(`[data-count-for="${list.id}"]`);
    if (badge) badge.textContent = count;
    const empty = document.querySelector(`[data-empty-for="${list.id}"]`);
    if (empty) empty.classList.toggle("d-none", count > 0);
  }

  // A submit button says it is working and cannot be pressed twice (the server is idempotent anyway).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.hasAttribute("hx-post")) return;
    const button = form.querySelector("button[type=submit]");
    if (button && !button.disabled) {
      window.setTimeout(() => { button.disabled = true; }, 0);
    }
  });
})();
