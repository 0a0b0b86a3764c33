// The run page: a Leaflet map of the force boundary and the ranked hotspots, the hotspot
// table wired to it, and each hotspot's monthly trend and hour-by-weekday grid as plain SVG.
// The data comes embedded in the page (#run-map-data). With no tile server configured the
// map draws on a plain background, so it works on a closed network.
(function () {
  "use strict";

  const { esc, baseMap, drawBoundary } = window.HotspotMaps;
  // Sequential reds, darkest first, so rank 1 stands out most; the light end stays visible
  // on a plain background.
  const RAMP = ["#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a", "#fc9272"];
  const HEAT_LOW = [255, 245, 240];
  const HEAT_HIGH = [103, 0, 13];
  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  // How the run's method scores a hotspot's peak (set from the page data).
  let peak = { label: "Peak score", digits: 2 };

  function finite(value) {
    return typeof value === "number" && isFinite(value);
  }

  function num(value, digits) {
    if (!finite(value)) return "—";
    return value.toLocaleString("en-GB", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  function pct(value) {
    // Small shares (a hotspot's area) keep two decimals so they never read as 0%.
    if (!finite(value)) return "—";
    // A patrol-scale hotspot is a few thousandths of a percent of a county.
    if (value && Math.abs(value) < 0.0001) return Number((value * 100).toPrecision(2)) + "%";
    return num(value * 100, Math.abs(value) < 0.01 ? 2 : 1) + "%";
  }

  function monthLabel(key) {
    return MONTHS[Number(key.slice(5, 7)) - 1] + " " + key.slice(2, 4);
  }

  function rampIndex(rank, count) {
    if (count <= 1) return 0;
    return Math.round(((rank - 1) / (count - 1)) * (RAMP.length - 1));
  }

  function heatColour(share) {
    const rgb = HEAT_LOW.map((low, i) => Math.round(low + (HEAT_HIGH[i] - low) * share));
    return "rgb(" + rgb.join(",") + ")";
  }

  function topCategories(counts, names) {
    return Object.entries(counts || {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([slug, n]) => esc(names[slug] || slug) + " (" + num(n, 0) + ")")
      .join(", ");
  }

  function facts(pairs) {
    return (
      '<dl class="facts">' +
      pairs.map(([label, value]) => "<dt>" + label + "</dt><dd>" + value + "</dd>").join("") +
      "</dl>"
    );
  }

  function hotspotFacts(h, names) {
    return facts([
      ["Incidents", num(h.incident_count, 0)],
      ["Harm", num(h.harm, 0)],
      ["Share of incidents", pct(h.share_of_incidents)],
      ["Share of area", pct(h.share_of_area)],
      ["PAI", num(h.pai, 1)],
      [esc(peak.label), num(h.peak_score, peak.digits)],
      ["Top categories", topCategories(h.counts_by_category, names) || "—"],
      ["Patrol window", esc(h.patrol_window) || "—"],
      ["Size", num(h.area_m2 / 1e6, 3) + " km²"],
      ["Hotspot area", areaText(h)],
    ]);
  }

  function popupHtml(h, names) {
    return "<strong>#" + h.rank + " " + esc(h.label) + "</strong>" + hotspotFacts(h, names);
  }

  function areaText(h) {
    return h.area ? "Area " + h.area + ": " + esc(h.area_label) : "—";
  }

  // Charts: SVG drawn in a fixed viewBox and scaled to the panel's width by CSS.

  function trendSvg(trend) {
    const months = Object.keys(trend || {}).sort();
    if (!months.length) return '<p class="muted">No monthly counts.</p>';
    const values = months.map((m) => trend[m]);
    const peak = Math.max(1, ...values);
    const W = 320, H = 150, left = 30, right = 6, top = 10, bottom = 22;
    const plotW = W - left - right, plotH = H - top - bottom;
    const step = plotW / months.length;
    const bars = months.map((m, i) => {
      const height = (values[i] / peak) * plotH;
      return (
        '<rect x="' + (left + i * step + step * 0.12).toFixed(1) + '" y="' +
        (top + plotH - height).toFixed(1) + '" width="' + (step * 0.76).toFixed(1) +
        '" height="' + height.toFixed(1) + '" fill="#cb181d"><title>' + monthLabel(m) + ": " +
        values[i] + " incidents</title></rect>"
      );
    });
    const last = months.length - 1;
    const labels =
      '<text x="' + (left - 4) + '" y="' + (top + 4) + '" text-anchor="end">' + peak + "</text>" +
      '<text x="' + (left - 4) + '" y="' + (top + plotH) + '" text-anchor="end">0</text>' +
      '<text x="' + left + '" y="' + (H - 6) + '">' + monthLabel(months[0]) + "</text>" +
      '<text x="' + (W - right) + '" y="' + (H - 6) + '" text-anchor="end">' +
      monthLabel(months[last]) + "</text>";
    const axis =
      '<line x1="' + left + '" y1="' + (top + plotH) + '" x2="' + (W - right) + '" y2="' +
      (top + plotH) + '" stroke="#5c6670"/>';
    const summary =
      "Incidents per month, " + monthLabel(months[0]) + " to " + monthLabel(months[last]) +
      ", most in one month " + peak;
    return (
      '<svg class="chart" viewBox="0 0 ' + W + " " + H + '" role="img" aria-label="' +
      esc(summary) + '">' + bars.join("") + axis + labels + "</svg>"
    );
  }

  function heatSvg(grid) {
    const cell = 12, left = 30, top = 16;
    const W = left + 24 * cell + 2, H = top + 7 * cell + 2;
    const peak = Math.max(1, ...grid.map((row) => Math.max(...row)));
    const cells = [];
    grid.forEach((row, day) => {
      row.forEach((value, hour) => {
        const fill = value ? heatColour(value / peak) : "#eef2f5";
        cells.push(
          '<rect x="' + (left + hour * cell) + '" y="' + (top + day * cell) + '" width="' +
          (cell - 1) + '" height="' + (cell - 1) + '" fill="' + fill + '"><title>' +
          DAYS[day] + " " + String(hour).padStart(2, "0") + ":00–" +
          String(hour + 1).padStart(2, "0") + ":00: " + value + " incidents</title></rect>"
        );
      });
    });
    const dayLabels = DAYS.map(
      (d, i) => '<text x="' + (left - 4) + '" y="' + (top + i * cell + 9) + '" text-anchor="end">' +
        d + "</text>"
    );
    const hourLabels = [0, 6, 12, 18].map(
      (h) => '<text x="' + (left + h * cell) + '" y="' + (top - 4) + '">' +
        String(h).padStart(2, "0") + ":00</text>"
    );
    return (
      '<svg class="chart heat" viewBox="0 0 ' + W + " " + H + '" role="img" ' +
      'aria-label="Incidents by hour of day and weekday">' + cells.join("") +
      dayLabels.join("") + hourLabels.join("") + "</svg>"
    );
  }

  function detailHtml(h, names) {
    const times = h.hour_weekday
      ? heatSvg(h.hour_weekday) +
        '<p class="muted">Local time; darker means more incidents.</p>'
      : '<p class="muted">No times of day for this data: police.uk publishes months only. ' +
        "A force export with times gives the hour-by-weekday grid.</p>";
    return (
      "<h2>#" + h.rank + " " + esc(h.label) + "</h2>" + hotspotFacts(h, names) +
      "<h3>Incidents per month</h3>" + trendSvg(h.monthly_trend) +
      "<h3>Hour and weekday</h3>" + times
    );
  }

  // The map

  function pinIcon(rank, colour, darkText) {
    return L.divIcon({
      className: "hs-pin",
      html: '<span style="background:' + colour + ";color:" + (darkText ? "#1b1f24" : "#fff") +
        '">' + rank + "</span>",
      iconSize: [28, 28],
      iconAnchor: [14, 14],
      popupAnchor: [0, -12],
    });
  }

  function drawHotspot(map, h, count, names, onSelect) {
    const index = rampIndex(h.rank, count);
    const colour = RAMP[index];
    const shape = L.geoJSON(h.geometry, {
      style: { color: "#2b0006", weight: 1, fillColor: colour, fillOpacity: 0.8 },
    });
    // A numbered pin at the centroid: 150 m cells are specks at county zoom.
    const pin = L.marker([h.centroid_lat, h.centroid_lon], {
      icon: pinIcon(h.rank, colour, index >= 4),
      title: "#" + h.rank + " " + h.label,
      alt: "Hotspot " + h.rank,
      zIndexOffset: 1000 - h.rank,
    });
    const html = popupHtml(h, names);
    [shape, pin].forEach((layer) => {
      layer.bindPopup(html, { maxWidth: 300 });
      layer.on("click", () => onSelect(h.rank, false));
      layer.addTo(map);
    });
    return { hotspot: h, shape: shape, pin: pin, colour: colour };
  }

  // Hotspot areas: the contiguous significant clusters the patrol-scale hotspots were carved
  // from, drawn underneath as dashed outlines for context.
  function drawArea(map, area) {
    const km2 = num(area.area_m2 / 1e6, 2);
    return L.geoJSON(area.geometry, {
      style: { color: "#7a4b00", weight: 1.5, dashArray: "5 4", fillColor: "#f2b35b", fillOpacity: 0.12 },
    })
      .bindTooltip(
        "Hotspot area " + area.number + ": " + esc(area.label) + " (" + km2 + " km², " +
          num(area.incident_count, 0) + " incidents)",
        { sticky: true }
      )
      .addTo(map);
  }

  function addLegend(map, count, hasAreas) {
    if (!count) return;
    const legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      const div = L.DomUtil.create("div", "map-legend");
      const swatches = RAMP.map((c) => '<i style="background:' + c + '"></i>').join("");
      div.innerHTML =
        "<strong>Rank</strong><div>1 " + swatches + " " + count + "</div>" +
        (hasAreas ? '<div><i class="area-key"></i> hotspot area</div>' : "");
      return div;
    };
    legend.addTo(map);
  }

  function fitInitial(map, items, boundaryLayer) {
    if (items.length) {
      const group = L.featureGroup(items.map((item) => item.shape));
      map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 15 });
    } else if (boundaryLayer) {
      map.fitBounds(boundaryLayer.getBounds());
    } else {
      map.setView([54.0, -2.0], 6);
    }
  }

  function outOfView(el) {
    const box = el.getBoundingClientRect();
    return box.top < 0 || box.bottom > window.innerHeight;
  }

  function start() {
    const dataEl = document.getElementById("run-map-data");
    const mapEl = document.getElementById("run-map");
    if (!dataEl || !mapEl) return;
    if (!window.L) {
      mapEl.textContent = "The map could not load; the table below lists the hotspots.";
      return;
    }
    const data = JSON.parse(dataEl.textContent);
    const names = data.categories || {};
    if (data.peak) peak = data.peak;
    const panel = document.getElementById("hotspot-detail");
    const rows = Array.from(document.querySelectorAll("tr[data-rank]"));
    const map = baseMap(mapEl, data.base);
    const boundaryLayer = drawBoundary(map, data.boundary);
    const items = {};

    function select(rank, zoom) {
      const item = items[rank];
      if (!item) return;
      rows.forEach((row) => {
        const on = row.dataset.rank === String(rank);
        row.classList.toggle("selected", on);
        row.setAttribute("aria-selected", on ? "true" : "false");
      });
      if (panel) panel.innerHTML = detailHtml(item.hotspot, names);
      if (!zoom) return;
      // On a phone the table is below the map: bring the map back into view first.
      if (outOfView(mapEl)) mapEl.scrollIntoView({ behavior: "smooth", block: "start" });
      map.fitBounds(item.shape.getBounds(), { maxZoom: 17, padding: [40, 40], animate: false });
      item.pin.openPopup();
    }

    const hotspots = data.hotspots || [];
    const areas = data.areas || [];
    areas.forEach((area) => drawArea(map, area));
    hotspots.forEach((h) => {
      items[h.rank] = drawHotspot(map, h, hotspots.length, names, select);
    });
    addLegend(map, hotspots.length, areas.length > 0);
    fitInitial(map, Object.values(items), boundaryLayer);
    document.querySelectorAll(".swatch[data-rank]").forEach((el) => {
      const item = items[el.dataset.rank];
      if (item) el.style.background = item.colour;
    });
    rows.forEach((row) => {
      const rank = Number(row.dataset.rank);
      row.addEventListener("click", () => select(rank, true));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(rank, true);
        }
      });
    });
    if (hotspots.length) select(hotspots[0].rank, false);
  }

  start();
})();
