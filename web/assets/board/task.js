// A task's page: the task as the mirror holds it and every event of the
// log that names it. All text goes in with textContent.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var id = new URLSearchParams(window.location.search).get("id") || "";
  // What an event says, with the department by name where it names one
  // (the console adds unit_name); a plan's load by its title, not the plan.
  function content(ev, body) {
    if (ev.kind === "plan_loaded") return "导入计划 " + ((ev.plan && ev.plan.title) || "");
    if (body.unit_name !== undefined) { body.unit = body.unit_name; delete body.unit_name; }
    return JSON.stringify(body);
  }
  function set(elId, text) { document.getElementById(elId).textContent = String(text); }
  fetch("/api/task?id=" + encodeURIComponent(id), { credentials: "same-origin" })
    .then(function (r) { if (r.status === 401) { window.location.href = "/login"; } return r.json(); })
    .then(function (j) {
      if (j.error) { set("task-id", j.error); return; }
      var t = j.task;
      set("task-id", t.id); set("task-text", t.text); set("task-unit", t.unit_name || t.unit);
      document.getElementById("task-unit").setAttribute("data-unit", t.unit);
      set("task-lead", (t.lead_names || []).join("、") || "—");
      set("task-cooperating", (t.cooperating_names || []).join("、") || "—");
      set("task-percent", t.percent + "%"); set("task-colour", t.colour_zh);
      set("task-overdue", t.days_overdue); set("task-note", t.note);
      var files = document.getElementById("evidence");
      (j.evidence || []).forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = f.time + " 事件 #" + f.seq + " " + (f.kind_name || f.kind) + "：";
        var a = document.createElement("a");
        a.href = f.url; a.download = f.name; a.textContent = f.name;
        li.appendChild(a);
        li.appendChild(document.createTextNode("（" + Math.max(1, Math.round(f.size / 1024)) + " KB）"));
        files.appendChild(li);
      });
      if (!(j.evidence || []).length) files.textContent = "无";
      var tbody = document.querySelector("#history tbody");
      j.history.forEach(function (ev) {
        var tr = document.createElement("tr");
        var when = ev.time ? new Date(ev.time * 1000).toLocaleString("zh-CN") : "";
        var body = Object.assign({}, ev);
        ["seq", "time", "kind", "kind_name", "actor", "actor_name", "person", "prev_hash", "request_id", "version"].forEach(function (k) { delete body[k]; });
        [ev.seq, when, ev.kind_name || ev.kind, ev.actor_name || ev.actor, ev.person || "", content(ev, body)].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = String(v === undefined ? "" : v); tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
    });
});
