// Live progress bars: every .job-progress element polls its job until it finishes.
(function () {
  "use strict";
  function poll(el) {
    const url = el.dataset.jobUrl;
    const bar = el.querySelector("progress");
    const percent = el.querySelector(".job-percent");
    const status = el.querySelector(".job-status");
    const message = el.querySelector(".job-message");
    let delay = 700;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((job) => {
          bar.value = job.progress;
          percent.textContent = job.progress + "%";
          status.textContent = job.status;
          status.className = "status status-" + job.status + " job-status";
          message.textContent = job.error || job.message || "";
          if (job.is_finished) {
            el.dispatchEvent(new CustomEvent("job:finished", { detail: job, bubbles: true }));
            if (job.status === "succeeded" && el.dataset.doneUrl) {
              window.location.href = el.dataset.doneUrl;
            }
            return;
          }
          delay = 700;
          setTimeout(tick, delay);
        })
        .catch(() => {
          delay = Math.min(delay * 2, 10000); // back off while the network is away
          setTimeout(tick, delay);
        });
    }
    if (status.textContent.trim() !== "succeeded" && status.textContent.trim() !== "failed") tick();
  }
  document.querySelectorAll(".job-progress").forEach(poll);
})();
