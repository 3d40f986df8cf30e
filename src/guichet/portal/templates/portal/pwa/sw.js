/* Guichet service worker: the offline shell and web push, for the whole site (docs/pwa.md).
   Pages: network first, the offline page when the network fails; static files: cache first.
   Nothing else is cached: no page, no API answer, nothing personal. */
"use strict";
// Values from the server (JSON, so they are literal strings and arrays).
var CACHE = {{ cache_name }};
var OFFLINE_URL = {{ offline_url }};
var STATIC_URL = {{ static_url }};
var ICON_URL = {{ icon_url }};
var PRECACHE = {{ precache }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // The offline page is fetched without credentials: it must not depend on who is signed in.
    return cache.addAll(PRECACHE.map(function (url) {
      return new Request(url, { credentials: url === OFFLINE_URL ? "omit" : "same-origin", cache: "reload" });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("guichet-shell-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE_URL, { cacheName: CACHE }).then(function (page) {
        return page || new Response("Hors ligne / Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
    return;
  }
  if (request.method === "GET" && url.pathname.indexOf(STATIC_URL) === 0) {
    // Cache first. The shell is refreshed by a new worker version; other static files (a
    // page's script, the map) are also refreshed in the background so an update reaches them.
    var shell = PRECACHE.indexOf(url.pathname) !== -1;
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        var refresh = fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
        if (hit) {
          if (!shell) { event.waitUntil(refresh.catch(function () {})); }
          return hit;
        }
        return refresh;
      });
    }));
  }
  // Everything else (API JSON, uploads, media, POSTs) goes to the network untouched.
});

/* Web push: show the notification, open its link on click. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data && event.data.text() }; }
  var title = data.title || "{{ PLATFORM_NAME|escapejs }}";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: ICON_URL,
    data: { url: data.url || "/notifications/" },
    lang: "fr"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === url && "focus" in list[i]) { return list[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
