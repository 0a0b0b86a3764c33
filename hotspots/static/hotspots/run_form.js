// Run and comparison forms: show only the settings the chosen method reads, the category
// list only for "Chosen categories", and the neighbourhood input that matches its kind.
// Hidden inputs still submit (the server ignores other methods' settings), and anything
// holding an error stays visible so it can be corrected. Choosing a force or a data source
// says which months it holds and sets the periods to its latest months (#period-data); a KDE
// bandwidth below the cell size gets a warning beside it.
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
    setupPeriods(form);
    setupBandwidth(form);
  }

  function setupPeriods(form) {
    const dataEl = document.getElementById("period-data");
    const hint = form.querySelector("[data-period-hint]");
    const force = form.querySelector("[name=force]");
    const source = form.querySelector("[name=source]");
    if (!dataEl || !hint || !force || !source) return;
    const data = JSON.parse(dataEl.textContent);

    function describe(setDefaults) {
      const forceName = force.options[force.selectedIndex].text;
      const sourceName = data.sources[source.value] || source.value;
      const forceData = data.forces[force.value] || {};
      const entry = forceData[source.value];
      const noBoundary = forceData.has_boundary === false
        ? " It has no boundary: its study area will be the cells near its incidents."
        : "";
      if (!entry) {
        hint.textContent = forceName + " has no " + sourceName + " data yet.";
        hint.className = "period-hint warn";
        return;
      }
      hint.className = "period-hint";
      hint.textContent =
        forceName + " has " + sourceName + " data for " + entry.held + "." +
        (entry.flagged ? " Flagged months: " + entry.flagged + "." : "") + noBoundary;
      if (!setDefaults) return;
      Object.entries(entry.defaults).forEach(function ([name, value]) {
        const input = form.querySelector('[name="' + name + '"]');
        if (input) input.value = value;
      });
    }
    [force, source].forEach(function (el) {
      el.addEventListener("change", function () { describe(true); });
    });
    describe(false);
  }

  function setupBandwidth(form) {
    const bandwidth = form.querySelector("[name=bandwidth_m]");
    const cell = form.querySelector("[name=cell_m]");
    if (!bandwidth || !cell) return;
    const note = document.createElement("p");
    note.className = "warn";
    note.setAttribute("aria-live", "polite");
    bandwidth.insertAdjacentElement("afterend", note);
    function check() {
      const b = Number(bandwidth.value);
      const c = Number(cell.value || cell.placeholder);
      note.textContent = b && c && b < c
        ? "Below the cell size (" + c + " m): the density is little more than each cell's count."
        : "";
      note.hidden = !note.textContent;
    }
    [bandwidth, cell].forEach(function (el) { el.addEventListener("input", check); });
    check();
  }

  document.querySelectorAll("form.run-form").forEach(setup);
})();
