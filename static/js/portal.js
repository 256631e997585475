// Badges Portal: small progressive enhancements shared by every page (no framework).
(() => {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    // Move focus to the first error after a failed submit, for keyboard and screen-reader users.
    const invalid = document.querySelector(".is-invalid");
    if (invalid) invalid.focus();
    document.querySelector("[data-focus-on-load]")?.focus();  // e.g. the list of problems of a refused file
    document.querySelectorAll(".chosen-list").forEach(updateChosen);
    document.querySelectorAll("[data-kind-select]").forEach(showKindTargets);
  });

  // Forms whose fields depend on a kind (achievements, activity): the kind select's data-kind-select maps
  // each kind to the one target field it needs (null: none); the others are hidden. Without JavaScript
  // every field shows, with its help text.
  function showKindTargets(select) {
    const targets = JSON.parse(select.dataset.kindSelect || "{}");
    const chosen = select.value in targets;
    select.form.querySelectorAll("[data-kind-target]").forEach((field) => {
      const wrapper = field.closest(".mb-3") || field.parentElement;
      wrapper.hidden = chosen && field.dataset.kindTarget !== targets[select.value];
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-kind-select]")) showKindTargets(event.target);
  });

  // Dialogs filled by htmx: show "Loading…" each time one opens, focus its search box once loaded.
  const loading = '<div class="text-center text-body-secondary py-4 dialog-loading"><span class="spinner-border spinner-border-sm me-2" aria-hidden="true"></span>Loading…</div>';
  document.addEventListener("show.bs.modal", (event) => {
    const body = event.target.classList.contains("htmx-dialog") && event.target.querySelector(".modal-body");
    if (body) body.innerHTML = loading;
  });

  // Revoke Badge and Reinstate: the dialog learns which issued badges from the button that opened it (one, or
  // the rows ticked on Find Issued Badges).
  document.addEventListener("show.bs.modal", (event) => {
    if (!event.target.classList.contains("status-dialog") || !event.relatedTarget) return;
    const trigger = event.relatedTarget;
    let ids = [];
    let label = trigger.dataset.dialogLabel;
    if (trigger.hasAttribute("data-dialog-selected")) {
      ids = [...document.querySelectorAll("#bulk-form input[name=ids]:checked")].map((box) => box.value);
      label = `${ids.length} issued badge${ids.length === 1 ? "" : "s"}`;
    } else {
      ids = [trigger.dataset.dialogIds];
    }
    const holder = event.target.querySelector("[data-dialog-ids]");
    holder.replaceChildren(...ids.map((id) => Object.assign(document.createElement("input"), { type: "hidden", name: "ids", value: id })));
    event.target.querySelector("[data-dialog-label]").textContent = label;
  });
  document.addEventListener("shown.bs.modal", (event) => {
    if (event.target.classList.contains("status-dialog")) event.target.querySelector("textarea").focus();
  });

  // Find Issued Badges: select rows, then Revoke selected.
  document.addEventListener("change", (event) => {
    const form = event.target.closest("#bulk-form");
    if (!form) return;
    if (event.target.matches("[data-check-all]")) {
      form.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = event.target.checked; });
    }
    const button = document.getElementById("bulk-revoke");
    if (button) button.disabled = !form.querySelector("input[name=ids]:checked");
  });
  // Focus the dialog's search box once it is both shown and loaded (Bootstrap focuses the dialog itself
  // when its opening transition ends, so both moments are handled).
  const focusSearch = (modal) => {
    const search = modal && modal.classList.contains("show") && modal.querySelector(".modal-body input[type=search]");
    if (search) search.focus();
  };
  document.addEventListener("shown.bs.modal", (event) => focusSearch(event.target));
  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.target.classList.contains("modal-body")) return;
    const modal = event.target.closest(".modal");
    focusSearch(modal);
    syncPicker(modal);
  });
  // After Select a Badge, keep the keyboard where the answer is.
  document.addEventListener("htmx:afterSettle", () => {
    const target = document.querySelector("[data-focus-after-swap]");
    if (target) {
      target.removeAttribute("data-focus-after-swap");
      target.focus();
    }
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

  // Select all: ticks every visible checkbox of the list. Every tick updates "N selected".
  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll(`${all.dataset.selectAll} [data-filter-item]:not(.d-none) input[type=checkbox]`)
        .forEach((box) => { box.checked = all.checked; });
    }
    const modal = event.target.closest(".modal");
    if (modal) countSelected(modal);
  });

  function countSelected(modal) {
    const counter = modal.querySelector("[data-selected-count]");
    if (!counter) return;
    const n = modal.querySelectorAll(".choose-list input[type=checkbox]:checked").length;
    counter.textContent = n ? `${n} selected` : "";
  }

  // A picker dialog opens with what is already in its review list ticked: the dialog edits the list.
  function syncPicker(modal) {
    const pick = modal && modal.querySelector("[data-pick]");
    if (!pick) return;
    const list = document.querySelector(pick.dataset.into);
    modal.querySelectorAll(`input[name="pick-${pick.dataset.pick}"]`).forEach((box) => {
      box.checked = Boolean(list.querySelector(`[data-id="${box.value}"]`));
    });
    countSelected(modal);
  }

  // Choose Badge: after "Successfully Issued Badge", close the dialog, refresh the roster row and put
  // the keyboard back on that row's Issue a Badge button.
  document.addEventListener("badgeIssued", (event) => {
    const recipient = event.detail && event.detail.recipient;
    const refresh = () => {
      const row = document.querySelector(`[data-roster-row="${recipient}"]`);
      if (!row || !row.dataset.refreshUrl) return;
      htmx.ajax("GET", row.dataset.refreshUrl, { target: row, swap: "outerHTML" }).then(() => {
        const button = document.querySelector(`[data-roster-row="${recipient}"] [data-issue-badge]`);
        if (button) button.focus();
      });
    };
    window.setTimeout(() => {
      const modal = document.querySelector(".modal.show");
      if (!modal) return refresh();
      modal.addEventListener("hidden.bs.modal", refresh, { once: true });
      bootstrap.Modal.getOrCreateInstance(modal).hide();
    }, 1200);
  });

  // Issue Badges page: the dialogs' confirm buttons copy the ticked items into the review lists.
  document.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-pick]");
    if (pick) {
      const list = document.querySelector(pick.dataset.into);
      const dialog = pick.closest(".modal");
      dialog.querySelectorAll(`input[name="pick-${pick.dataset.pick}"]`).forEach((box) => {
        const existing = list.querySelector(`[data-id="${box.value}"]`);
        if (!box.checked) {
          if (existing) existing.remove();
          return;
        }
        if (existing) return;
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
      clearErrors(list);
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

  // The errors of the last submit no longer apply once the lists change.
  function clearErrors(list) {
    const alert = list.closest("form").querySelector(".alert-danger");
    if (alert) alert.remove();
  }

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
  // A form with data-confirm asks before it is sent (e.g. Revoke an API key).
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();  // not sent: its button stays enabled
    }
  }, true);
  // Copy buttons (data-copy="#field"): a secret shown once, copied to the clipboard.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(() => { button.lastChild.textContent = "Copied"; });
    }
  });
})();
