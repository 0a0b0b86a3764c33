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
          status.textContent = job.status.charAt(0).toUpperCase() + job.status.slice(1);
          status.className = "status status-" + job.status + " job-status";
          message.textContent = (job.is_finished && job.summary) || job.error || job.message || "";
          if (job.is_finished) {
            const finished = new CustomEvent("job:finished", { detail: job, bubbles: true, cancelable: true });
            // A page that handles the end itself cancels the event; otherwise it moves on to
            // what the job made, or reloads to show the outcome in words.
            if (el.dispatchEvent(finished)) {
              if (job.status === "succeeded" && el.dataset.doneUrl) {
                window.location.href = el.dataset.doneUrl;
              } else {
                window.setTimeout(() => window.location.reload(), 600);
              }
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
    const shown = status.textContent.trim().toLowerCase();
    if (shown !== "succeeded" && shown !== "failed") tick();
  }
  document.querySelectorAll(".job-progress").forEach(poll);
})();
