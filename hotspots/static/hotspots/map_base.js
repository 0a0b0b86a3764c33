// What every map of the service shares: HTML escaping, a Leaflet map with the police.uk
// licence in its attribution (and base tiles only when a tile server is configured, so maps
// work on a closed network), and the force boundary drawn as the "land".
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

  function baseMap(el, tiles) {
    const map = L.map(el, { zoomSnap: 0.5 });
    map.attributionControl.addAttribution(OGL);
    if (tiles && tiles.url) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function drawBoundary(map, boundary, hasTiles) {
    if (!boundary) return null;
    // Without tiles the boundary's pale fill is the only "land": keep it nearly opaque.
    return L.geoJSON(boundary, {
      interactive: false,
      style: {
        color: "#44505c",
        weight: 1.5,
        fillColor: "#ffffff",
        fillOpacity: hasTiles ? 0.05 : 0.85,
      },
    }).addTo(map);
  }

  window.HotspotMaps = { OGL, esc, baseMap, drawBoundary };
})();
