// The staff live map: every call at its exact location, coloured by status, with the latest
// hotspot run's hotspots drawn and calls inside them ringed, today's patrolled hotspots
// (published plans) dashed and calls inside them tagged; filters apply at once.
(function () {
  "use strict";
  const { esc, config, makeMap, ago, clock, day } = window.CallsMap;
  const cfg = config();
  const view = makeMap("calls-map", cfg);
  const COLOURS = { received: "#c0392b", dispatched: "#e67e22", en_route: "#d4ac0d", attended: "#2471a3", resolved: "#7f8c8d", cancelled: "#95a5a6" };
  const CLOSED = ["resolved", "cancelled"];
  const layer = L.layerGroup().addTo(view.map);
  (cfg.hotspots || []).forEach((h) => {
    L.geoJSON(h.geometry, { style: { color: "#7d3c98", weight: 2, fillOpacity: 0.08 } })
      .bindTooltip("Hotspot " + h.rank + ": " + esc(h.label))
      .addTo(view.map);
  });
  (cfg.patrols || []).forEach((p) => {
    L.geoJSON(p.geometry, { style: { color: "#1e8449", weight: 2, dashArray: "6 4", fillOpacity: 0.06 } })
      .bindTooltip("Patrolled today: " + esc(p.plan) + ", hotspot " + p.rank + " " + esc(p.label) +
        " (" + p.assignments_today + " assignments today)")
      .addTo(view.map);
  });
  // hotspots come from police.uk data
  view.showOgl((cfg.hotspots || []).length + (cfg.patrols || []).length > 0);
  let calls = [];
  let loadedAt = null;
  const filters = ["f-status", "f-category", "f-priority", "f-hotspot", "f-patrolled"].map((id) => document.getElementById(id));

  function wanted(call) {
    const [status, category, priority, hotspot, patrolled] = filters;
    if (status.value === "open" && CLOSED.includes(call.status)) return false;
    if (status.value && status.value !== "open" && call.status !== status.value) return false;
    if (category.value && call.public_category !== category.value) return false;
    if (priority.value && call.priority !== priority.value) return false;
    if (hotspot.checked && call.hotspot_rank == null) return false;
    if (patrolled.checked && call.patrolled == null) return false;
    return true;
  }

  function line(call) {
    return (
      "<strong>" + esc(call.reference) + "</strong> " + esc(call.public_category || call.incident_type || "unmapped type") +
      (call.sensitive ? ' <span class="tag">sensitive</span>' : "") +
      (call.public_action ? ' <span class="tag">' + esc(call.public_action) + "</span>" : "") +
      (call.hotspot_rank != null ? ' <span class="tag hot">hotspot ' + call.hotspot_rank + "</span>" : "") +
      (call.patrolled ? ' <span class="tag patrolled">patrolled: ' + esc(call.patrolled.plan) + ", hotspot " + call.patrolled.rank + "</span>" : "") +
      '<br><span class="call-status status-' + esc(call.status) + '">' + esc(cfg.statuses[call.status]) + "</span> " +
      '<span class="muted">P' + esc(call.priority || "?") + " · " + esc(day(call.received_at)) + " " +
      esc(new Date(call.received_at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" })) + "</span>" +
      (call.summary ? '<br><span class="summary">' + esc(call.summary) + "</span>" : "")
    );
  }

  function draw() {
    layer.clearLayers();
    const shown = calls.filter(wanted);
    shown.filter((c) => c.latitude != null).forEach((call) => {
      L.circleMarker([call.latitude, call.longitude], {
        radius: 7, color: call.patrolled ? "#1e8449" : call.hotspot_rank != null ? "#4a235a" : "#ffffff",
        weight: call.patrolled || call.hotspot_rank != null ? 3 : 1,
        fillColor: COLOURS[call.status] || "#333", fillOpacity: 0.9,
      }).bindPopup(line(call)).addTo(layer);
    });
    const located = shown.filter((c) => c.latitude != null);
    if (!view.fitted && located.length) {
      view.map.fitBounds(L.latLngBounds(located.map((c) => [c.latitude, c.longitude])).pad(0.2), { maxZoom: 15 });
      view.fitted = true;
    }
    document.getElementById("call-list").innerHTML = shown.map((c) => "<li>" + line(c) + "</li>").join("");
    document.getElementById("calls-count").textContent = "(" + shown.length + " of " + calls.length + ")";
  }

  function priorities() {
    const select = filters[2];
    const current = select.value;
    const values = [...new Set(calls.map((c) => c.priority).filter(Boolean))].sort();
    select.innerHTML = '<option value="">All</option>' + values.map((v) => '<option value="' + esc(v) + '">' + esc(v) + "</option>").join("");
    select.value = values.includes(current) ? current : "";
  }

  function staleness(failed) {
    const el = document.getElementById("staleness");
    el.textContent = loadedAt ? "Updated " + ago(loadedAt) + (failed ? "; the latest refresh failed." : ".") : "Could not load calls.";
    el.classList.toggle("stale", Boolean(failed));
  }

  async function refresh() {
    let failed = false;
    try {
      const response = await fetch(cfg.api, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      calls = await response.json();
      loadedAt = new Date().toISOString();
      priorities();
      draw();
    } catch (error) {
      failed = true;
    }
    staleness(failed);
    document.body.dataset.callsReady = "yes";
  }

  filters.forEach((el) => el.addEventListener("change", draw));
  document.getElementById("filters").addEventListener("submit", (e) => { if (e.submitter == null) e.preventDefault(); });
  refresh();
  setInterval(refresh, cfg.refresh_seconds * 1000);
  setInterval(() => staleness(false), 30000);
})();
