// The printable 通报 (bulletin): ranking and overdue list from the report of
// the console's mirror, with the log's head hash, printed from the browser.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var ZH = { red: "红", yellow: "黄", blue: "蓝", green: "绿" };
  function row(tbody, cells, cls) {
    var tr = document.createElement("tr");
    cells.forEach(function (c, i) {
      var td = document.createElement("td");
      td.textContent = String(c === undefined || c === null ? "" : c);
      if (cls && cls[i]) td.className = cls[i];
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }
  document.getElementById("print").addEventListener("click", function () { window.print(); });
  // The board passes its chosen day on (?at=YYYY-MM-DD); none = now.
  fetch("/api/report" + window.location.search, { credentials: "same-origin" })
    .then(function (r) { if (r.status === 401) { window.location.href = "/login"; } return r.json(); })
    .then(function (rep) {
      if (rep.error) { document.getElementById("bulletin-meta").textContent = rep.error; return; }
      document.getElementById("bulletin-meta").textContent = "截至 " + (rep.at_local || "") + "，日志序号 " +
        rep.head_seq + "，日志哈希 " + (rep.head_hash || "") + "，计分规则 " + ((rep.rules && rep.rules.version) || "");
      var tb = document.querySelector("#bulletin-ranking tbody");
      (rep.units || []).forEach(function (u) {
        var c = u.colours || {};
        row(tb, [u.rank, u.name, u.total, ZH[u.colour] || u.colour, c.red, c.yellow, c.blue, c.green],
            [null, null, null, "colour-" + u.colour]);
      });
      var ob = document.querySelector("#bulletin-overdue tbody");
      (rep.overdue || []).forEach(function (o) { row(ob, [o.task, o.name, o.due, o.days_late + " 天"]); });
    });
});
