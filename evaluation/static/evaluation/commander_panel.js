// The commander's home panel: the headlines of the latest finished reduction reports, read
// from the API so the panel needs nothing from the home page's view.
(function () {
  "use strict";

  function item(evaluation, reportUrl) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = reportUrl.replace("/0/", "/" + evaluation.id + "/");
    link.textContent = "#" + evaluation.id + " " + (evaluation.name || evaluation.after_start + " – " + evaluation.after_end);
    const text = document.createElement("p");
    text.textContent = evaluation.headline;
    li.append(link, text);
    return li;
  }

  document.querySelectorAll("[data-reports-api]").forEach((panel) => {
    const list = panel.querySelector("ul");
    fetch(panel.dataset.reportsApi, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((page) => {
        const done = (page.results || []).filter((e) => e.headline).slice(0, 3);
        done.forEach((e) => list.append(item(e, panel.dataset.reportUrl)));
        if (!done.length) list.outerHTML = '<p class="muted">No finished reports yet.</p>';
      })
      .catch(() => {
        list.outerHTML = '<p class="muted">The latest reports could not be loaded.</p>';
      });
  });
})();
