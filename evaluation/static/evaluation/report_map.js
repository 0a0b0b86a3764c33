// The report's map: the force boundary and each hotspot coloured by its change, with the
// control hotspots in outline. Data is embedded in the page (#evaluation-map-data); without a
// tile server the map draws on a plain background, so it works on a closed network. Print and
// PDF use the server-drawn SVG map instead.
(function () {
  "use strict";

  const { esc, baseMap, drawBoundary } = window.HotspotMaps;

  function popup(h, measure) {
    const role = h.role === "control" ? " (control)" : "";
    const change = h.change ? measure + ": " + esc(h.change) + (h.few ? " — too few to claim" : "") : "";
    return "<strong>#" + h.rank + " " + esc(h.label) + role + "</strong><br>" + change;
  }

  function drawHotspot(map, h, measure) {
    const control = h.role === "control";
    const style = control
      ? { color: "#5c6670", weight: 2, dashArray: "4 3", fillOpacity: 0 }
      : { color: "#1b1f24", weight: 1, fillColor: h.colour, fillOpacity: 0.85 };
    const shape = L.geoJSON(h.geometry, { style: style }).bindPopup(popup(h, measure));
    // A dot at the centroid: grid cells are specks at county zoom.
    const dot = L.circleMarker([h.lat, h.lon], {
      radius: 6,
      color: control ? "#5c6670" : "#1b1f24",
      weight: control ? 2 : 1,
      fillColor: control ? "#ffffff" : h.colour,
      fillOpacity: control ? 0 : 0.95,
    }).bindPopup(popup(h, measure));
    shape.addTo(map);
    dot.addTo(map);
    return shape;
  }

  function start() {
    const dataEl = document.getElementById("evaluation-map-data");
    const mapEl = document.getElementById("evaluation-map");
    if (!dataEl || !mapEl) return;
    if (!window.L) {
      mapEl.textContent = "The map could not load; the table below lists the hotspots.";
      return;
    }
    const data = JSON.parse(dataEl.textContent);
    const map = baseMap(mapEl, data.base);
    // Leaflet needs a view before vector layers are added; the bounds come just after.
    map.setView([54.0, -2.0], 6);
    const boundary = drawBoundary(map, data.boundary);
    const shapes = (data.hotspots || []).map((h) => drawHotspot(map, h, data.measure));
    if (shapes.length) {
      map.fitBounds(L.featureGroup(shapes).getBounds(), { padding: [30, 30], maxZoom: 15 });
    } else if (boundary) {
      map.fitBounds(boundary.getBounds());
    }
  }

  start();
})();
