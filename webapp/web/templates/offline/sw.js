/* The service worker: the checklist and this release's assets without network (served by offline.py).

   - install: precache this release's assets and the offline page; activate: delete older releases' caches.
   - /assets/*: cache-first (their names carry their content's hash, they never change).
   - a checklist (/assessments/<id>): network-first; a 200 is copied into the pages cache; without
     network the copy of that address, else the offline page.
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
  }
});

/* Every copy of a page, whatever the release. */
function forgetPages() {
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
  return fetch(request).then((response) => {
    if (response.status === 200 && response.type === "basic") {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES).then((cache) => cache.put(request.url, copy)));
    }
    return response;
  }, () => caches.match(request.url, {cacheName: PAGES, ignoreVary: true})
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
