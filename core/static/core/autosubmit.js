// A select marked data-autosubmit submits its form when changed (no inline handlers: the
// Content Security Policy allows scripts from this site's files only).
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
  });
})();
