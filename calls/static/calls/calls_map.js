// What both live-call maps share: escaping, the map with its attribution (the force for its
// calls; police.uk's licence only once police.uk map points are on it), the base map of
// core/basemap.js, the force boundary, and "updated N minutes ago".
(function () {
  "use strict";

  const OGL =
    'Map points: <a href="https://data.police.uk/">police.uk</a>, ' +
    '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">' +
    "OGL v3.0</a>";
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }

  function config() {
    return JSON.parse(document.getElementById("calls-config").textContent);
  }

  function makeMap(el, cfg) {
    // Without a tile layer the map has no zoom limit: fitting one point would zoom to infinity.
    const map = L.map(el, { zoomSnap: 0.5, minZoom: 5, maxZoom: 19 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Calls: " + esc(cfg.force));
    const base = window.BaseMap.addBase(map, cfg.base);
    let bounds = null;
    if (cfg.boundary) {
      const land = L.geoJSON(cfg.boundary, {
        interactive: false,
        style: { color: "#44505c", weight: 1.5, fillColor: "#ffffff", fillOpacity: 0.05 },
      }).addTo(map);
      // Without tiles the boundary's pale fill is the only "land": keep it nearly opaque.
      base.onFallback(() => land.setStyle({ fillOpacity: 0.85 }));
      bounds = land.getBounds();
    }
    if (bounds && bounds.isValid()) map.fitBounds(bounds);
    else map.setView([52.9, -1.5], 9);
    let ogl = false;
    return {
      map,
      fitted: Boolean(bounds && bounds.isValid()),
      showOgl(on) {
        if (on && !ogl) map.attributionControl.addAttribution(OGL);
        if (!on && ogl) map.attributionControl.removeAttribution(OGL);
        ogl = on;
      },
    };
  }

  function ago(iso) {
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return "just now";
    if (minutes === 1) return "1 minute ago";
    if (minutes < 120) return minutes + " minutes ago";
    return Math.round(minutes / 60) + " hours ago";
  }

  function clock(iso) {
    // Times arrive in the force's local time with their offset: show them as written.
    const match = /T(\d\d:\d\d)/.exec(iso || "");
    return match ? match[1] : "";
  }

  function day(iso) {
    const d = new Date(iso);
    return d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short" });
  }

  function minutes(n) {
    return n + (n === 1 ? " minute" : " minutes");
  }

  window.CallsMap = { esc, config, makeMap, ago, clock, day, minutes };
})();
