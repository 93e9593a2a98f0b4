/* Registers the service worker (/sw.js: this release's assets, the offline page and a copy of each
   checklist opened, for a reload without network); a page loaded before the worker took control asks
   it, once it has, to keep the page (a checklist) too. Only where browsers allow service workers (HTTPS,
   or the server's own machine); elsewhere the site works as before, only not offline.
   Logging out first empties the copies of pages, also when this page bypassed the worker (a forced
   reload), and the checklist's last stored values kept beside them (checklist.js «snapshots»): the next
   person on a shared computer must not see them. Never the checklist's queue of unsent changes, which
   stays for its own account. On the offline page: a link to the last checklist kept on this device,
   named by its heading. */
(function () {
  "use strict";
  var script = document.currentScript;

  function forgetSnapshots() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(); return; }
      var req = indexedDB.open("cfc-checklist");
      req.onupgradeneeded = function () { req.transaction.abort(); };  // none yet: do not create it
      req.onerror = function () { resolve(); };
      req.onsuccess = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("snapshots")) { db.close(); resolve(); return; }
        var tx = db.transaction("snapshots", "readwrite");
        tx.objectStore("snapshots").clear();
        tx.oncomplete = tx.onerror = tx.onabort = function () { db.close(); resolve(); };
      };
    });
  }

  function pageCaches() {
    if (!window.caches) { return Promise.resolve([]); }
    return caches.keys().then(function (names) {
      return names.filter(function (name) { return name.indexOf("cfc-pages-") === 0; });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-logout")) { return; }
    event.preventDefault();
    function send() { form.submit(); }
    Promise.all([pageCaches().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    }), forgetSnapshots()]).then(send, send);
  });

  if (!("serviceWorker" in navigator) || !window.caches) { return; }
  navigator.serviceWorker.register(script.getAttribute("data-worker"), {scope: "/"}).catch(function () {});
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    navigator.serviceWorker.controller.postMessage("keep-this-page");  // loaded before the worker: kept now
  });

  var last = document.getElementById("last-checklist");
  if (!last) { return; }
  pageCaches().then(function (names) {
    return names.length ? caches.open(names[0]) : null;
  }).then(function (cache) {
    return cache && cache.keys().then(function (requests) {
      var request = requests[requests.length - 1];
      return request && cache.match(request, {ignoreVary: true}).then(function (response) {
        return response.text().then(function (html) {
          var heading = new DOMParser().parseFromString(html, "text/html").querySelector("h1");
          var link = last.querySelector("a");
          link.href = request.url;
          if (heading) { link.textContent = heading.textContent.trim(); }
          last.hidden = false;
        });
      });
    });
  }).catch(function () {});
})();
