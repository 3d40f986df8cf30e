/* Guichet installable app, on every page (docs/pwa.md). Progressive enhancement: without this
   script, or without service workers / IndexedDB, every form posts as usual.
   1. Registers the one service worker (offline shell + web push).
   2. Offline drafts: a form marked data-offline-draft that is submitted while the browser is
      offline is kept in IndexedDB (fields and files) with an idempotency key, then sent on the
      "online" event or at the next page load; the server files it once whatever the retries. */
(function () {
  "use strict";
  var DB_NAME = "guichet-offline";
  var KEEP_MS = 7 * 24 * 3600 * 1000;  // as long as the server remembers the key
  var STORE = "outbox";
  var text = {};
  try { text = JSON.parse(document.getElementById("pwa-offline-text").textContent); } catch (e) { /* no texts: stay quiet */ }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
  }
  if (!("indexedDB" in window)) { return; }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function pending() { return withStore("readonly", function (store) { return store.getAll(); }); }
  function keep(entry) { return withStore("readwrite", function (store) { store.put(entry); }); }
  function forget(key) { return withStore("readwrite", function (store) { store.delete(key); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function csrfCookie() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  var statusBox = document.getElementById("pwa-offline-status");
  function say(message, link, linkText) {
    if (!statusBox) { return; }
    var p = document.createElement("p");
    p.className = "message";
    p.appendChild(document.createTextNode(message + (link ? " " : "")));
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = linkText;
      p.appendChild(a);
    }
    statusBox.appendChild(p);
  }

  function fieldsOf(form, submitter) {
    var fields = [];
    var data = new FormData(form);
    data.forEach(function (value, name) {
      // An empty file input gives an empty File: nothing to keep.
      if (value instanceof File && !value.name && !value.size) { return; }
      fields.push([name, value]);
    });
    if (submitter && submitter.name) { fields.push([submitter.name, submitter.value]); }
    return fields;
  }

  function store(form, submitter) {
    var keyInput = form.querySelector("input[name=idempotency_key]");
    var key = (keyInput && keyInput.value) || uuid();
    var fields = fieldsOf(form, submitter).filter(function (f) { return f[0] !== "idempotency_key"; });
    fields.push(["idempotency_key", key]);
    var entry = {
      key: key,
      action: (submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action) || location.href,
      page: location.href,
      title: form.getAttribute("data-offline-draft") || document.title,
      fields: fields,
      owner: text.owner || "",
      savedAt: new Date().toISOString()
    };
    return keep(entry).then(function () {
      say(text.stored);
      // The key stays: pressing "send" again offline replaces this entry instead of adding one.
      if (keyInput) { keyInput.value = key; }
      return entry;
    });
  }

  var flushing = null;
  function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (f) {
      // The CSRF secret may have rotated since (a new login): the cookie's value is accepted.
      if (f[0] === "csrfmiddlewaretoken") { body.append(f[0], csrfCookie() || f[1]); return; }
      body.append(f[0], f[1]);
    });
    return fetch(entry.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: { "Idempotency-Key": entry.key, "X-CSRFToken": csrfCookie() }
    }).then(function (response) {
      if (response.status >= 500) { throw new Error("server " + response.status); }
      return forget(entry.key).then(function () {
        if (response.ok && response.redirected) {
          say(text.sent + " " + entry.title + " —", response.url, text.see);
          return { entry: entry, url: response.url };
        }
        say(text.refused, entry.page, text.resume);
        return { entry: entry, url: null };
      });
    });
  }

  function flush() {
    if (flushing) { return flushing; }
    flushing = pending().then(function (entries) {
      // The offline page does not know who is signed in (it is cached): the real page does.
      if (text.owner === null || text.owner === undefined || !navigator.onLine) { return []; }
      var now = Date.now();
      entries = entries.filter(function (entry) {
        if (now - Date.parse(entry.savedAt) > KEEP_MS) { forget(entry.key); return false; }
        return entry.owner === text.owner;  // never under someone else's session
      });
      if (!entries.length) { return []; }
      say(text.sending);
      var results = [];
      var failed = false;
      return entries.reduce(function (chain, entry) {
        return chain.then(function () {
          return send(entry).then(function (r) { results.push(r); }, function () { failed = true; });
        });
      }, Promise.resolve()).then(function () {
        // "online" can come before the network really works: try again a little later.
        if (failed) { say(text.later); retryLater(); }
        return results;
      });
    }).then(function (results) {
      flushing = null;
      listPending();
      // Back on the page the draft came from: show its result, as a normal submission would.
      var here = results.filter(function (r) { return r.url && r.entry.page === location.href; });
      if (here.length === 1) { location.assign(here[0].url); }
      return results;
    }, function () { flushing = null; return []; });
    return flushing;
  }

  var retries = 0;
  function retryLater() {
    if (retries >= 10) { return; }
    retries += 1;
    setTimeout(function () { if (navigator.onLine) { flush(); } }, 2000 * retries);
  }

  // The offline page stands at the address that failed: reload it once the site answers.
  function reloadWhenReachable(attempt) {
    fetch(location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status >= 500) { throw new Error("server " + response.status); }
        location.reload();
      })
      .catch(function () {
        if (attempt < 30) { setTimeout(function () { reloadWhenReachable(attempt + 1); }, 2000); }
      });
  }

  function listPending() {
    var list = document.getElementById("pwa-pending");
    if (!list) { return; }
    pending().then(function (entries) {
      list.textContent = "";
      entries.forEach(function (entry) {
        var li = document.createElement("li");
        li.textContent = entry.title + " (" + text.pendingSince + " " + new Date(entry.savedAt).toLocaleString(document.documentElement.lang) + ")";
        if (text.owner !== null && entry.owner !== text.owner) { li.textContent += " — " + text.otherOwner; }
        list.appendChild(li);
      });
      var none = document.getElementById("pwa-pending-none");
      if (none) { none.hidden = entries.length > 0; }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-offline-draft") || navigator.onLine) { return; }
    var submitter = event.submitter;
    var method = (submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "get";
    if (method.toLowerCase() !== "post") { return; }  // a GET (a search, "nearby reports") is no draft
    event.preventDefault();
    store(form, submitter).catch(function () { say(text.storeFailed); });
  });
  window.addEventListener("online", function () {
    if (text.owner === null) { reloadWhenReachable(0); return; }
    flush();
  });
  // Served by the worker for a page the site did not answer (not a visit to /hors-ligne/).
  if (text.owner === null && navigator.onLine && location.pathname !== "/hors-ligne/") {
    reloadWhenReachable(0);
  }
  window.guichetOffline = { flush: flush, pending: pending, send: send, keep: keep };
  listPending();
  flush();
})();
