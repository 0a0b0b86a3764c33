// The field app's outbox: finished visits and GPS pings kept in IndexedDB until the server has
// them. Each record carries the client UUID the server deduplicates on, and its body is frozen
// when it is queued, so resending after a lost answer leaves exactly one record on the server.
(function () {
  "use strict";

  const DB_NAME = "hotspot-field";
  const DB_VERSION = 1;
  const PING_BATCH = 200;
  const FIRST_RETRY_MS = 5000;
  const LONGEST_RETRY_MS = 5 * 60 * 1000;
  const PERIODIC_MS = 30000;
  const SEND_TIMEOUT_MS = 20000;

  let dbPromise = null;

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = () => {
          const db = req.result;
          db.createObjectStore("outbox", { keyPath: "id" });
          const pings = db.createObjectStore("pings", { keyPath: "client_uuid" });
          pings.createIndex("visit", "visit", { unique: false });
          db.createObjectStore("state", { keyPath: "key" });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }

  // Run fn(stores) in one transaction; resolves with fn's result once the transaction commits,
  // so a caller never sees a change that the device could still lose.
  async function transact(names, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode);
      const stores = {};
      names.forEach((name) => (stores[name] = tx.objectStore(name)));
      let result;
      Promise.resolve(fn(stores)).then(
        (value) => (result = value),
        (error) => {
          try { tx.abort(); } catch (ignored) { /* already finished */ }
          reject(error);
        }
      );
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    });
  }

  const store = {
    async get(key) {
      const row = await transact(["state"], "readonly", (s) => request(s.state.get(key)));
      return row ? row.value : undefined;
    },
    put(key, value) {
      return transact(["state"], "readwrite", (s) => request(s.state.put({ key, value })));
    },
    addPing(ping) {
      return transact(["pings"], "readwrite", (s) => request(s.pings.put(ping)));
    },
    records() {
      return transact(["outbox"], "readonly", (s) => request(s.outbox.getAll()));
    },
    update(record) {
      return transact(["outbox"], "readwrite", (s) => request(s.outbox.put(record)));
    },
    delete(id) {
      return transact(["outbox"], "readwrite", (s) => request(s.outbox.delete(id)));
    },

    // The visit in progress and its pings go; nothing is queued.
    discardCurrent(visitUuid) {
      return transact(["pings", "state"], "readwrite", async (s) => {
        const keys = await request(s.pings.index("visit").getAllKeys(visitUuid));
        keys.forEach((key) => s.pings.delete(key));
        s.state.delete("current");
      });
    },

    // Freeze a finished visit into the outbox with its pings in batches, and clear the visit in
    // progress, all in one transaction: a crash leaves either the visit in progress or the
    // queued records, never both and never neither.
    queueVisit({ body, user, summary }) {
      return transact(["outbox", "pings", "state"], "readwrite", async (s) => {
        const uuid = body.client_uuid;
        const pings = await request(s.pings.index("visit").getAll(uuid));
        pings.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        const base = { visit: uuid, user, queued_at: new Date().toISOString(), attempts: 0,
                       status: "waiting", error: "" };
        s.outbox.put({ ...base, id: "visit:" + uuid, kind: "visit", body, summary });
        for (let i = 0; i < pings.length; i += PING_BATCH) {
          const batch = pings.slice(i, i + PING_BATCH).map((p) => ({
            client_uuid: p.client_uuid, at: p.at, lon: p.lon, lat: p.lat, accuracy_m: p.accuracy_m,
          }));
          s.outbox.put({ ...base, id: `pings:${uuid}:${i / PING_BATCH}`, kind: "pings", body: batch });
        }
        pings.forEach((p) => s.pings.delete(p.client_uuid));
        s.state.delete("current");
      });
    },

    // A visit's record and its ping batches (removing a visit that needs attention).
    removeVisit(visitUuid) {
      return transact(["outbox"], "readwrite", async (s) => {
        const all = await request(s.outbox.getAll());
        all.filter((r) => r.visit === visitUuid).forEach((r) => s.outbox.delete(r.id));
      });
    },
  };

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16)); // older browsers: RFC 4122 version 4
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function call(url, options) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
    try {
      return await fetch(url, { credentials: "same-origin", signal: controller.signal,
                                ...options,
                                headers: { Accept: "application/json", ...(options || {}).headers } });
    } finally {
      clearTimeout(timer);
    }
  }

  function postJson(url, body) {
    return call(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  }

  async function detailOf(response) {
    const data = await response.json().catch(() => null);
    if (!data) return `HTTP ${response.status}`;
    if (data.detail) return String(data.detail);
    return JSON.stringify(data).slice(0, 400);
  }

  // Sends the outbox: on start, when the connection returns, every PERIODIC_MS, and after
  // failures with exponential backoff (5 s doubling to 5 min, with jitter so that a team's
  // tablets regaining signal together do not all call at once).
  function createSync({ urls, onChange, onSent }) {
    let running = false;
    let again = false;
    let failures = 0;
    let timer = null;
    let nextAt = null;
    let phase = "idle"; // idle | sending | offline | retrying | signin
    let lastError = "";
    let serverUser = null;

    function delay() {
      const base = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), LONGEST_RETRY_MS);
      return Math.round(base * (0.75 + Math.random() * 0.5));
    }

    function retryLater(why, nextPhase) {
      failures += 1;
      lastError = why;
      phase = nextPhase || "retrying";
      clearTimeout(timer);
      const wait = delay();
      nextAt = Date.now() + wait;
      timer = setTimeout(run, wait);
      return "stop";
    }

    async function whoAmI() {
      let response;
      try {
        response = await call(urls.me, { cache: "no-store" });
      } catch (error) {
        return retryLater("No connection");
      }
      if (response.status === 401 || response.status === 403) {
        return retryLater("Signed out: sign in to send", "signin");
      }
      if (!response.ok) return retryLater(`Server error ${response.status}`);
      serverUser = (await response.json()).username;
      return serverUser;
    }

    async function send(record) {
      const url = record.kind === "visit" ? urls.visits : urls.pings.replace("{uuid}", record.visit);
      let response;
      try {
        response = await postJson(url, record.body);
      } catch (error) {
        await store.update({ ...record, attempts: record.attempts + 1, error: "No connection" });
        return retryLater("No connection");
      }
      if (response.ok) {
        await store.delete(record.id);
        return "sent";
      }
      const detail = await detailOf(response);
      if (response.status === 403 && /CSRF/i.test(detail)) {
        await call(urls.page, { headers: { Accept: "text/html" } }).catch(() => null); // new cookie
        return retryLater("Security token refreshed");
      }
      if ([400, 403, 404, 409, 413, 422].includes(response.status)) {
        // Resending the same content cannot change the answer: keep it for the officer.
        await store.update({ ...record, status: "attention", error: detail, http: response.status });
        return "attention";
      }
      await store.update({ ...record, attempts: record.attempts + 1, error: detail });
      return retryLater(`Server error ${response.status}`);
    }

    async function pass() {
      let records = await store.records();
      if (!records.some((r) => r.status === "waiting")) {
        failures = 0;
        phase = "idle";
        return;
      }
      if (!navigator.onLine) {
        phase = "offline";
        return; // the online event starts the next pass
      }
      phase = "sending";
      report();
      if ((await whoAmI()) === "stop") return;
      const mine = records.filter((r) => r.status === "waiting" && r.user === serverUser);
      let sent = 0;
      for (const record of mine.filter((r) => r.kind === "visit")) {
        const outcome = await send(record);
        if (outcome === "stop") return;
        if (outcome === "sent") sent += 1;
      }
      // Pings follow their visit: the server only takes pings for a visit it holds.
      records = await store.records();
      const unsentVisits = new Set(records.filter((r) => r.kind === "visit").map((r) => r.visit));
      for (const record of records.filter((r) => r.kind === "pings" && r.status === "waiting")) {
        if (record.user !== serverUser || unsentVisits.has(record.visit)) continue;
        const outcome = await send(record);
        if (outcome === "stop") return;
        if (outcome === "sent") sent += 1;
      }
      failures = 0;
      nextAt = null;
      lastError = "";
      phase = "idle";
      if (sent && onSent) onSent();
    }

    async function run() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      nextAt = null;
      try {
        do {
          again = false;
          if (navigator.locks) {
            // One tab sends at a time; the server would cope, but the counts stay honest.
            await navigator.locks.request("hotspot-field-sync", pass);
          } else {
            await pass();
          }
        } while (again);
      } catch (error) {
        retryLater(String(error));
      } finally {
        running = false;
        report();
      }
    }

    async function report() {
      const records = await store.records().catch(() => []);
      const waiting = records.filter((r) => r.status === "waiting");
      const forMe = (r) => serverUser === null || r.user === serverUser;
      onChange({
        phase: navigator.onLine ? phase : "offline",
        online: navigator.onLine,
        waitingVisits: waiting.filter((r) => r.kind === "visit" && forMe(r)).length,
        waitingPings: waiting.filter((r) => r.kind === "pings" && forMe(r))
          .reduce((n, r) => n + r.body.length, 0),
        otherUsers: [...new Set(waiting.filter((r) => !forMe(r)).map((r) => r.user))],
        attention: records.filter((r) => r.status === "attention"),
        pending: waiting.filter((r) => r.kind === "visit"),
        nextAt,
        lastError,
      });
    }

    function start() {
      window.addEventListener("online", () => {
        failures = 0; // the connection is back: try at once, not at the end of the backoff
        run();
      });
      window.addEventListener("offline", report);
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") run();
      });
      setInterval(() => {
        if (!running && (nextAt === null || Date.now() >= nextAt)) run();
      }, PERIODIC_MS);
      run();
    }

    async function retry(id) {
      const record = (await store.records()).find((r) => r.id === id);
      if (record) await store.update({ ...record, status: "waiting", error: "" });
      failures = 0;
      run();
    }

    return { start, run, report, retry };
  }

  window.FieldOutbox = { store, createSync, uuid4 };
})();
