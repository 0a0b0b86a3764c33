// What the maps of runs and reports share: HTML escaping, a Leaflet map with the police.uk
// licence in its attribution on the base map of core/basemap.js, and the force boundary drawn
// over it (as the "land" where no base map loads).
(function () {
  "use strict";

  const OGL =
    'Incident data: <a href="https://data.police.uk/">police.uk</a>, ' +
    '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">' +
    "Open Government Licence v3.0</a>";
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }

  function baseMap(el, base) {
    const map = L.map(el, { zoomSnap: 0.5, maxZoom: 19 });
    map.attributionControl.addAttribution(OGL);
    map.base = window.BaseMap.addBase(map, base);
    return map;
  }

  function drawBoundary(map, boundary) {
    if (!boundary) return null;
    const layer = L.geoJSON(boundary, {
      interactive: false,
      style: { color: "#44505c", weight: 1.5, fillColor: "#ffffff", fillOpacity: 0.05 },
    }).addTo(map);
    // Without tiles the boundary's pale fill is the only "land": keep it nearly opaque.
    map.base.onFallback(() => layer.setStyle({ fillOpacity: 0.85 }));
    return layer;
  }

  window.HotspotMaps = { OGL, esc, baseMap, drawBoundary };
})();
