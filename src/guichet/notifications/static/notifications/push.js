/* Subscribe this browser to web push (preferences page). Progressive: without support the
   buttons stay hidden and the status says why. */
(function () {
  var box = document.getElementById("push");
  if (!box) { return; }
  // The page's texts, as data (the Content-Security-Policy refuses inline scripts).
  var textNode = document.getElementById("push-text");
  var text = textNode ? JSON.parse(textNode.textContent) : {};
  var status = document.getElementById("push-status");
  var enable = document.getElementById("push-enable");
  var disable = document.getElementById("push-disable");
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r; });
  }
  function key(b64) {
    var pad = "=".repeat((4 - b64.length % 4) % 4);
    var raw = atob((b64 + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function show(sub) {
    enable.hidden = !!sub; disable.hidden = !sub;
    status.textContent = sub ? text.enabled : text.disabled;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    status.textContent = text.unsupported; return;
  }
  if (Notification.permission === "denied") { status.textContent = text.denied; return; }
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
    return reg.pushManager.getSubscription().then(function (sub) {
      show(sub);
      enable.addEventListener("click", function () {
        reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.dataset.vapidKey) })
          .then(function (s) { return post(box.dataset.subscribeUrl, s.toJSON()).then(function () { show(s); }); })
          .catch(function () { status.textContent = Notification.permission === "denied" ? text.denied : text.error; });
      });
      disable.addEventListener("click", function () {
        reg.pushManager.getSubscription().then(function (s) {
          if (!s) { show(null); return; }
          return post(box.dataset.unsubscribeUrl, { endpoint: s.endpoint })
            .then(function () { return s.unsubscribe(); }).then(function () { show(null); });
        }).catch(function () { status.textContent = text.error; });
      });
    });
  }).catch(function () { status.textContent = text.error; });
})();
