// The officers' field app: today's patrols, visits with GPS and activity counters, history,
// and the outbox's sync state. Everything an officer does is written to the device first
// (IndexedDB) and sent by the outbox, so nothing fails for want of signal.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("field-config").textContent);
  const { store, createSync, uuid4 } = window.FieldOutbox;
  const urls = config.urls;
  const COUNTERS = Array.from(document.querySelectorAll(".counter"), (el) => el.dataset.field);
  const FAR_M = 1000;

  const $ = (id) => document.getElementById(id);
  let current = null; // the visit in progress, mirrored in IndexedDB under "current"
  let pingTimer = null;
  let clockTimer = null;
  let assignments = [];
  let assignmentsKnown = false; // false until the server or a stored copy has answered
  let hotspots = new Map(); // id -> hotspot of the schedule (outline, briefing, visits today)
  let schedule = null; // the last schedule answer (fresh or the stored copy)
  let insideRule = { toleranceM: 25, maxAccuracyM: 100 };
  let visitMap = null;
  let briefMap = null;
  let watchId = null; // the live position timer
  let lastFix = null;
  let history = [];
  let syncState = null;

  // ---- helpers --------------------------------------------------------------------------

  function localDate(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  function hhmm(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  function dayTime(iso) {
    return new Date(iso).toLocaleString("en-GB", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    });
    children.flat().forEach((child) => {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    });
    return node;
  }

  function plural(n, word, many) {
    return `${n} ${n === 1 ? word : many || word + "s"}`;
  }

  function duration(minutes) {
    return minutes < 1 ? "under 1 min" : `${Math.round(minutes)} min`;
  }

  function metres(a, b) {
    // Haversine distance in metres between {lon, lat} points (offline nearest-hotspot guess).
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2 +
      Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  }

  // One GPS fix with the device's accuracy, or null when there is none (denied, no signal).
  function getFix(timeoutMs) {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (pos) => resolve({
          lon: pos.coords.longitude,
          lat: pos.coords.latitude,
          accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
          at: new Date(pos.timestamp || Date.now()).toISOString(),
        }),
        () => resolve(null),
        { enableHighAccuracy: true, timeout: timeoutMs || 15000, maximumAge: 5000 }
      );
    });
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin",
                                        headers: { Accept: "application/json" } });
    if (!response.ok) {
      const error = new Error(`HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return { data: await response.json(), savedAt: response.headers.get("X-Field-Saved-At"),
             cached: response.headers.get("X-Field-Cached") === "1" };
  }

  // The user name keys the service worker's stored copies, so that on a shared tablet one
  // officer never sees another's list offline; the API ignores the parameter.
  function dataUrl(base, params) {
    const query = new URLSearchParams({ ...params, for: config.username });
    return `${base}?${query}`;
  }

  function sourceNote(result) {
    if (!result.cached) return `Updated ${hhmm(new Date().toISOString())}`;
    return result.savedAt ? `Offline: saved copy from ${dayTime(result.savedAt)}` : "Offline: saved copy";
  }

  // ---- the schedule: the rest of the shift and the next 48 hours ---------------------------

  // The schedule the officer last acknowledged, kept in the service worker's data cache so
  // that signing out removes it with the other stored copies of their patrols.
  const SEEN_CACHE = "field-data-v1";

  function seenUrl() {
    return `${urls.page}schedule-seen?for=${encodeURIComponent(config.username)}`;
  }

  async function loadSeen() {
    if (!window.caches) return null;
    const stored = await caches.match(seenUrl(), { cacheName: SEEN_CACHE });
    return stored ? stored.json() : null;
  }

  async function saveSeen(data) {
    if (!window.caches) return;
    const cache = await caches.open(SEEN_CACHE);
    await cache.put(seenUrl(), new Response(JSON.stringify(data),
                                            { headers: { "Content-Type": "application/json" } }));
  }

  async function loadAssignments() {
    const status = $("today-status");
    try {
      const result = await getJson(dataUrl(urls.schedule, {}));
      applySchedule(result.data);
      status.textContent = sourceNote(result);
      if (current && visitMap && !visitMap.hotspot && hotspots.has(current.hotspot)) {
        visitMap.show(hotspots.get(current.hotspot)); // opened mid-visit before the schedule
        renderInside(lastFix);
      }
      if (!result.cached) await noteChanges(result.data);
    } catch (error) {
      status.textContent = error.status === 403
        ? "Signed out: sign in again to see your patrols (visits you log are kept)."
        : "Offline and no saved copy of your patrols yet.";
    }
    renderAssignments();
  }

  function applySchedule(data) {
    schedule = data;
    assignments = data.assignments;
    assignmentsKnown = true;
    hotspots = new Map(data.hotspots.map((h) => [h.id, h]));
    insideRule = data.inside_rule || insideRule;
  }

  function loggedAssignments() {
    const ids = new Set(history.map((v) => v.assignment).filter(Boolean));
    (syncState ? syncState.pending : []).forEach((r) => r.body.assignment && ids.add(r.body.assignment));
    return ids;
  }

  function dayHeading(date) {
    const today = localDate(new Date());
    const tomorrow = localDate(new Date(Date.now() + 86400000));
    const key = localDate(date);
    const name = date.toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" });
    if (key === today) return `Today, ${name}`;
    if (key === tomorrow) return `Tomorrow, ${name}`;
    return name;
  }

  function renderAssignments() {
    const list = $("assignments");
    const logged = loggedAssignments();
    const now = Date.now();
    list.replaceChildren();
    // Patrols that ended over 12 hours ago belong to an earlier shift.
    const shown = assignments.filter((a) => Date.parse(a.end) > now - 12 * 3600000);
    if (assignmentsKnown && !shown.length) {
      list.append(el("li", { class: "muted" }, "No patrols assigned in the next 48 hours."));
    }
    let day = null;
    shown.forEach((a) => {
      const start = new Date(a.start);
      if (localDate(start) !== day) {
        day = localDate(start);
        list.append(el("li", { class: "day-heading", "data-day": day }, dayHeading(start)));
      }
      const done = a.status === "done" || logged.has(a.id);
      const past = Date.parse(a.end) < now;
      const running = !past && Date.parse(a.start) <= now;
      const spot = hotspots.get(a.hotspot);
      list.append(el("li", {
        class: "assignment" + (done ? " done" : "") + (past ? " past" : "") + (running ? " now" : ""),
        "data-assignment": a.id, "data-start": a.start,
      },
        el("div", { class: "assignment-text" },
          el("strong", {}, `${hhmm(a.start)}–${hhmm(a.end)}`),
          el("span", {}, `Hotspot #${a.hotspot_rank}: ${a.hotspot_label}`),
          a.with ? el("small", { class: "muted" }, `With ${a.with}`) : null,
          done ? el("small", { class: "tag ok" }, "Visit logged") : null,
          running && !done ? el("small", { class: "tag now" }, "Now") : null,
          spot ? visitsToday(spot) : null),
        el("div", { class: "assignment-actions" },
          spot ? el("button", { type: "button", class: "brief-button",
                                onclick: () => openBriefing(spot) }, "Briefing & map") : null,
          el("button", {
            type: "button", class: "big-button start", disabled: current ? "" : null,
            onclick: () => startVisit({ hotspot: a.hotspot, assignment: a.id,
                                        label: `#${a.hotspot_rank} ${a.hotspot_label}` }),
          }, done ? "Visit again" : "Start visit"))));
    });
  }

  // Visits at a hotspot today: the server's count when the schedule was fetched, plus this
  // device's visits still waiting to be sent.
  function visitsTodayCount(spot) {
    const today = localDate(new Date());
    const fetchedToday = schedule && localDate(new Date(schedule.generated_at)) === today;
    const waiting = (syncState ? syncState.pending : []).filter((r) => r.kind === "visit" &&
      r.status === "waiting" && r.body.hotspot === spot.id &&
      localDate(new Date(r.body.started_at)) === today).length;
    return (fetchedToday ? spot.visits_today || 0 : 0) + waiting;
  }

  function visitsToday(spot) {
    const n = visitsTodayCount(spot);
    const reached = spot.dose_reached_today
      ? el("span", { class: "tag warn" }, "Dose reached today") : null;
    return el("small", { class: "visits-today muted" },
      `${plural(n, "visit")} here today`, reached ? " " : "", reached);
  }

  // ---- what changed since the officer last looked ---------------------------------------

  function patrolLine(a) {
    return `${dayTime(a.start)}–${hhmm(a.end)}, hotspot #${a.hotspot_rank} ${a.hotspot_label}`;
  }

  // Compare two schedules over the part both cover and that has not yet ended: patrols added,
  // removed, and moved (other time or hotspot).
  function diffSchedules(before, after) {
    const now = Date.now();
    const from = Math.max(Date.parse(before.window.start), Date.parse(after.window.start), now);
    const to = Math.min(Date.parse(before.window.end), Date.parse(after.window.end));
    const inScope = (a) => Date.parse(a.end) > from && Date.parse(a.start) < to;
    const old = new Map(before.assignments.filter(inScope).map((a) => [a.id, a]));
    const fresh = new Map(after.assignments.filter(inScope).map((a) => [a.id, a]));
    const changes = [];
    fresh.forEach((a, id) => {
      const was = old.get(id);
      if (!was) changes.push({ kind: "added", text: `New: ${patrolLine(a)}`, start: a.start });
      else if (was.start !== a.start || was.end !== a.end || was.hotspot !== a.hotspot) {
        changes.push({ kind: "moved", start: a.start,
                       text: `Changed: ${patrolLine(was)} is now ${patrolLine(a)}` });
      }
    });
    old.forEach((a, id) => {
      if (!fresh.has(id)) changes.push({ kind: "removed", text: `Removed: ${patrolLine(a)}`, start: a.start });
    });
    return changes.sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
  }

  async function noteChanges(data) {
    const seen = await loadSeen();
    if (!seen) {
      await saveSeen(data); // the first schedule since sign-in is the baseline
      renderChanges([], data);
      return;
    }
    renderChanges(diffSchedules(seen, data), data);
  }

  function renderChanges(changes, data) {
    $("changes").hidden = changes.length === 0;
    const list = $("changes-list");
    list.replaceChildren(...changes.map((c) => el("li", { class: `change ${c.kind}` }, c.text)));
    const plans = data.plans.filter((p) => p.published_at)
      .map((p) => `${p.name} (published ${dayTime(p.published_at)})`);
    $("changes-plans").textContent = plans.length ? `Current plans: ${plans.join("; ")}.` : "";
  }

  async function acknowledgeChanges() {
    if (schedule) await saveSeen(schedule);
    $("changes").hidden = true;
  }

  // ---- briefing: why a place is a hotspot, what colleagues saw there, and the map ---------

  function openBriefing(spot) {
    const b = spot.briefing;
    $("briefing").hidden = false;
    $("briefing").dataset.hotspot = spot.id;
    $("briefing-title").textContent = `Hotspot #${spot.rank}: ${spot.label}`;
    const why = $("briefing-why");
    why.replaceChildren(
      el("li", {}, `${b.incidents} incidents recorded ${b.period} (${b.source}).`),
      b.top_categories.length ? el("li", {}, "Mostly: " + b.top_categories.map((c) =>
        `${c.name} (${c.share === null ? c.count : Math.round(c.share * 100) + "%"})`).join(", ") + ".") : null,
      b.peak.window ? el("li", {}, `Best patrol window: ${b.peak.window}.`) : null,
      b.peak.hours ? el("li", {}, `Busiest hours ${b.peak.hours}; busiest days ${b.peak.days.join(" and ")}.`) : null,
      el("li", { class: `trend ${b.trend.direction}` }, trendText(b.trend)));
    $("briefing-today").replaceChildren(visitsToday(spot));
    const notes = $("briefing-notes");
    notes.replaceChildren(...b.notes.map((n) => el("li", {},
      el("small", { class: "muted" }, `${dayTime(n.at)}${n.mine ? " · you" : ""}`), el("p", {}, n.text))));
    if (!b.notes.length) notes.append(el("li", { class: "muted" }, "No notes from visits in the last 90 days."));
    $("briefing-start").onclick = () => startVisit({ hotspot: spot.id, assignment: null,
                                                     label: `#${spot.rank} ${spot.label}` });
    $("briefing-start").disabled = !!current;
    if (!briefMap) briefMap = window.FieldMap.create($("briefing-map"), config.base);
    briefMap.show(spot);
    watchPosition();
    if (lastFix) briefMap.me(lastFix);
    $("briefing").scrollIntoView({ block: "start" });
  }

  function trendText(trend) {
    if (trend.direction === "unknown") return "Too few months to judge the trend.";
    const words = { rising: "Rising", falling: "Falling", steady: "Steady" };
    return `${words[trend.direction]}: ${trend.recent} incidents in the last three months ` +
      `against ${trend.before} in the three before.`;
  }

  function closeBriefing() {
    $("briefing").hidden = true;
    if (!current) stopWatching();
  }

  // ---- ad hoc visits: the hotspots nearby ---------------------------------------------------

  async function findNearest() {
    const status = $("adhoc-status");
    $("adhoc-result").hidden = true;
    status.textContent = "Finding your position…";
    const fix = await getFix();
    if (!fix) {
      status.textContent = "No GPS position: check that location is allowed for this app.";
      return;
    }
    lastFix = fix;
    try {
      const { data } = await getJson(`${urls.nearby}?lon=${fix.lon}&lat=${fix.lat}`);
      if (!data.length) {
        status.textContent = "There are no hotspots for your force.";
        return;
      }
      offerNearby(data.map((h) => ({ ...h, id: h.hotspot, distance: h.distance_m })), "");
    } catch (error) {
      offerNearestKnown(fix); // offline: the hotspots of the saved schedule
    }
  }

  function offerNearestKnown(fix) {
    const known = Array.from(hotspots.values(), (h) => ({
      ...h, hotspot: h.id, distance: metres(fix, { lon: h.centroid_lon, lat: h.centroid_lat }),
    })).sort((a, b) => a.distance - b.distance).slice(0, 5);
    if (!known.length) {
      $("adhoc-status").textContent = "Offline: hotspots nearby can only be found online.";
      return;
    }
    offerNearby(known, "Offline: hotspots of your saved schedule; visit counts as last synced.");
  }

  function offerNearby(choices, note) {
    const list = $("adhoc-list");
    list.replaceChildren(...choices.map((c) => {
      const spot = hotspots.get(c.hotspot) || { ...c, id: c.hotspot };
      const far = c.distance > FAR_M ? " · far: are you there?" : "";
      const label = `#${c.rank} ${c.label}`;
      const count = hotspots.has(c.hotspot) ? visitsTodayCount(spot) : c.visits_today;
      return el("li", { class: "nearby", "data-hotspot": c.hotspot },
        el("div", { class: "assignment-text" },
          el("strong", {}, `Hotspot ${label}`),
          el("small", { class: "muted" }, `About ${Math.round(c.distance)} m away${far}`),
          el("small", { class: "visits-today" }, `${plural(count, "visit")} here today`),
          spot.dose_reached_today ? el("small", { class: "tag warn" }, "Dose reached today") : null),
        el("div", { class: "assignment-actions" },
          spot.briefing ? el("button", { type: "button", class: "brief-button",
                                         onclick: () => openBriefing(spot) }, "Briefing & map") : null,
          el("button", { type: "button", class: "big-button adhoc-start", disabled: current ? "" : null,
                         onclick: () => startVisit({ hotspot: c.hotspot, assignment: null, label,
                                                     geometry: c.geometry }) }, "Start visit here")));
    }));
    $("adhoc-text").textContent = note;
    $("adhoc-status").textContent = "";
    $("adhoc-result").hidden = false;
  }

  // ---- position: a fix every few seconds while a map is open or a visit runs --------------
  // (Repeated one-off fixes rather than watchPosition: a watch that sees no movement stops
  // answering one-off requests in Chromium, which would starve the visit's GPS pings.)

  const LIVE_MS = 5000;

  function watchPosition() {
    if (watchId !== null || !navigator.geolocation) return;
    const tick = async () => {
      const fix = await getFix(LIVE_MS * 2);
      if (fix && watchId !== null) onFix(fix);
    };
    watchId = setInterval(tick, LIVE_MS);
    tick();
  }

  function stopWatching() {
    clearInterval(watchId);
    watchId = null;
  }

  function onFix(fix) {
    lastFix = fix;
    if (briefMap && !$("briefing").hidden) briefMap.me(fix);
    if (current) {
      if (visitMap) visitMap.me(fix);
      renderInside(fix);
    }
  }

  function visitGeometry() {
    if (!current) return null;
    const spot = hotspots.get(current.hotspot);
    return spot ? spot.geometry : current.geometry || null;
  }

  function renderInside(fix) {
    const box = $("visit-inside");
    const { state, distance } = window.FieldMap.insideState(fix, visitGeometry(), insideRule);
    box.dataset.state = state;
    box.textContent = state === "inside" ? "Inside the hotspot"
      : state === "outside" ? `Outside the hotspot (about ${Math.round(distance)} m away)`
        : !visitGeometry() ? "Hotspot outline not on this device"
          : fix ? `GPS too rough (±${Math.round(fix.accuracy_m)} m) to tell` : "Waiting for GPS…";
  }

  // ---- the visit in progress ----------------------------------------------------------

  async function startVisit({ hotspot, assignment, label, geometry }) {
    if (current) return;
    const counts = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
    current = { client_uuid: uuid4(), hotspot, assignment: assignment || null, label,
                geometry: hotspots.has(hotspot) ? null : geometry || null,
                user: config.username, started_at: new Date().toISOString(), start: null,
                counts, notes: "", pings: 0, accuracy: null };
    await store.put("current", current);
    $("adhoc-result").hidden = true;
    $("briefing").hidden = true;
    showVisit();
    const fix = await getFix();
    if (fix && current && !current.start) {
      current.start = { lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy_m };
      current.accuracy = fix.accuracy_m;
      await save();
      renderVisitMeta();
      onFix(fix);
    }
  }

  function save() {
    return current ? store.put("current", current) : Promise.resolve();
  }

  function showVisit() {
    $("visit-panel").hidden = false;
    $("visit-where").textContent = `Hotspot ${current.label}` +
      (current.assignment ? "" : " (ad hoc)");
    $("visit-notes").value = current.notes;
    COUNTERS.forEach(renderCounter);
    renderVisitMeta();
    renderAssignments();
    clearInterval(clockTimer);
    clockTimer = setInterval(renderClock, 1000);
    renderClock();
    clearInterval(pingTimer);
    pingTimer = setInterval(ping, config.pingSeconds * 1000);
    $("visit-panel").scrollIntoView({ block: "start" });
    if (!visitMap) visitMap = window.FieldMap.create($("visit-map"), config.base);
    const spot = hotspots.get(current.hotspot);
    visitMap.show(spot || (current.geometry
      ? { geometry: current.geometry, rank: "", label: current.label } : null));
    renderInside(lastFix);
    if (lastFix) visitMap.me(lastFix);
    watchPosition();
  }

  function hideVisit() {
    clearInterval(pingTimer);
    clearInterval(clockTimer);
    $("visit-panel").hidden = true;
    if ($("briefing").hidden) stopWatching();
    renderAssignments();
  }

  function renderClock() {
    if (!current) return;
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(current.started_at)) / 1000));
    const m = Math.floor(seconds / 60);
    $("visit-clock").textContent = `${m}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function renderVisitMeta() {
    const gps = current.accuracy === null ? "Waiting for GPS…" : `GPS ±${Math.round(current.accuracy)} m`;
    $("visit-gps").textContent = `${gps} · ${plural(current.pings, "GPS point")}`;
    $("visit-gps").dataset.pings = current.pings;
  }

  function renderCounter(name) {
    document.querySelector(`.counter[data-field="${name}"] .counter-value`).textContent =
      current.counts[name];
  }

  async function ping() {
    const visit = current;
    if (!visit) return;
    const fix = await getFix(20000);
    if (!fix || current !== visit) return; // no fix, or the visit ended while we waited
    await store.addPing({ client_uuid: uuid4(), visit: visit.client_uuid, at: fix.at,
                          lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy_m });
    visit.pings += 1;
    visit.accuracy = fix.accuracy_m;
    await save();
    renderVisitMeta();
    onFix(fix);
  }

  async function count(name, step) {
    if (!current) return;
    current.counts[name] = Math.max(0, current.counts[name] + step);
    renderCounter(name);
    if (navigator.vibrate) navigator.vibrate(15);
    await save();
  }

  async function endVisit() {
    if (!current) return;
    const button = $("end-visit");
    button.disabled = true;
    const endedAt = new Date().toISOString();
    clearInterval(pingTimer);
    button.textContent = "Getting final position…";
    const fix = await getFix(10000);
    current.notes = $("visit-notes").value;
    const body = {
      client_uuid: current.client_uuid,
      hotspot: current.hotspot,
      assignment: current.assignment,
      started_at: current.started_at,
      ended_at: endedAt,
      start: current.start,
      end: fix ? { lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy_m } : null,
      ...current.counts,
      notes: current.notes,
    };
    const summary = { label: current.label, pings: current.pings };
    await store.queueVisit({ body, user: current.user, summary });
    current = null;
    hideVisit();
    button.disabled = false;
    button.textContent = "End visit";
    await sync.report();
    sync.run();
  }

  async function discardVisit() {
    if (!current || !window.confirm("Discard this visit? Nothing of it will be sent.")) return;
    await store.discardCurrent(current.client_uuid);
    current = null;
    hideVisit();
  }

  // ---- history and records ------------------------------------------------------------

  async function loadHistory() {
    const status = $("history-status");
    try {
      const result = await getJson(dataUrl(urls.visits, {}));
      history = result.data;
      status.textContent = result.cached ? sourceNote(result) : "";
    } catch (error) {
      status.textContent = error.status === 403 ? "Signed out: sign in again to see your visits."
        : "Offline: your sent visits show when the connection returns.";
    }
    renderHistory();
    renderAssignments();
  }

  function activity(counts) {
    const names = { arrests: "arrest", stop_searches: "stop-search", dispersals: "dispersal",
                    asb_warnings: "ASB warning", people_engaged: "person engaged",
                    intelligence_reports: "intelligence report" };
    const many = { stop_searches: "stop-searches", people_engaged: "people engaged" };
    const parts = Object.keys(names).filter((k) => counts[k] > 0)
      .map((k) => plural(counts[k], names[k], many[k]));
    return parts.length ? parts.join(", ") : "No activity recorded";
  }

  function renderHistory() {
    const list = $("history-list");
    list.replaceChildren();
    history.slice(0, 20).forEach((v) => {
      list.append(el("li", { class: "record sent", "data-uuid": v.client_uuid },
        el("strong", {}, `${dayTime(v.started_at)} · ${duration(v.minutes)}`),
        el("span", {}, `${v.hotspot_label}${v.assignment ? "" : " (ad hoc)"}`),
        el("small", { class: "muted" }, `${activity(v)} · ${plural(v.ping_count, "GPS point")}` +
          (v.band ? ` · ${v.band}` : ""))));
    });
    if (!history.length && !$("history-status").textContent) {
      $("history-status").textContent = "No visits sent yet.";
    }
  }

  function renderPending(state) {
    const list = $("pending-list");
    list.replaceChildren();
    state.pending.filter((r) => r.status === "waiting").forEach((r) => {
      list.append(el("li", { class: "record waiting", "data-uuid": r.visit },
        el("strong", {}, `${dayTime(r.body.started_at)} · ` +
          duration((Date.parse(r.body.ended_at) - Date.parse(r.body.started_at)) / 60000)),
        el("span", {}, r.summary.label + (r.body.assignment ? "" : " (ad hoc)")),
        el("small", {}, el("span", { class: "tag wait" }, "Waiting to send"), " ", activity(r.body))));
    });
  }

  function renderAttention(state) {
    const list = $("attention-list");
    list.replaceChildren();
    $("attention").hidden = state.attention.length === 0;
    state.attention.forEach((r) => {
      const what = r.kind === "visit"
        ? `Visit ${r.summary.label}, ${dayTime(r.body.started_at)}`
        : `${plural(r.body.length, "GPS point")} of a visit`;
      list.append(el("li", { class: "record attention", "data-id": r.id },
        el("strong", {}, what),
        el("span", { class: "error" }, `Refused (${r.http}): ${r.error}`),
        el("small", { class: "muted" }, `Reference ${r.visit}`),
        el("div", { class: "record-actions" },
          el("button", { type: "button", onclick: () => sync.retry(r.id) }, "Try again"),
          el("button", { type: "button", class: "danger", onclick: () => removeRecord(r) }, "Remove"))));
    });
  }

  async function removeRecord(record) {
    if (!window.confirm("Remove this record from the tablet? It will not be sent.")) return;
    if (record.kind === "visit") await store.removeVisit(record.visit);
    else await store.delete(record.id);
    sync.report();
  }

  // ---- sync state -------------------------------------------------------------------------

  function renderSync(state) {
    syncState = state;
    const bar = $("sync-bar");
    const parts = [];
    if (state.waitingVisits) parts.push(`${plural(state.waitingVisits, "visit")} waiting to send`);
    if (state.waitingPings) parts.push(`${plural(state.waitingPings, "GPS point")} waiting`);
    let text = parts.join(", ");
    let mood = "ok";
    if (!parts.length) text = "All sent";
    else if (state.phase === "sending") { text = "Sending… " + text; mood = "busy"; }
    else if (state.phase === "signin") { text += ": sign in again to send"; mood = "warn"; }
    else if (state.phase === "retrying" && state.nextAt) {
      text += `: retrying at ${hhmm(new Date(state.nextAt).toISOString())}`;
      mood = "warn";
    } else mood = "warn";
    if (state.attention.length) {
      text += ` · ${state.attention.length} need${state.attention.length === 1 ? "s" : ""} attention`;
      mood = "bad";
    }
    if (state.otherUsers.length) text += ` · kept for ${state.otherUsers.join(", ")}`;
    const signIn = state.phase === "signin"
      ? el("a", { href: `${urls.login}?next=${encodeURIComponent(urls.page)}` }, "Sign in")
      : null;
    $("sync-text").replaceChildren(text, signIn ? " " : "", signIn || "");
    $("net-state").textContent = state.online ? "Online" : "Offline";
    bar.dataset.state = mood;
    bar.dataset.online = state.online ? "yes" : "no";
    bar.dataset.waiting = state.waitingVisits + (state.waitingPings ? 1 : 0);
    $("sync-now").hidden = !parts.length || !state.online;
    renderPending(state);
    renderAttention(state);
  }

  const sync = createSync({
    urls,
    onChange: renderSync,
    onSent: () => {
      loadHistory();
      loadAssignments();
    },
  });

  // ---- start ------------------------------------------------------------------------------

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(urls.sw, { scope: urls.page }).catch(() => null);
    // The first visit is not yet controlled: fetch again through the worker so that today's
    // patrols are stored for offline use.
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      loadAssignments();
      loadHistory();
    });
  }

  async function init() {
    COUNTERS.forEach((name) => {
      const box = document.querySelector(`.counter[data-field="${name}"]`);
      box.querySelector(".counter-plus").addEventListener("click", () => count(name, 1));
      box.querySelector(".counter-minus").addEventListener("click", () => count(name, -1));
    });
    let noteTimer = null;
    $("visit-notes").addEventListener("input", () => {
      clearTimeout(noteTimer);
      noteTimer = setTimeout(() => {
        if (current) {
          current.notes = $("visit-notes").value;
          save();
        }
      }, 300);
    });
    $("end-visit").addEventListener("click", endVisit);
    $("discard-visit").addEventListener("click", discardVisit);
    $("adhoc-find").addEventListener("click", findNearest);
    $("changes-seen").addEventListener("click", acknowledgeChanges);
    $("briefing-close").addEventListener("click", closeBriefing);
    setInterval(renderAssignments, 60000); // "Now" and past patrols move on with the clock
    $("sync-now").addEventListener("click", () => sync.run());
    window.addEventListener("online", () => { loadAssignments(); loadHistory(); });

    current = (await store.get("current")) || null;
    if (current) showVisit(); // the page was closed or reloaded during a visit: carry on
    registerServiceWorker();
    sync.start();
    await Promise.all([loadAssignments(), loadHistory()]);
    document.body.dataset.fieldReady = "yes";
  }

  init();
})();
