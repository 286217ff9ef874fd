// SSPS Provider Portal: the pages work without this file. With it, the
// error summary takes focus, and a signed-in page warns before the idle
// timeout (a dialog with "Stay signed in") and goes to the sign-in page
// when the session has ended. No inline script: the CSP forbids it.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  var meta = document.querySelector('meta[name="ssps-idle"]');
  var dialog = document.getElementById("timeout-dialog");
  if (!meta || !dialog) { return; }
  var idle = parseInt(meta.getAttribute("content"), 10) * 1000;
  var warn = parseInt(meta.getAttribute("data-warn"), 10) * 1000;
  var warnTimer, endTimer;
  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
      var stay = dialog.querySelector("button");
      if (stay) { stay.focus(); }
    }, warn);
    // The server ends a session once more than `idle` whole seconds have
    // passed since its last use: go 2 s after that, or the session is
    // still alive and the sign-in page sends the visitor back (renewed).
    endTimer = setTimeout(function () { window.location.assign("/sign-in?timeout=1"); }, idle + 2000);
  }
  var form = document.getElementById("extend-form");
  form.addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.getAttribute("form") === "sign-out-form") { return; }
    e.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    fetch("/session/extend", { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.ok) { dialog.close ? dialog.close() : dialog.removeAttribute("open"); schedule(); }
        else { window.location.assign("/sign-in?timeout=1"); }
      });
  });
  schedule();
})();
