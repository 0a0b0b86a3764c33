// Service worker of the officers' field app (served by patrols.views_field.service_worker).
// It keeps the app shell so that the page opens without a network, and the last answers for
// today's patrols and the officer's visits. Writes are not its business: the page's outbox
// holds them until the server has them.
"use strict";

const CONFIG = {{ config_json|safe }};
const SHELL = "field-shell-" + CONFIG.version; // replaced whole when the shell changes
// The page and API answers, kept across shell versions; app.js keeps the officer's last
// acknowledged schedule here too, so that signing out removes it.
const DATA = "field-data-v1";
const PAGE_WAIT_MS = 4000; // poor signal: show the stored page rather than a blank screen
const DATA_WAIT_MS = 6000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(CONFIG.assets.map((url) => new Request(url, { cache: "reload" })));
    await storePage(await fetch(CONFIG.page, { credentials: "same-origin" }).catch(() => null));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("field-shell-") && n !== SHELL)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === CONFIG.logout) {
    // Signing out leaves no readable copy of the officer's patrols on a shared tablet; unsent
    // visits stay in the outbox (IndexedDB), kept for their officer.
    event.waitUntil(caches.delete(DATA));
    return;
  }
  if (request.method !== "GET") return; // posts go to the network; the outbox retries them
  if (request.mode === "navigate" && url.pathname === CONFIG.page) {
    event.respondWith(page(request));
  } else if (CONFIG.assets.includes(url.pathname)) {
    event.respondWith(asset(request));
  } else if (CONFIG.data.includes(url.pathname)) {
    event.respondWith(data(request));
  }
});

// A signed-in, successful answer only: never a login page stored as the app.
async function storePage(response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") return;
  const cache = await caches.open(DATA);
  await cache.put(CONFIG.page, response);
}

function within(ms, promise) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), ms))]);
}

async function page(request) {
  const network = fetch(request).then(async (response) => {
    await storePage(response.clone());
    return response;
  });
  network.catch(() => null);
  const fresh = await within(PAGE_WAIT_MS, network.catch(() => null));
  if (fresh && fresh.status < 500) return fresh;
  const stored = await caches.match(CONFIG.page, { cacheName: DATA, ignoreSearch: true });
  if (stored) return stored;
  return fresh || network; // nothing stored: wait for the network, or show its error
}

async function asset(request) {
  const stored = await caches.match(request, { cacheName: SHELL, ignoreSearch: true });
  return stored || fetch(request);
}

// Network first; when it fails or dawdles, the last good answer, marked as a stored copy.
async function data(request) {
  const network = fetch(request).then(async (response) => {
    if (response.ok) {
      const headers = new Headers(response.headers);
      headers.set("X-Field-Saved-At", new Date().toISOString());
      const copy = new Response(await response.clone().blob(), { status: response.status,
                                                                 statusText: response.statusText,
                                                                 headers });
      await (await caches.open(DATA)).put(request, copy);
    }
    return response;
  });
  network.catch(() => null);
  const fresh = await within(DATA_WAIT_MS, network.catch(() => null));
  if (fresh && fresh.status < 500) return fresh;
  const stored = await caches.match(request, { cacheName: DATA });
  if (!stored) return fresh || network;
  const headers = new Headers(stored.headers);
  headers.set("X-Field-Cached", "1");
  return new Response(stored.body, { status: stored.status, statusText: stored.statusText, headers });
}
