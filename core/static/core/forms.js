// Small form behaviours, without inline handlers (the Content Security Policy allows scripts
// from this site's files only):
// - a select marked data-autosubmit submits its form when changed;
// - a button marked data-confirm="question" asks before it submits.
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();
