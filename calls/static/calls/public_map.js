// The public live map: draws the published points, lists their calls, refreshes itself and
// says how fresh it is. Everything it shows was already generalised by the server.
(function () {
  "use strict";
  const { esc, config, makeMap, ago, clock, day, minutes } = window.CallsMap;
  const cfg = config();
  const view = makeMap("calls-map", cfg);
  const layer = L.layerGroup().addTo(view.map);
  let etag = null;
  let data = null;
  let failed = false;

  function callLine(call) {
    return (
      '<span class="call-cat">' + esc(call.category_label) + "</span> " +
      '<span class="call-status status-' + esc(call.status) + '">' + esc(call.status_label) + "</span> " +
      '<span class="muted">' + esc(day(call.received)) + " " + esc(clock(call.received)) +
      " · " + esc(call.ref) + "</span>"
    );
  }

  function draw() {
    layer.clearLayers();
    const list = document.getElementById("call-list");
    const items = [];
    const markers = [];
    data.points.forEach((point) => {
      const area = point.kind === "area";
      const marker = L.circleMarker([point.lat, point.lon], {
        radius: Math.min(6 + 2 * Math.sqrt(point.calls.length), 18),
        color: area ? "#6a4c93" : "#0b5394",
        weight: 2,
        fillOpacity: 0.55,
        dashArray: area ? "4 3" : null,
      });
      const where = area ? "Somewhere in this area" : "Near this point";
      marker.bindPopup(
        "<strong>" + esc(where) + "</strong><ul class=\"popup-calls\">" +
          point.calls.map((c) => "<li>" + callLine(c) + "</li>").join("") + "</ul>"
      );
      marker.addTo(layer);
      markers.push(marker);
      point.calls.forEach((call) => items.push({ call, marker }));
    });
    items.sort((a, b) => (a.call.received < b.call.received ? 1 : -1));
    list.innerHTML = items
      .map((item, i) => '<li><button type="button" class="linkish" data-i="' + i + '">' + callLine(item.call) + "</button></li>")
      .join("");
    list.querySelectorAll("button").forEach((button) => {
      button.addEventListener("click", () => {
        const marker = items[Number(button.dataset.i)].marker;
        view.map.setView(marker.getLatLng(), Math.max(view.map.getZoom(), 14));
        marker.openPopup();
      });
    });
    document.getElementById("calls-count").textContent = "(" + data.calls_shown + ")";
    document.getElementById("calls-empty").hidden = data.calls_shown > 0;
    view.showOgl(data.points.some((p) => p.kind === "map point"));
    if (!view.fitted && markers.length) {
      view.map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2), { maxZoom: 15 });
      view.fitted = true;
    }
    document.body.dataset.callsShown = String(data.calls_shown);
  }

  function staleness() {
    const el = document.getElementById("staleness");
    if (!data) return;
    el.textContent =
      "Updated " + ago(data.generated_at) + ". Showing calls up to " + clock(data.data_up_to) +
      " (" + minutes(data.rules.delay_minutes) + " ago) over the last " + data.rules.window_hours + " hours." +
      (failed ? " The latest refresh failed; trying again shortly." : "");
    el.classList.toggle("stale", failed || Date.now() - Date.parse(data.generated_at) > 3 * cfg.refresh_seconds * 1000);
  }

  async function refresh() {
    try {
      const response = await fetch(cfg.api, { headers: etag ? { "If-None-Match": etag } : {} });
      if (response.status === 304) {
        failed = false;
      } else if (response.ok) {
        etag = response.headers.get("ETag");
        data = await response.json();
        failed = false;
        draw();
      } else {
        failed = true;
      }
    } catch (error) {
      failed = true;
    }
    staleness();
    document.body.dataset.callsReady = "yes";
  }

  async function summary() {
    const response = await fetch(cfg.summary);
    if (!response.ok) return;
    const s = await response.json();
    const fewer = "fewer than " + s.min_count;
    document.getElementById("summary-categories").innerHTML = s.by_category.length
      ? s.by_category
          .map((row) => "<tr><td>" + esc(row.label) + '</td><td class="num">' + (row.calls == null ? fewer : row.calls) + "</td></tr>")
          .join("")
      : '<tr><td colspan="2" class="muted">No calls in this period.</td></tr>';
    const max = Math.max(1, ...s.by_hour_of_week.flat().map((n) => n || 0));
    let html = "<thead><tr><th></th>" + [0, 6, 12, 18].map((h) => '<th colspan="6">' + String(h).padStart(2, "0") + ":00</th>").join("") + "</tr></thead><tbody>";
    s.by_hour_of_week.forEach((row, d) => {
      html += "<tr><th>" + esc(s.weekdays[d]) + "</th>" + row
        .map((n, h) => {
          const title = s.weekdays[d] + " " + String(h).padStart(2, "0") + ":00 — " + (n == null ? fewer : n) + " calls";
          const shade = n == null ? 0.08 : (n || 0) / max;
          return '<td title="' + esc(title) + '" style="background:rgba(11,83,148,' + shade.toFixed(2) + ')"></td>';
        })
        .join("") + "</tr>";
    });
    document.getElementById("summary-hours").innerHTML = html + "</tbody>";
  }

  refresh();
  summary();
  setInterval(refresh, cfg.refresh_seconds * 1000);
  setInterval(staleness, 30000);
})();
