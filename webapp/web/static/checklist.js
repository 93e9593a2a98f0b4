// The self-assessment checklist: every edit goes to a durable queue in the browser (IndexedDB) before it
// is sent, and is replayed in order until the server has saved it, refused it with a reason, or found it
// in conflict with what was saved since (then the officer chooses). Survives a dropped network, a closed
// tab, an expired session and a second window. No inline scripts (CSP): the words come from a JSON block.
(function () {
  "use strict";
  var form = document.getElementById("checklist");
  if (!form || !form.dataset.edits) { return; }
  var words = JSON.parse(document.getElementById("checklist-words").textContent);
  var user = parseInt(form.dataset.user, 10);
  var assessment = parseInt(form.dataset.assessment, 10);
  var scope = user + ":" + assessment;
  var tab = sessionStorage.getItem("cfc-tab") || (Date.now().toString(36) + Math.random().toString(36).slice(2));
  sessionStorage.setItem("cfc-tab", tab);
  var token = form.querySelector("input[name=csrf_token]").value;
  var statusEl = document.getElementById("save-status");
  var bases = JSON.parse(form.querySelector("input[name=bases]").value);
  var revs = JSON.parse(form.querySelector("input[name=revs]").value);  // each field's revision as last seen
  var version = parseInt(form.dataset.version, 10);
  var entries = {};       // field -> this tab's unsent edit {field, value, base, seq, state, ...}
  var initial = JSON.parse(document.getElementById("checklist-state").textContent);
  var live = initial.live;  // the stored declaration's score, as the server last sent it
  var savedAt = initial.saved_at;
  var offlineNote = document.getElementById("offline-note");
  var sending = false, sessionEnded = false, otherUser = false, failures = 0, retryTimer = null, counter = 0;
  var HEARTBEAT = 2000, ORPHANED = 7000, LONGEST_WAIT = 10000;

  function fmt(text, n) { return text.replace("%(n)s", n).replace("%(t)s", n); }
  function fieldEl(name) { return form.elements.namedItem(name); }

  // ---- the durable queue (IndexedDB; in memory if the browser refuses storage) ----
  var store = (function () {
    var memory = {}, opened = null;
    function open() {
      if (!opened) {
        opened = new Promise(function (resolve) {
          if (!window.indexedDB) { resolve(null); return; }
          var req = indexedDB.open("cfc-checklist", 1);
          req.onupgradeneeded = function () {
            req.result.createObjectStore("edits", {keyPath: "key"});
            req.result.createObjectStore("snapshots", {keyPath: "scope"});
          };
          req.onsuccess = function () { resolve(req.result); };
          req.onerror = function () { resolve(null); };
        });
      }
      return opened;
    }
    function run(name, mode, work) {
      return open().then(function (db) {
        if (!db) { return work(null); }
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(name, mode), result;
          var req = work(tx.objectStore(name));
          if (req) { req.onsuccess = function () { result = req.result; }; }
          tx.oncomplete = function () { resolve(result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
    return {
      put: function (name, value) {
        return run(name, "readwrite", function (os) {
          if (!os) { memory[name + (value.key || value.scope)] = value; return null; }
          return os.put(value);
        });
      },
      remove: function (name, key) {
        return run(name, "readwrite", function (os) {
          if (!os) { delete memory[name + key]; return null; }
          return os.delete(key);
        });
      },
      all: function (name) {
        return run(name, "readonly", function (os) {
          if (!os) { return null; }
          return os.getAll();
        }).then(function (rows) {
          if (rows) { return rows; }
          return Object.keys(memory).filter(function (k) { return k.indexOf(name) === 0; })
            .map(function (k) { return memory[k]; });
        });
      }
    };
  }());

  function keyOf(field) { return scope + ":" + tab + ":" + field; }
  function persist(entry) { entry.key = keyOf(entry.field); entry.scope = scope; entry.tab = tab; return store.put("edits", entry); }
  function forget(entry) { delete entries[entry.field]; return store.remove("edits", keyOf(entry.field)); }

  function alive(otherTab) {
    var beat = parseInt(localStorage.getItem("cfc-beat-" + otherTab) || "0", 10);
    return Date.now() - beat < ORPHANED;
  }

  function heartbeat() { localStorage.setItem("cfc-beat-" + tab, String(Date.now())); }
  // A tab closed (or reloaded) leaves its edits to whichever tab opens next, at once.
  window.addEventListener("pagehide", function () { localStorage.removeItem("cfc-beat-" + tab); });

  // Entries of this tab (reloaded) and of closed tabs of the same user and assessment become this tab's.
  function adopt() {
    return store.all("edits").then(function (rows) {
      var moves = [];
      rows.filter(function (r) { return r.scope === scope && (r.tab === tab || !alive(r.tab)); })
        .sort(function (a, b) { return a.seq - b.seq; })
        .forEach(function (r) {
          var mine = entries[r.field], el = fieldEl(r.field);
          if (r.tab !== tab) { moves.push(store.remove("edits", r.key)); }
          if (el && (!mine || mine.seq < r.seq)) {  // the later choice wins, and the field shows it
            entries[r.field] = r; moves.push(persist(r));
            el.value = r.value; showNotice(r.field);
          }
        });
      return Promise.all(moves);
    });
  }

  // ---- what the page shows ----
  function shownValue(name, text) {
    if (text === "" || text === null || text === undefined) { return words.empty; }
    var el = fieldEl(name);
    if (el && el.tagName === "SELECT") { return text === "có" ? words.yes : text === "không" ? words.no : text; }
    return text;
  }

  function showNotice(name) {
    var entry = entries[name];
    var err = document.getElementById("e-" + name), box = document.getElementById("c-" + name);
    var el = fieldEl(name);
    if (!el || !err || !box) { return; }
    var wrapper = el.closest(".field");
    err.textContent = entry && entry.state === "refused" ? entry.message : "";
    box.textContent = "";
    box.hidden = !(entry && entry.state === "conflict");
    wrapper.classList.toggle("invalid", !!(entry && (entry.state === "refused" || entry.state === "conflict")));
    if (box.hidden) { return; }
    var p = document.createElement("p");
    p.textContent = entry.message + " " + words.theirs + ": «" + shownValue(name, entry.theirs) + "»; " +
      words.mine + ": «" + shownValue(name, entry.value) + "».";
    box.appendChild(p);
    [["keep", words.keep_mine], ["take", words.take_theirs]].forEach(function (choice) {
      var b = document.createElement("button");
      b.type = "button"; b.className = choice[0] === "keep" ? "" : "secondary";
      b.dataset.choice = choice[0]; b.dataset.field = name; b.textContent = choice[1];
      box.appendChild(b);
    });
  }

  function counts() {
    var c = {queued: 0, refused: 0, conflict: 0};
    Object.keys(entries).forEach(function (f) { c[entries[f].state] += 1; });
    return c;
  }

  var shownStatus = null;
  function showStatus() {
    var c = counts(), text;
    if (otherUser) { text = words.other_user; }
    else if (sessionEnded) {
      text = fmt(words.session, c.queued + c.refused + c.conflict);
      if (shownStatus !== text) {  // the link is built once, so it can be clicked while the queue waits
        var a = document.createElement("a");
        a.href = form.dataset.login; a.textContent = words.login;
        statusEl.textContent = "";
        statusEl.append(text + " ", a);
        statusEl.className = "pending";
        shownStatus = text;
      }
      showScore();
      return;
    }
    else if (c.conflict) { text = fmt(words.conflicts, c.conflict); }
    else if (sending) { text = words.saving; }
    else if (c.queued) { text = fmt(failures && navigator.onLine ? words.retrying : words.queued, c.queued); }
    else if (c.refused) { text = fmt(words.refused, c.refused); }
    else { text = savedAt ? fmt(words.saved_at, savedAt) : ""; }
    if (shownStatus !== text) { statusEl.textContent = text; shownStatus = text; }
    statusEl.className = c.queued || c.refused || c.conflict ? "pending" : "";
    showScore();
  }

  function showScore() {
    if (!live) { return; }
    var c = counts(), open = c.queued + c.refused + c.conflict;
    document.getElementById("live-total").textContent = live.total;
    document.getElementById("bar-total").textContent = live.total;
    document.getElementById("live-needed").textContent = live.points_needed;
    document.getElementById("live-missing").textContent =
      (live.missing ? fmt(words.missing, live.missing) : "") + (open ? " " + fmt(words.pending_score, open) : "");
    var verdict = document.getElementById("live-verdict");
    var settled = live.complete && !open;
    verdict.textContent = !settled ? words.verdict_withheld : live.recognised ? words.verdict_ok : words.verdict_fail;
    verdict.className = settled && live.recognised ? "ok" : "warn";
    Object.keys(live.criteria).forEach(function (n) {
      var crit = live.criteria[n];
      var section = document.getElementById("criterion-" + n);
      var bad = Array.prototype.some.call(section.querySelectorAll("[name]"), function (el) {
        var e = entries[el.name]; return e && e.state !== "queued";
      });
      section.querySelector(".points").textContent = crit.points;
      section.querySelector(".crit-state").textContent =
        bad ? words.crit_invalid : crit.missing ? fmt(words.crit_missing, crit.missing) : words.crit_done;
      section.classList.toggle("done", !bad && !crit.missing);
      var chip = document.getElementById("jump-" + n);
      chip.className = "chip " + (bad ? "invalid" : crit.missing ? "missing" : "done");
      chip.title = section.querySelector(".crit-name").textContent + " — " + section.querySelector(".crit-state").textContent;
    });
    Object.keys(live.items).forEach(function (id) {
      var el = form.querySelector(".explain[data-item='" + id + "']");
      if (el) { el.textContent = live.items[id]; }
    });
    var advice = document.getElementById("live-advice");
    advice.textContent = "";
    live.advice.forEach(function (text) {
      var li = document.createElement("li"); li.textContent = text; advice.appendChild(li);
    });
    document.getElementById("fold-done").hidden = !form.querySelector("details.criterion.done[open]");
  }

  // The data-quality warnings on the stored figures, as the server checked them on this save.
  function showQuality(found) {
    var box = document.getElementById("quality-warnings");
    if (!box || !found) { return; }
    var list = box.querySelector("ul");
    list.textContent = "";
    found.forEach(function (q) {
      var li = document.createElement("li"), strong = document.createElement("strong");
      li.className = "quality-flag severity-" + q.severity;
      strong.textContent = q.label + ":";
      li.appendChild(strong);
      li.appendChild(document.createTextNode(" " + q.message));
      list.appendChild(li);
    });
    box.hidden = !found.length;
  }

  // The stored state from the server: bases move; fields this tab has not changed show it (other windows' edits).
  // A state older than the one this tab holds is dropped: a slow read answered after a save would otherwise put
  // the value from before the save back as the base, and a choice of the saved value would then go unsent.
  function merge(state) {
    if (state.version < version) { return; }
    version = state.version; live = state.live; savedAt = state.saved_at;
    showQuality(state.quality);
    var later = false;
    revs = state.revs || revs;
    Object.keys(state.values).forEach(function (name) {
      bases[name] = state.values[name];
      var el = fieldEl(name);
      if (!el || entries[name] || el.value === state.values[name]) { return; }
      if (Date.now() - (typedAt[name] || 0) < 1500) { later = true; } else { el.value = state.values[name]; }
    });
    if (later) { setTimeout(refresh, 1600); }
    store.put("snapshots", {scope: scope, version: version, values: state.values, revs: revs, live: live,
                            saved_at: savedAt});
  }

  // ---- editing ----
  var typedAt = {};  // a field typed in a moment ago is not overwritten by another window's save
  function edited(el) {
    var name = el.name, entry = entries[name];
    typedAt[name] = Date.now();
    if (!entry) {
      if (el.value === bases[name]) { return; }
      entry = {field: name, base: bases[name] === undefined ? "" : bases[name], rev: revs[name] || 0};
    } else if (entry.value === el.value) {  // a blur after typing is no new choice (nor one in a conflict)
      return;
    } else if (entry.state === "conflict") {  // typed again after seeing the stored value: based on it now
      entry.base = entry.theirs; entry.rev = entry.theirsRev;
    }
    entry.value = el.value; entry.state = "queued"; entry.seq = Date.now() * 1000 + (counter++ % 1000);
    entries[name] = entry;
    persist(entry);
    showNotice(name);
    showStatus();
  }

  // Each keystroke is queued at once (a crash loses nothing); sending waits for a pause in the typing.
  function ours(el) { return el.form === form && Object.prototype.hasOwnProperty.call(bases, el.name); }
  form.addEventListener("input", function (ev) { if (ours(ev.target)) { edited(ev.target); schedule(600); } });
  form.addEventListener("change", function (ev) { if (ours(ev.target)) { edited(ev.target); schedule(100); } });

  form.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-choice]");
    if (!b) { return; }
    var entry = entries[b.dataset.field];
    if (!entry) { return; }
    if (b.dataset.choice === "take") {  // what is stored: the newest the tab knows, with its revision
      if ((revs[entry.field] || 0) < entry.theirsRev) { bases[entry.field] = entry.theirs; revs[entry.field] = entry.theirsRev; }
      fieldEl(entry.field).value = bases[entry.field];
      forget(entry);
    } else {  // the officer's value again, now based on what is stored
      entry.base = entry.theirs; entry.rev = entry.theirsRev; entry.state = "queued"; persist(entry); schedule(0);
    }
    showNotice(b.dataset.field);
    showStatus();
  });

  // ---- sending ----
  function schedule(delay) { clearTimeout(retryTimer); retryTimer = setTimeout(flush, delay); }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", cache: "no-store",
                       headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
                       body: JSON.stringify(body)})
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (d) { return {status: r.status, data: d}; }); });
  }

  function renewToken() {
    return fetch(form.dataset.token, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) { token = d.token; form.querySelector("input[name=csrf_token]").value = token; });
  }

  var inflight = Promise.resolve();  // the request on its way, if any
  function flush() {
    if (sending) { return inflight; }
    if (otherUser) { return Promise.resolve(); }
    var batch = Object.keys(entries).map(function (f) { return entries[f]; })
      .filter(function (e) { return e.state === "queued"; });
    if (!batch.length) { showStatus(); return Promise.resolve(); }
    batch = batch.concat(Object.keys(entries).map(function (f) { return entries[f]; })
      .filter(function (e) { return e.state === "refused"; }))  // a refused value may fit beside the new ones
      .sort(function (a, b) { return a.seq - b.seq; });
    var size = 0;  // at most ~64 KB a request (the server takes 256 KB): long notes go in the next ones
    batch = batch.filter(function (e, i) { size += e.value.length * 3 + e.base.length * 3 + 100; return i === 0 || size < 65536; });
    var sent = batch.map(function (e) { return {field: e.field, value: e.value, base: e.base, rev: e.rev, seq: e.seq}; });
    sending = true; showStatus();
    var body = sent.map(function (e) {
      var edit = {field: e.field, value: e.value, base: e.base};
      if (typeof e.rev === "number") { edit.rev = e.rev; }  // edits queued by an older page carry only a base
      return edit;
    });
    inflight = post(form.dataset.edits, {user: user, edits: body})
      .then(function (res) {
        sending = false;
        if (res.status === 200) { failures = 0; sessionEnded = false; answered(sent, res.data); return; }
        if (res.status === 401) { sessionEnded = true; retryLater(); return; }
        if (res.status === 400 && res.data.token_expired) { return renewToken().then(flush, retryLater); }
        if (res.status === 409 && res.data.other_user) { otherUser = true; return; }
        if (res.status === 409 && res.data.locked) {
          sent.forEach(function (s) { refuse(s, res.data.message); });
          return;
        }
        retryLater();  // 413, 429, 5xx, a proxy's error page: the edits stay queued
      }, function () { sending = false; retryLater(); })
      .then(showStatus);
    return inflight;
  }

  function refuse(s, message) {
    var e = entries[s.field];
    if (e && e.seq === s.seq) { e.state = "refused"; e.message = message; persist(e); showNotice(s.field); }
  }

  function answered(sent, data) {
    merge(data);
    data.results.forEach(function (r, i) {
      var s = sent[i], e = entries[s.field];
      if (!e) { return; }
      if (e.seq !== s.seq) {  // typed again while this was on its way: now based on this save, as this answer
        // tells its revision (the tab may already hold a newer state, where another window saved the field since)
        if (r.state === "saved") { e.base = s.value; e.rev = (data.revs || {})[s.field] || 0; persist(e); }
        return;
      }
      if (r.state === "saved") { forget(e); }
      else if (r.state === "refused") { refuse(s, r.message); }
      else { e.state = "conflict"; e.theirs = r.theirs; e.theirsRev = r.rev; e.message = r.message; persist(e); }
      showNotice(s.field);
    });
    announce();
    if (counts().queued) { schedule(0); }
  }

  function retryLater() {
    failures += 1;
    schedule(Math.min(LONGEST_WAIT, 1000 * Math.pow(2, Math.min(failures - 1, 4))));
  }

  // ---- other windows, the network and the session ----
  var channel = window.BroadcastChannel ? new BroadcastChannel("cfc-checklist-" + scope) : null;
  function announce() { if (channel) { channel.postMessage("saved"); } }
  function refresh() {
    return fetch(form.dataset.edits, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (r) {
        offlineNote.hidden = true;
        if (r.status === 401) { sessionEnded = true; }
        return r.ok ? r.json() : null;
      })
      .then(function (state) { if (state) { sessionEnded = false; merge(state); } showStatus(); },
            function () { offlineNote.hidden = false; showStatus(); });
  }
  if (channel) { channel.onmessage = function () { refresh(); }; }
  window.addEventListener("online", function () { failures = 0; flush(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh().then(flush); } });
  setInterval(function () {
    heartbeat();
    if (sessionEnded) {  // logged in again, in another window or after «Đăng nhập lại»: send what waits
      refresh().then(function () { if (!sessionEnded) { failures = 0; flush(); } });
      return;
    }
    adopt().then(function () { if (counts().queued && !sending && failures === 0) { flush(); } });
  }, HEARTBEAT);

  // «Lưu» sends the queue now; «Nộp» waits until the server has confirmed every edit.
  form.addEventListener("submit", function (ev) { ev.preventDefault(); failures = 0; flush(); });
  document.getElementById("submit-link").addEventListener("click", function (ev) {
    var c = counts();
    if (!c.queued && !c.refused && !c.conflict && !sending) { return; }
    ev.preventDefault();
    failures = 0;
    flush().then(flush).then(function () {  // what is on its way, then what was queued meanwhile
      var left = counts(), n = left.queued + left.refused + left.conflict;
      if (!n) { window.location = ev.target.href; return; }
      statusEl.textContent = fmt(words.submit_wait, n);
    });
  });
  document.getElementById("fold-done").addEventListener("click", function () {
    form.querySelectorAll("details.criterion.done[open]").forEach(function (d) { d.open = false; });
    showScore();
  });

  // ---- start: the stored state, the last snapshot if newer (a copy of the page served offline), the queue ----
  heartbeat();
  store.all("snapshots").then(function (snaps) {
    var snap = snaps.filter(function (s) { return s.scope === scope; })[0];
    if (snap && snap.version > version) { merge(snap); }
    return adopt();
  }).then(function () {
    return refresh();
  }).then(function () {
    showStatus();
    flush();
    document.documentElement.dataset.checklistReady = "1";
  });
}());
