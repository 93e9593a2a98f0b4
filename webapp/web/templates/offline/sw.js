/* The service worker: the checklist and this release's assets without network (served by offline.py).

   - install: precache this release's assets and the offline page; activate: delete older releases' caches.
   - /assets/*: cache-first (their names carry their content's hash, they never change).
   - a checklist (/assessments/<id>): network-first; a 200 is copied into the pages cache; without
     network the copy of that address, else the offline page. A checklist opened before the worker
     controlled it asks to be kept (offline.js): it is fetched once more and copied.
   - any other page without network: the offline page, never the browser's error page.
   - nothing else is cached: no POST, no /api/, no attachment, PDF or export, no login page.
   - logging out or in (a POST to either page) empties the pages cache first: on a shared computer
     the next person must not see the previous user's pages offline. Only caches are touched, never
     IndexedDB, where the checklist keeps the changes not sent yet. */
"use strict";

const RELEASE = {{ release|tojson }};
const ASSETS = "cfc-assets-" + RELEASE;
const PAGES = "cfc-pages-" + RELEASE;
const PRECACHE = {{ precache|tojson }};
const OFFLINE = {{ offline|tojson }};
const ENDS_USER = {{ ends_user|tojson }};
const CHECKLIST = /^\/assessments\/\d+$/;
const SAVES = /^\/(assessments\/\d+\/edits|session\/token)$/;  // the checklist script's requests
let forgotten = 0;  // times the pages were forgotten: a copy fetched before is not kept after

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSETS)
    .then((cache) => cache.addAll(PRECACHE.concat([OFFLINE])))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith("cfc-") && name !== ASSETS && name !== PAGES)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

/* A page that was open before this worker controlled it (the very first visit, or the one before a new
   release) asks to be kept: if it is a checklist, it is fetched once more and copied. */
self.addEventListener("message", (event) => {
  if (event.data === "keep-this-page" && event.source) {
    event.waitUntil(keep(new URL(event.source.url)));
  }
});

function keep(url) {
  if (url.origin !== self.location.origin || !CHECKLIST.test(url.pathname)) {
    return Promise.resolve();
  }
  const before = forgotten;
  return fetch(url.href, {credentials: "same-origin"}).then((response) => {
    if (response.status === 200 && !response.redirected && forgotten === before) {
      return caches.open(PAGES).then((cache) => cache.put(pageKey(url), response));
    }
  }).catch(() => {});
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (request.method !== "GET") {
      const before = ENDS_USER.includes(url.pathname) ? forgetPages() : Promise.resolve();
      event.respondWith(before.then(() => online(request)));
    } else if (CHECKLIST.test(url.pathname)) {
      event.respondWith(checklist(event));
    } else {
      event.respondWith(online(request));
    }
  } else if (request.method === "GET" && url.pathname.startsWith("/assets/")) {
    event.respondWith(cacheFirst(request));
  } else if (SAVES.test(url.pathname)) {
    event.respondWith(fetch(request));  // never cached; fetched here so that the worker's network state applies
  }
});

/* A page's copy is kept under its address without the query (?lang=en): one copy, the last one seen. */
function pageKey(url) {
  return url.origin + url.pathname;
}

/* Every copy of a page, whatever the release. */
function forgetPages() {
  forgotten += 1;
  return caches.keys().then((names) => Promise.all(names.filter((name) => name.startsWith("cfc-pages-"))
    .map((name) => caches.delete(name))));
}

function offlinePage() {
  return caches.match(OFFLINE, {cacheName: ASSETS, ignoreVary: true})
    .then((page) => page || Response.error());
}

/* A page from the network; without network, the offline page. */
function online(request) {
  return fetch(request).catch(offlinePage);
}

/* The checklist from the network, its copy kept; without network the copy, else the offline page. */
function checklist(event) {
  const request = event.request;
  const key = pageKey(new URL(request.url));
  const before = forgotten;
  return fetch(request).then((response) => {
    if (response.status === 200 && response.type === "basic" && forgotten === before) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES).then((cache) => cache.put(key, copy)));
    }
    return response;
  }, () => caches.match(key, {cacheName: PAGES, ignoreVary: true})
    .then((copy) => copy || offlinePage()));
}

function cacheFirst(request) {
  return caches.match(request, {cacheName: ASSETS, ignoreVary: true}).then((cached) => cached || fetch(request)
    .then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(ASSETS).then((cache) => cache.put(request, copy));
      }
      return response;
    }));
}
