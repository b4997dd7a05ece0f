// The login form posts with fetch so a refusal (wrong password, locked
// out) is shown on the page in Chinese; without script it posts normally.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("login-form");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    fetch("/login", { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (res) {
        if (res.ok) { window.location.href = "/"; return; }
        document.getElementById("login-error").textContent = res.json.error || "登录失败";
      })
      .catch(function () { document.getElementById("login-error").textContent = "无法连接服务器"; });
  });
});
