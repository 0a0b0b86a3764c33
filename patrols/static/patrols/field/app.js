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
  let history = [];
  let syncState = null;
  let adhocChoice = null;

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

  // ---- today's patrols ------------------------------------------------------------------

  async function loadAssignments() {
    const status = $("today-status");
    try {
      const result = await getJson(dataUrl(urls.assignments, { date: localDate(new Date()) }));
      assignments = result.data;
      assignmentsKnown = true;
      status.textContent = sourceNote(result);
    } catch (error) {
      status.textContent = error.status === 403
        ? "Signed out: sign in again to see today's patrols (visits you log are kept)."
        : "Offline and no saved copy of today's patrols yet.";
    }
    renderAssignments();
  }

  function loggedAssignments() {
    const ids = new Set(history.map((v) => v.assignment).filter(Boolean));
    (syncState ? syncState.pending : []).forEach((r) => r.body.assignment && ids.add(r.body.assignment));
    return ids;
  }

  function renderAssignments() {
    const list = $("assignments");
    const logged = loggedAssignments();
    list.replaceChildren();
    if (assignmentsKnown && !assignments.length) {
      list.append(el("li", { class: "muted" }, "No patrols assigned for today."));
    }
    assignments.forEach((a) => {
      const done = a.status === "done" || logged.has(a.id);
      list.append(el("li", { class: "assignment" + (done ? " done" : ""), "data-assignment": a.id },
        el("div", { class: "assignment-text" },
          el("strong", {}, `${hhmm(a.start)}–${hhmm(a.end)}`),
          el("span", {}, `Hotspot #${a.hotspot_rank}: ${a.hotspot_label}`),
          done ? el("small", { class: "tag ok" }, "Visit logged") : null),
        el("button", {
          type: "button", class: "big-button start", disabled: current ? "" : null,
          onclick: () => startVisit({ hotspot: a.hotspot, assignment: a.id,
                                      label: `#${a.hotspot_rank} ${a.hotspot_label}` }),
        }, done ? "Visit again" : "Start visit")));
    });
  }

  // ---- ad hoc visits ------------------------------------------------------------------

  async function findNearest() {
    const status = $("adhoc-status");
    $("adhoc-result").hidden = true;
    status.textContent = "Finding your position…";
    const fix = await getFix();
    if (!fix) {
      status.textContent = "No GPS position: check that location is allowed for this app.";
      return;
    }
    try {
      const { data } = await getJson(`${urls.nearest}?lon=${fix.lon}&lat=${fix.lat}`);
      offerAdhoc({ hotspot: data.hotspot, label: `#${data.rank} ${data.label}`,
                   distance: data.distance_m });
    } catch (error) {
      if (error.status === 404) {
        status.textContent = "There are no hotspots for your force.";
        return;
      }
      offerNearestKnown(fix); // offline: the nearest of today's patrols' hotspots
    }
  }

  function offerNearestKnown(fix) {
    const known = assignments.map((a) => ({
      hotspot: a.hotspot, label: `#${a.hotspot_rank} ${a.hotspot_label}`,
      distance: metres(fix, { lon: a.centroid_lon, lat: a.centroid_lat }),
    })).sort((a, b) => a.distance - b.distance);
    if (!known.length) {
      $("adhoc-status").textContent = "Offline: the nearest hotspot can only be found online.";
      return;
    }
    offerAdhoc(known[0], "Offline: nearest of today's patrol hotspots. ");
  }

  function offerAdhoc(choice, prefix) {
    adhocChoice = choice;
    const far = choice.distance > FAR_M ? " That is far: are you sure you are there?" : "";
    $("adhoc-text").textContent =
      `${prefix || ""}Hotspot ${choice.label}, about ${Math.round(choice.distance)} m away.${far}`;
    $("adhoc-status").textContent = "";
    $("adhoc-result").hidden = false;
  }

  // ---- the visit in progress ----------------------------------------------------------

  async function startVisit({ hotspot, assignment, label }) {
    if (current) return;
    const counts = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
    current = { client_uuid: uuid4(), hotspot, assignment: assignment || null, label,
                user: config.username, started_at: new Date().toISOString(), start: null,
                counts, notes: "", pings: 0, accuracy: null };
    await store.put("current", current);
    $("adhoc-result").hidden = true;
    showVisit();
    const fix = await getFix();
    if (fix && current && !current.start) {
      current.start = { lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy_m };
      current.accuracy = fix.accuracy_m;
      await save();
      renderVisitMeta();
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
  }

  function hideVisit() {
    clearInterval(pingTimer);
    clearInterval(clockTimer);
    $("visit-panel").hidden = true;
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
    $("adhoc-start").addEventListener("click", () => adhocChoice && startVisit(adhocChoice));
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
