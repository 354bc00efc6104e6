// The site menu folds behind a button on a phone. Without this script the button stays hidden and the
// menu open, so every link still works.
(function () {
  "use strict";
  const header = document.querySelector("header.site");
  const button = header && header.querySelector(".menu-toggle");
  if (!button) return;
  header.classList.add("menu-ready");
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = header.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", String(open));
  });
})();
