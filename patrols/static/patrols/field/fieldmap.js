// The field app's maps: a hotspot's outline, the officer's position with its accuracy circle,
// and whether that position counts as inside the hotspot by the dose rule of patrols/dosage.py
// (a fix is inside when its accuracy circle, widened by a tolerance, reaches the outline; a
// fix rougher than the rule's limit is unusable). Leaflet and the maps' shared base
// (hotspots/map_base.js on core/basemap.js) as on the staff maps: base tiles from MAP_TILE_URL,
// and when none can load, the outline on a neutral background with the hotspot's label and the
// street names of police.uk map points.
(function () {
  "use strict";

  const EARTH_M = 6371008.8;
  const RAD = Math.PI / 180;

  // Metres east and north of an origin (lon0, lat0): a local flat projection, exact enough for
  // the few hundred metres of a hotspot.
  function projector(lon0, lat0) {
    const kx = EARTH_M * RAD * Math.cos(lat0 * RAD);
    const ky = EARTH_M * RAD;
    return ([lon, lat]) => [(lon - lon0) * kx, (lat - lat0) * ky];
  }

  function polygonsOf(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return [geometry.coordinates];
    if (geometry.type === "MultiPolygon") return geometry.coordinates;
    return [];
  }

  function segmentDistance(p, a, b) {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
    return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
  }

  function ringContains(ring, p) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  // Distance in metres from a lon/lat point to a GeoJSON (Multi)Polygon; 0 inside it.
  function distanceTo(geometry, lon, lat) {
    const project = projector(lon, lat);
    const origin = [0, 0];
    let best = Infinity;
    for (const polygon of polygonsOf(geometry)) {
      const rings = polygon.map((ring) => ring.map(project));
      if (rings.length && ringContains(rings[0], origin) &&
          !rings.slice(1).some((hole) => ringContains(hole, origin))) {
        return 0;
      }
      for (const ring of rings) {
        for (let i = 1; i < ring.length; i++) best = Math.min(best, segmentDistance(origin, ring[i - 1], ring[i]));
      }
    }
    return best;
  }

  // "inside", "outside" or "unknown" (no fix, or one rougher than the rule allows).
  function insideState(fix, geometry, rule) {
    if (!fix || !geometry) return { state: "unknown", distance: null };
    const accuracy = Number(fix.accuracy_m);
    if (!Number.isFinite(accuracy) || accuracy < 0 || accuracy > rule.maxAccuracyM) {
      return { state: "unknown", distance: null };
    }
    const distance = distanceTo(geometry, fix.lon, fix.lat);
    return { state: distance <= rule.toleranceM + accuracy ? "inside" : "outside", distance };
  }

  // A map in `el` showing one hotspot and the officer. Returns { show(hotspot), me(fix) }.
  function create(el, base) {
    const { baseMap, esc } = window.HotspotMaps;
    const map = baseMap(el, base);
    const box = el.closest(".field-map") || el;
    // The shared base (core/basemap.js) says how the tiles stand; the field card follows it.
    const follow = () => (box.dataset.tiles = el.dataset.tiles || "off");
    follow();
    new MutationObserver(follow).observe(el, { attributes: true, attributeFilter: ["data-tiles"] });
    let outline = null;
    let area = null;
    let dot = null;
    let circle = null;
    let shown = null;
    // The hotspot's name on the map itself: with no tiles it is the only place name shown.
    const caption = document.createElement("p");
    caption.className = "map-caption";
    box.append(caption);
    const name = (h) => (h.rank ? `#${h.rank} ${h.label}` : h.label);
    let viewSet = false; // Leaflet has no bounds to read until a view is set

    function show(hotspot) {
      if (outline) outline.remove();
      if (area) area.remove();
      shown = hotspot;
      caption.textContent = "";
      if (!hotspot) return;
      if (hotspot.area && hotspot.area.geometry) {
        area = L.geoJSON(hotspot.area.geometry, { interactive: false,
          style: { color: "#7d3c98", weight: 1, dashArray: "4 4", fillOpacity: 0.03 } }).addTo(map);
      }
      outline = L.geoJSON(hotspot.geometry, {
        style: { color: "#7d3c98", weight: 3, fillColor: "#7d3c98", fillOpacity: 0.12 },
      }).bindTooltip(esc(name(hotspot))).addTo(map);
      caption.textContent = name(hotspot) + (hotspot.area ? ` · in ${hotspot.area.label}` : "");
      frame();
    }

    function frame() {
      if (!outline) return;
      let bounds = outline.getBounds();
      if (dot && bounds.pad(1.5).contains(dot.getLatLng())) bounds = bounds.extend(dot.getLatLng());
      map.invalidateSize();
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
      viewSet = true;
    }

    function me(fix) {
      if (!fix) return;
      const at = [fix.lat, fix.lon];
      if (!dot) {
        circle = L.circle(at, { radius: fix.accuracy_m, color: "#1f6fb2", weight: 1, fillOpacity: 0.12,
                                interactive: false }).addTo(map);
        dot = L.circleMarker(at, { radius: 7, color: "#ffffff", weight: 2, fillColor: "#1f6fb2",
                                   fillOpacity: 1 }).bindTooltip("You").addTo(map);
        frame();
      } else {
        dot.setLatLng(at);
        circle.setLatLng(at).setRadius(fix.accuracy_m);
      }
      if (!outline && !viewSet) {
        map.setView(at, 17);
        viewSet = true;
      } else if (!map.getBounds().contains(at)) {
        frame();
      }
    }

    return { map, show, me, frame, get hotspot() { return shown; } };
  }

  window.FieldMap = { create, insideState, distanceTo };
})();
