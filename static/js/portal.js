// Badges Portal: small progressive enhancements shared by every page.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first error after a failed submit, for keyboard and screen-reader users.
  const invalid = document.querySelector(".is-invalid");
  if (invalid) invalid.focus();
});
