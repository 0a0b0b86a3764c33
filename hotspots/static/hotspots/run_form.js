// Run and comparison forms: show only the settings the chosen method reads, the category
// list only for "Chosen categories", and the neighbourhood input that matches its kind.
// Hidden inputs still submit (the server ignores other methods' settings), and anything
// holding an error stays visible so it can be corrected.
(function () {
  "use strict";

  function setup(form) {
    const method = form.querySelector("[name=method]");
    const selection = form.querySelector("[name=selection]");
    const kind = form.querySelector("[name=neighbourhood_kind]");

    function show(el, visible) {
      if (el) el.hidden = !visible && !el.querySelector(".error");
    }
    function field(name) {
      return form.querySelector('[data-field="' + name + '"]');
    }
    function update() {
      if (method) {
        form.querySelectorAll("fieldset[data-methods]").forEach(function (set) {
          show(set, set.dataset.methods.split(" ").indexOf(method.value) >= 0);
        });
      }
      if (selection) show(field("categories"), selection.value === "chosen");
      if (kind) {
        show(field("neighbourhood_order"), kind.value === "queen");
        show(field("neighbourhood_band_m"), kind.value === "distance");
      }
    }
    [method, selection, kind].forEach(function (el) {
      if (el) el.addEventListener("change", update);
    });
    update();
  }

  document.querySelectorAll("form.run-form").forEach(setup);
})();
