// The coordinators' board: everything from /api/board, kept live by
// Server-Sent Events (id = the log's sequence number). Text from the log is
// only ever put into the page with textContent, never as markup.
"use strict";
(function () {
  var COLOURS = ["red", "yellow", "blue", "green"];
  var ZH = { red: "红", yellow: "黄", blue: "蓝", green: "绿" };
  var state = { csrf: "", board: null, lastSeq: 0, seen: [], refreshTimer: null };
  window.__duban_seen = state.seen;
  window.__duban_arrivals = {}; // seq -> Date.now() at arrival, for bench/web_latency.sh

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function say(text) { document.getElementById("message").textContent = text; }

  function unitName(code) {
    var units = (state.board && state.board.units) || [];
    for (var i = 0; i < units.length; i++) if (units[i].code === code) return units[i].name;
    return code;
  }

  function filtered() {
    var unit = document.getElementById("filter-unit").value;
    var colour = document.getElementById("filter-colour").value;
    return state.board.tasks.filter(function (t) {
      return (!unit || t.unit === unit) && (!colour || t.colour === colour);
    });
  }

  function worst(counts) {
    for (var i = 0; i < COLOURS.length; i++) if (counts[COLOURS[i]]) return COLOURS[i];
    return "";
  }

  // One cell of the grid: its counts per colour and the worst colour.
  function showCell(td, counts) {
    var parts = COLOURS.filter(function (c) { return counts[c]; }).map(function (c) { return ZH[c] + counts[c]; });
    var w = worst(counts);
    td.textContent = parts.join(" ");
    td.className = "cell" + (w ? " colour-" + w : "");
  }

  // Cells the console pushed because the day turned or the virtual clock
  // moved (/api/live "cells"): redrawn in place at once, under the filters
  // in use; the board's lists are then fetched again for the new days late.
  function applyCells(msg) {
    var unit = document.getElementById("filter-unit").value;
    var colour = document.getElementById("filter-colour").value;
    (msg.cells || []).forEach(function (c) {
      if (unit && c.unit !== unit) return;
      var td = document.querySelector('#grid td[data-unit="' + CSS.escape(c.unit) + '"][data-measure="' +
                                      CSS.escape(c.measure) + '"]');
      if (!td) return;
      var counts = {};
      COLOURS.forEach(function (k) { if (!colour || colour === k) counts[k] = (c.counts || {})[k] || 0; });
      showCell(td, counts);
    });
  }

  function renderGrid() {
    var tasks = filtered();
    var measures = [], units = [], cells = {};
    tasks.forEach(function (t) {
      if (measures.indexOf(t.measure) < 0) measures.push(t.measure);
      if (units.indexOf(t.unit) < 0) units.push(t.unit);
      var key = t.unit + "\u0000" + t.measure;
      cells[key] = cells[key] || {};
      cells[key][t.colour] = (cells[key][t.colour] || 0) + 1;
    });
    measures.sort();
    var thead = document.querySelector("#grid thead"), tbody = document.querySelector("#grid tbody");
    clear(thead); clear(tbody);
    var hr = el("tr"); hr.appendChild(el("th", "部门"));
    measures.forEach(function (m) { hr.appendChild(el("th", "措施 " + m)); });
    thead.appendChild(hr);
    units.forEach(function (u) {
      var tr = el("tr"); tr.appendChild(el("th", unitName(u)));
      measures.forEach(function (m) {
        var td = el("td");
        showCell(td, cells[u + "\u0000" + m] || {});
        td.setAttribute("data-unit", u); td.setAttribute("data-measure", m);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function taskLink(id) {
    var a = el("a", id);
    a.href = "/assets/board/task.html?id=" + encodeURIComponent(id);
    return a;
  }

  function renderEscalations() {
    var tbody = document.querySelector("#escalations tbody");
    clear(tbody);
    var list = state.board.escalations;
    document.getElementById("esc-count").textContent = String(list.length);
    list.forEach(function (e) {
      var tr = el("tr");
      tr.setAttribute("data-escalation", e.id);
      var box = el("input"); box.type = "checkbox"; box.value = e.id; box.className = "esc-select";
      var td = el("td"); td.appendChild(box); tr.appendChild(td);
      tr.appendChild(el("td", e.id));
      var tt = el("td"); tt.appendChild(taskLink(e.task || "")); tr.appendChild(tt);
      var owner = el("td", e.unit_name || unitName(e.unit), "unit"); owner.setAttribute("data-unit", e.unit || "");
      tr.appendChild(owner);
      var raiser = el("td", e.raised_by_name || e.raised_by, "raised-by"); raiser.setAttribute("data-identity", e.raised_by || "");
      tr.appendChild(raiser);
      tr.appendChild(el("td", e.category));
      tr.appendChild(el("td", e.reason));
      tr.appendChild(el("td", e.level_name || (e.state === "acknowledged" ? "已确认" : "待确认")));
      var ops = el("td");
      [["ack", "确认收到"], ["resolve", "已解决"]].forEach(function (a) {
        var b = el("button", a[1], "esc-" + a[0]);
        b.addEventListener("click", function () { act(a[0], [String(e.id)], document.getElementById("esc-note").value); });
        ops.appendChild(b);
      });
      tr.appendChild(ops);
      tbody.appendChild(tr);
    });
  }

  function renderOverdue() {
    var tbody = document.querySelector("#overdue tbody");
    clear(tbody);
    state.board.tasks.filter(function (t) { return t.days_overdue > 0; })
      .sort(function (a, b) { return b.days_overdue - a.days_overdue; })
      .forEach(function (t) {
        var tr = el("tr");
        var box = el("input"); box.type = "checkbox"; box.value = t.id; box.className = "task-select";
        var td = el("td"); td.appendChild(box); tr.appendChild(td);
        var tt = el("td"); tt.appendChild(taskLink(t.id)); tt.appendChild(el("span", " " + t.text)); tr.appendChild(tt);
        tr.appendChild(el("td", unitName(t.unit)));
        tr.appendChild(el("td", t.percent + "%"));
        tr.appendChild(el("td", t.days_overdue + " 天"));
        tbody.appendChild(tr);
      });
  }

  function renderFilters() {
    ["filter-unit", "task-unit"].forEach(function (id) {
      var sel = document.getElementById(id), keep = sel.value;
      while (sel.options.length > (id === "filter-unit" ? 1 : 0)) sel.remove(sel.options.length - 1);
      state.board.units.forEach(function (u) {
        var o = el("option", u.name); o.value = u.code; sel.appendChild(o);
      });
      sel.value = keep;
    });
  }

  var charts = {};
  function renderCharts() {
    if (!window.echarts) return;
    var units = state.board.units.map(function (u) { return u.code; });
    var series = COLOURS.map(function (c) {
      return {
        name: ZH[c], type: "bar", stack: "all",
        itemStyle: { color: { red: "#d93025", yellow: "#f2b705", blue: "#1a73e8", green: "#188038" }[c] },
        data: units.map(function (u) {
          return state.board.tasks.filter(function (t) { return t.unit === u && t.colour === c; }).length;
        })
      };
    });
    charts.colours = charts.colours || echarts.init(document.getElementById("chart-colours"));
    charts.colours.setOption({
      title: { text: "各部门任务颜色" }, tooltip: {}, legend: { top: 24 },
      xAxis: { type: "category", data: units.map(unitName), axisLabel: { rotate: 30 } },
      yAxis: { type: "value" }, series: series, animation: false
    });
    var done = units.map(function (u) {
      var ts = state.board.tasks.filter(function (t) { return t.unit === u; });
      var sum = ts.reduce(function (s, t) { return s + t.percent; }, 0);
      return ts.length ? Math.round(sum / ts.length) : 0;
    });
    charts.progress = charts.progress || echarts.init(document.getElementById("chart-progress"));
    charts.progress.setOption({
      title: { text: "各部门平均完成进度（%）" }, tooltip: {},
      xAxis: { type: "category", data: units.map(unitName), axisLabel: { rotate: 30 } },
      yAxis: { type: "value", max: 100 }, series: [{ type: "bar", data: done, name: "完成进度" }], animation: false
    });
  }

  var HEX = { red: "#d93025", yellow: "#f2b705", blue: "#1a73e8", green: "#188038" };

  // Over time, from /api/charts (the console computes it from its mirror):
  // completion at each month's end, and each department's monthly colour.
  function renderTimeCharts(c) {
    if (!window.echarts || !c.months) return;
    var lines = [{ name: "全部计划", type: "line", data: c.plan, lineStyle: { width: 3 } }];
    c.units.forEach(function (u) { lines.push({ name: u.name, type: "line", data: u.completion, connectNulls: false }); });
    charts.completion = charts.completion || echarts.init(document.getElementById("chart-completion"));
    charts.completion.setOption({
      title: { text: "完成进度（%，月末）" }, tooltip: { trigger: "axis" }, legend: { top: 24, type: "scroll" },
      grid: { top: 70 }, xAxis: { type: "category", data: c.months },
      yAxis: { type: "value", min: 0, max: 100 }, series: lines, animation: false
    }, true);
    var cells = [];
    c.units.forEach(function (u, y) {
      u.colours.forEach(function (colour, x) {
        cells.push({ value: [x, y, ZH[colour] || colour], itemStyle: { color: HEX[colour] || "#999" } });
      });
    });
    charts.monthly = charts.monthly || echarts.init(document.getElementById("chart-monthly"));
    charts.monthly.setOption({
      title: { text: "各部门月度颜色" },
      tooltip: { formatter: function (p) { return c.units[p.value[1]].name + " " + c.months[p.value[0]] + "：" + p.value[2]; } },
      grid: { left: 120, top: 40 },
      xAxis: { type: "category", data: c.months, splitArea: { show: true } },
      yAxis: { type: "category", data: c.units.map(function (u) { return u.name; }), splitArea: { show: true } },
      series: [{ name: "月度颜色", type: "scatter", symbol: "rect", symbolSize: [36, 22], data: cells,
        label: { show: true, formatter: function (p) { return p.value[2]; }, color: "#fff" } }],
      animation: false
    }, true);
  }

  window.__duban_chart_loads = 0;
  function loadCharts() {
    window.__duban_chart_loads++;
    fetch("/api/charts", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) {
        if (c.error) { say(c.error); return; }
        renderTimeCharts(c);
      });
  }

  // The date chosen above the ranking ("" = now): the ranking, the
  // workbook and the 通报 are then the ones at the end of that day.
  function rankingQuery() {
    var at = document.getElementById("ranking-at").value;
    return at ? "?at=" + encodeURIComponent(at) : "";
  }

  function loadRanking() {
    var query = rankingQuery();
    document.getElementById("export-xlsx").setAttribute("href", "/api/export.xlsx" + query);
    document.getElementById("bulletin").setAttribute("href", "/assets/board/bulletin.html" + query);
    fetch("/api/report" + query, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (rep) {
        var tbody = document.querySelector("#ranking tbody");
        clear(tbody);
        if (rep.error) { tbody.appendChild(el("tr")).appendChild(el("td", rep.error)); return; }
        document.getElementById("ranking-head").textContent = (rep.at_local ? "截至 " + rep.at_local + "，" : "") +
          "日志序号 " + rep.head_seq + "，哈希 " + String(rep.head_hash || "").slice(0, 16);
        (rep.units || []).forEach(function (u) {
          var tr = el("tr");
          tr.appendChild(el("td", u.rank)); tr.appendChild(el("td", u.name));
          tr.appendChild(el("td", u.total));
          tr.appendChild(el("td", ZH[u.colour] || u.colour, "colour-" + u.colour));
          tbody.appendChild(tr);
        });
      });
  }

  // The charts over time and the ranking are computed from the whole log
  // (/api/charts, /api/report), too much to ask for at every event of a
  // busy day: an event that can change them asks again at most once every
  // 2 s, and the last event of a burst is always followed by a reload.
  var REPORT_RELOAD_MS = 2000;
  var NO_REPORT_CHANGE = { inbox_read: true, signing_key_registered: true, signing_key_revoked: true };
  var reportReload = { last: 0, timer: null };
  function reportsChanged(kind) {
    if (NO_REPORT_CHANGE[kind] || reportReload.timer) return;
    var wait = Math.max(0, reportReload.last + REPORT_RELOAD_MS - Date.now());
    reportReload.timer = setTimeout(function () {
      reportReload.timer = null; reportReload.last = Date.now();
      loadCharts(); loadRanking();
    }, wait);
  }

  function render() {
    document.getElementById("head").textContent = "日志序号 " + state.board.head;
    renderFilters(); renderGrid(); renderEscalations(); renderOverdue(); renderCharts();
  }

  function refresh() {
    return fetch("/api/board", { credentials: "same-origin" })
      .then(function (r) { if (r.status === 401) { window.location.href = "/login"; } return r.json(); })
      .then(function (b) { state.board = b; render(); return b; });
  }
  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(function () { state.refreshTimer = null; refresh(); }, 100);
  }

  function act(action, targets, note, reason, unit) {
    if (!targets.length) { say("请先选择"); return; }
    var body = new URLSearchParams();
    body.append("csrf", state.csrf); body.append("action", action);
    targets.forEach(function (t) { body.append("target", t); });
    if (note) body.append("note", note);
    if (reason) body.append("reason", reason);
    if (unit) body.append("unit", unit);
    fetch("/api/action", { method: "POST", body: body, credentials: "same-origin",
                           headers: { "X-CSRF-Token": state.csrf, Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        var bad = (j.results || []).filter(function (x) { return x.error; });
        say(j.error ? j.error : bad.length ? "有 " + bad.length + " 项未完成：" + bad[0].error : "已完成 " + j.results.length + " 项");
        scheduleRefresh();
      });
  }

  function selected(cls) {
    return Array.prototype.map.call(document.querySelectorAll("." + cls + ":checked"), function (b) { return b.value; });
  }

  function eventLine(ev) {
    var list = document.getElementById("events");
    // Who acted by name (the console adds actor_name); a unit's clerk beside it.
    var who = ev.actor_name || ev.actor || "";
    var text = "#" + ev.seq + " " + (ev.kind_name || ev.kind || "") + " " + who +
      (ev.person && who.indexOf(ev.person) < 0 ? "（" + ev.person + "）" : "");
    var detail = (ev.task || (ev[ev.kind] && ev[ev.kind].task) || "") + (ev.unit_name ? " " + ev.unit_name : "");
    list.insertBefore(el("li", text + " " + detail), list.firstChild);
    while (list.children.length > 50) list.removeChild(list.lastChild);
  }

  function connect() {
    var url = "/api/events?last_event_id=" + state.lastSeq;
    var sse = new EventSource(url);
    window.__duban_sse = sse;
    sse.onopen = function () { var l = document.getElementById("live"); l.textContent = "实时"; l.className = "live on"; };
    sse.onerror = function () { var l = document.getElementById("live"); l.textContent = "重新连接中…"; l.className = "live off"; };
    sse.addEventListener("event", function (m) {
      var seq = parseInt(m.lastEventId, 10);
      if (seq <= state.lastSeq) return;
      state.lastSeq = seq;
      state.seen.push(seq);
      window.__duban_arrivals[seq] = Date.now();
      var kind = "";
      try { var ev = JSON.parse(m.data); kind = ev.kind; eventLine(ev); } catch (e) { /* one bad line must not stop the board */ }
      scheduleRefresh();
      reportsChanged(kind);
    });
  }

  function retryText(at) {
    var s = Math.max(0, Math.round(at - Date.now() / 1000));
    return s < 60 ? s + " 秒后" : Math.round(s / 60) + " 分钟后";
  }

  // The notifier's queue per channel (/api/notify, then /api/live "notify";
  // redrawn every second too, so that "retried in N s" counts down).
  var lastNotify = null;
  setInterval(function () { if (lastNotify && lastNotify.failed) renderNotify(lastNotify); }, 1000);
  function renderNotify(s) {
    lastNotify = s;
    var panel = document.getElementById("notify-panel");
    panel.hidden = !s.enabled;
    if (!s.enabled) return;
    var summary = document.getElementById("notify-summary");
    summary.textContent = s.waiting_for_head ? "等待督办服务器答复后开始发送" :
      s.failed ? "有 " + s.failed + " 条通知发送失败，正在按间隔重试" :
      s.pending ? "有 " + s.pending + " 条通知待发送" : "全部通知已送达";
    summary.className = s.failed ? "failing" : "";
    var tbody = document.querySelector("#notify tbody");
    clear(tbody);
    (s.by_channel || []).forEach(function (c) {
      var tr = el("tr", null, c.failed ? "failing" : "");
      tr.setAttribute("data-channel", c.channel);
      tr.appendChild(el("td", c.channel + (c.type_zh ? "（" + c.type_zh + "）" : "")));
      tr.appendChild(el("td", (c.unit_names || []).join("、") || "全部部门", "notify-units"));
      tr.appendChild(el("td", c.pending));
      tr.appendChild(el("td", c.failed));
      tr.appendChild(el("td", c.attempts));
      tr.appendChild(el("td", c.last_error || "—", "notify-error"));
      tr.appendChild(el("td", c.failed ? retryText(c.next_attempt) : "—"));
      tbody.appendChild(tr);
    });
  }

  window.__duban_cell_pushes = [];
  function connectLive() {
    var live = new EventSource("/api/live");
    window.__duban_live = live;
    live.addEventListener("notify", function (m) {
      try { renderNotify(JSON.parse(m.data)); } catch (e) { /* keep the board going */ }
    });
    live.addEventListener("cells", function (m) {
      var msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      // The whole grid as of the last turn of the day: /api/board is newer
      // (it has the events since), so ask it rather than draw this.
      if (msg.reason === "snapshot") { if (state.board) scheduleRefresh(); return; }
      window.__duban_cell_pushes.push(msg);
      if (state.board) applyCells(msg);
      scheduleRefresh();
      reportsChanged("");
    });
  }

  // Reconnect from the last event seen (the test closes the stream on purpose).
  window.__duban_reconnect = function () {
    if (window.__duban_sse) window.__duban_sse.close();
    connect();
  };

  document.addEventListener("DOMContentLoaded", function () {
    ["filter-unit", "filter-colour"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", renderGrid);
    });
    document.getElementById("esc-all").addEventListener("change", function (ev) {
      document.querySelectorAll(".esc-select").forEach(function (b) { b.checked = ev.target.checked; });
    });
    document.querySelectorAll("[data-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        act(b.getAttribute("data-action"), selected("esc-select"), document.getElementById("esc-note").value);
      });
    });
    document.querySelectorAll("[data-task-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        var reason = document.getElementById("task-reason").value;
        act(b.getAttribute("data-task-action"), selected("task-select"), reason, reason,
            document.getElementById("task-unit").value);
      });
    });
    document.getElementById("ranking-refresh").addEventListener("click", function () { loadRanking(); loadCharts(); });
    document.getElementById("ranking-at").addEventListener("change", loadRanking);
    document.getElementById("logout").addEventListener("click", function () {
      var body = new URLSearchParams(); body.append("csrf", state.csrf);
      fetch("/logout", { method: "POST", body: body, credentials: "same-origin" })
        .then(function () { window.location.href = "/login"; });
    });
    fetch("/api/session", { credentials: "same-origin" })
      .then(function (r) { if (r.status === 401) { window.location.href = "/login"; throw new Error("login"); } return r.json(); })
      .then(function (s) {
        state.csrf = s.csrf;
        document.getElementById("who").textContent = s.name;
        return refresh();
      })
      .then(function (b) {
        state.lastSeq = b.head; connect(); connectLive(); loadRanking(); loadCharts();
        fetch("/api/notify", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(renderNotify);
      });
  });
})();
