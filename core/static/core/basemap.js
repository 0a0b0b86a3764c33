// The base under every map: tiles from the configured server with their attribution and, when
// no tile server is set or its tiles cannot load (a closed force network), a plain ground with
// the street names of the force's police.uk map points, so that every map says where it is.
(function () {
  "use strict";
  const STREETS =
    'Street names: <a href="https://data.police.uk/">police.uk</a> map points, ' +
    '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">OGL v3.0</a>';
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  // Styled here so that every page with a map (the field app has its own stylesheet) gets it.
  const LABEL_STYLE =
    "display:inline-block;transform:translate(-50%,-50%);color:#4a5560;font:11px/1.2 sans-serif;" +
    "white-space:nowrap;pointer-events:none;text-shadow:0 0 3px #fff,0 0 3px #fff";
  const NOTE_STYLE =
    "background:rgba(255,255,255,.85);padding:.1rem .4rem;border-radius:4px;font-size:12px;color:#5c6670";
  const LABEL_ZOOM = 14; // names are fetched for a neighbourhood, not a county
  const FAILED_TILES = 3; // this many failures before any tile loads: the server is out of reach

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }

  function streetLabels(map, url) {
    const layer = L.layerGroup().addTo(map);
    map.attributionControl.addAttribution(STREETS);
    let asked = 0;
    function refresh() {
      if (map.getZoom() < LABEL_ZOOM) {
        layer.clearLayers();
        return;
      }
      const b = map.getBounds();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5));
      const ask = ++asked;
      fetch(url + "?bbox=" + bbox.join(","), { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : []))
        .then((rows) => {
          if (ask !== asked) return; // a later view's answer wins
          layer.clearLayers();
          rows.forEach((row) => {
            const html = `<span style="${LABEL_STYLE}">${esc(row.name)}</span>`;
            const icon = L.divIcon({ className: "street-label", html, iconSize: null });
            L.marker([row.lat, row.lon], { icon, interactive: false, keyboard: false }).addTo(layer);
          });
        })
        .catch(() => {});
    }
    map.on("moveend", refresh);
    map.whenReady(refresh);
  }

  // The map element's data-tiles says how its base stands: "loading", "on" (tiles arrived),
  // "off" (no tile server set) or "failed" (none could load); pages may style on it.
  function addBase(map, base) {
    base = base || {};
    const state = { fallback: false, listeners: [] };
    state.onFallback = (fn) => (state.fallback ? fn() : state.listeners.push(fn));
    const status = (value) => (map.getContainer().dataset.tiles = value);

    function fallBack(note) {
      if (state.fallback) return;
      state.fallback = true;
      status(note ? "failed" : "off");
      map.getContainer().classList.add("map-fallback");
      if (note) {
        const control = L.control({ position: "bottomleft" });
        control.onAdd = () => {
          const div = L.DomUtil.create("div", "map-note");
          div.style.cssText = NOTE_STYLE;
          div.textContent = note;
          return div;
        };
        control.addTo(map);
      }
      if (base.streets) streetLabels(map, base.streets);
      state.listeners.forEach((fn) => fn());
    }

    const tiles = base.tiles || {};
    if (!tiles.url) {
      fallBack("");
      return state;
    }
    const layer = L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 19 });
    let loaded = 0;
    let failed = 0;
    status("loading");
    layer.on("tileload", () => {
      loaded++;
      if (!state.fallback) status("on");
    });
    layer.on("tileerror", () => {
      failed++;
      if (!loaded && failed >= FAILED_TILES) {
        map.removeLayer(layer);
        fallBack("No base map here: street names from police.uk map points");
      }
    });
    layer.addTo(map);
    return state;
  }

  window.BaseMap = { addBase, esc };
})();
