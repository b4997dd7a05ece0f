/* desk.js: the department desk's pages. Text from the log goes in with
 * textContent only, so a note holding markup shows as text. */
"use strict";
(function () {
  let csrf = "";
  let tasks = [];
  let current = null;
  let milestoneDue = ""; /* the milestone the 报告节点完成 form is open for */
  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function status(text, cls) {
    const s = $("desk-status");
    s.textContent = text;
    s.className = cls || "";
  }

  async function getJSON(path) {
    const r = await fetch(path, { credentials: "same-origin" });
    if (r.status === 401) { window.location = "/login"; return null; }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { status(body.error || ("错误 " + r.status), "refusal"); return null; }
    return body;
  }

  async function post(path, body) {
    const r = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const answer = await r.json().catch(() => ({}));
    answer.status = r.status;
    return answer;
  }

  /* The outcome of a write, beside the field it concerns. */
  function outcome(answer, spot) {
    if (answer.ok && answer.queued) {
      spot.textContent = "已排队"; spot.className = "queued";
      status("已排队：本部门代理程序将在联通后送达", "queued");
      loadQueued();
      return true;
    }
    if (answer.ok) {
      spot.textContent = "已受理"; spot.className = "accepted";
      status("已受理", "accepted");
      return true;
    }
    spot.textContent = answer.error || "被拒绝"; spot.className = "refusal";
    status("被拒绝：" + (answer.error || ""), "refusal");
    return false;
  }

  function renderTasks() {
    const body = $("tasks-body");
    body.replaceChildren();
    for (const t of tasks) {
      const row = el("tr");
      row.dataset.task = t.id;
      if (current && current.id === t.id) row.classList.add("selected");
      if (t.cancelled) row.classList.add("cancelled");
      const seen = el("td");
      seen.append(el("span", t.seen_as_zh || "—", "seen seen-" + (t.seen_as || "none")));
      const owner = el("td", t.unit_name || t.unit, "unit");
      owner.dataset.unit = t.unit;
      row.append(el("td", t.number), seen, owner, el("td", t.state_zh));
      const colour = el("td");
      colour.append(el("span", t.colour_zh, "colour colour-" + t.colour));
      row.append(colour, el("td", t.percent + "%"), el("td", t.next_due || "—"));
      row.append(el("td", t.figures.map((f) => f.what + " " + f.against).join("；")));
      const text = el("td");
      text.append(el("div", t.text, "task-text"));
      row.append(text);
      row.addEventListener("click", () => select(t.id));
      body.append(row);
    }
  }

  /* The measures the unit leads, each with the roll-up of its tasks' colours. */
  function renderLeadMeasures(measures) {
    $("lead-section").hidden = !measures.length;
    const list = $("lead-measures");
    list.replaceChildren();
    for (const m of measures) {
      const li = el("li", "措施 " + m.measure + " ");
      li.dataset.measure = m.measure;
      li.append(el("span", m.colour_zh, "colour colour-" + m.colour),
        "（" + m.tasks + " 项：绿 " + m.green + "，蓝 " + m.blue + "，黄 " + m.yellow + "，红 " + m.red + "）");
      if (m.text) li.append(el("div", m.text, "measure-text"));
      list.append(li);
    }
  }

  /* One input per target, in box, ids prefix-i and prefix-unit-i. */
  function figureFields(t, box, prefix) {
    box = box || $("figure-fields");
    prefix = prefix || "figure";
    box.replaceChildren();
    t.targets.forEach((target, i) => {
      const label = el("label", target.what + "（目标 " + target.amount + "）");
      const input = el("input");
      input.type = "number"; input.step = "any"; input.min = "0"; input.id = prefix + "-" + i;
      input.dataset.what = target.what;
      const unit = el("select");
      unit.id = prefix + "-unit-" + i;
      for (const name of target.units) {
        const option = el("option", name);
        option.value = name;
        if (name === target.unit) option.selected = true;
        unit.append(option);
      }
      const refusal = el("span", "", "refusal");
      refusal.id = prefix + "-refusal-" + i;
      label.append(" ", input, unit, refusal);
      box.append(label);
    });
  }

  /* The detail's text of the current task (state, note), leaving what the
   * clerk is typing in the forms alone. */
  function showDetail() {
    $("detail-number").textContent = current.number;
    $("detail-text").textContent = current.text;
    $("detail-state").textContent = current.state_zh + "，" + current.percent + "%";
    $("detail-units").textContent = "责任单位：" + current.unit_name +
      "　牵头单位：" + (current.lead_names.join("、") || "—") +
      "　配合单位：" + (current.cooperating_names.join("、") || "—");
    $("detail-note").textContent = current.note || "—";
    /* Only the owner writes to a live task (the broker refuses the rest);
     * a lead may remind the owner. */
    $("writes").hidden = !current.writable;
    $("remind-form").hidden = !current.may_remind;
    const readonly = $("detail-readonly");
    readonly.hidden = current.writable;
    readonly.textContent = current.cancelled ? "本任务已因计划调整撤销，不再办理。"
      : "本任务由" + current.unit_name + "负责（本部门为" + current.seen_as_zh + "单位），只可查看" +
        (current.may_remind ? "和催办。" : "。");
    if (!current.writable || milestoneDue && !current.milestones.some((m) => m.due === milestoneDue && m.state === "open"))
      closeMilestoneForm();
    showPlanChanges();
    showMilestones();
  }

  function showPlanChanges() {
    const list = $("plan-changes");
    list.replaceChildren();
    for (const c of current.plan_changes)
      list.append(el("li", c.time + " " + c.what + "——原因：" + c.reason + "（" + c.actor_name + "）"));
    if (!current.plan_changes.length) list.append(el("li", "无"));
  }

  /* Each milestone with its state and, while open on the unit's own task,
   * its 报告节点完成 action. */
  function showMilestones() {
    const list = $("milestones");
    list.replaceChildren();
    for (const m of current.milestones) {
      const li = el("li", m.index + ". " + m.due + " " + m.text);
      li.dataset.due = m.due;
      li.append(el("span", m.state_zh, "milestone-state " + m.state));
      if (current.writable && m.state === "open") {
        const button = el("button", "报告节点完成", "milestone-met");
        button.type = "button";
        button.addEventListener("click", () => openMilestoneForm(m));
        li.append(button);
      }
      list.append(li);
    }
    if (!current.milestones.length) list.append(el("li", "无"));
  }

  function openMilestoneForm(m) {
    milestoneDue = m.due;
    $("milestone-due-label").textContent = m.index + ". " + m.due + " " + m.text;
    $("milestone-refusal").textContent = "";
    $("milestone-note").value = "";
    $("milestone-evidence").value = "";
    figureFields(current, $("milestone-figure-fields"), "milestone-figure");
    $("milestone-form").hidden = false;
  }

  function closeMilestoneForm() {
    milestoneDue = "";
    $("milestone-form").hidden = true;
  }

  function select(id) {
    current = tasks.find((t) => t.id === id) || null;
    $("detail").hidden = !current;
    if (!current) return;
    showDetail();
    $("progress-percent").value = current.percent;
    for (const id2 of ["progress-refusal", "submit-refusal", "escalate-refusal", "evidence-refusal", "remind-refusal"]) $(id2).textContent = "";
    closeMilestoneForm();
    figureFields(current);
    renderTasks();
    loadEvidence();
  }

  async function loadTasks() {
    const answer = await getJSON("/api/tasks");
    if (!answer) return;
    tasks = answer.tasks;
    $("desk-unit").textContent = answer.unit_name || answer.unit;
    $("desk-unit").dataset.unit = answer.unit;
    renderLeadMeasures(answer.lead_measures || []);
    if (current) {
      /* A change that arrives while the clerk types keeps the forms as
       * they are, unless the task's targets themselves changed. */
      const before = JSON.stringify(current.targets);
      current = tasks.find((t) => t.id === current.id) || null;
      $("detail").hidden = !current;
      if (current && JSON.stringify(current.targets) !== before) figureFields(current);
      if (current) showDetail();
    }
    renderTasks();
  }

  async function loadInbox() {
    const answer = await getJSON("/api/inbox");
    if (!answer) return;
    $("inbox-unread").textContent = answer.unread ? answer.unread + " 条未读" : "";
    const list = $("inbox");
    list.replaceChildren();
    for (const item of answer.items) {
      const li = el("li", item.time + " 【" + item.kind_zh + "】 " + item.task + " " + item.text + "（" + item.from_name + "）",
        item.read ? "" : "unread");
      li.dataset.seq = item.seq;
      list.append(li);
    }
    list.dataset.top = answer.items.length ? answer.items[0].seq : "";
  }


  /* What the outbox holds (the same as `duban outbox`): writes still to be
   * delivered, and those the broker refused with its reason. */
  async function loadQueued() {
    const answer = await getJSON("/api/queued");
    if (!answer) return;
    const list = $("queued");
    list.replaceChildren();
    for (const item of answer.items) {
      const text = item.state + "：" + item.what + (item.refused ? "——" + item.message : "") +
        (item.answered_at ? "（" + item.answered_at + "）" : "");
      const li = el("li", text, item.refused ? "refused" : "queued");
      li.dataset.requestId = item.request_id;
      list.append(li);
    }
    if (!answer.items.length) list.append(el("li", "无"));
  }

  /* The files the task's reports carried, each with a download link. */
  async function loadEvidence() {
    if (!current) return;
    const id = current.id;
    const answer = await getJSON("/api/evidence?task=" + encodeURIComponent(id));
    if (!answer || !current || current.id !== id) return;
    const list = $("evidence-list");
    list.replaceChildren();
    for (const file of answer.evidence) {
      const li = el("li", file.time + " 事件 #" + file.seq + " " + file.kind_zh + "：");
      const link = el("a", file.name);
      link.href = file.url;
      link.download = file.name;
      li.append(link, " （" + file.size_text + "）");
      list.append(li);
    }
    if (!answer.evidence.length) list.append(el("li", "无"));
  }

  /* The chosen files as the desk's JSON takes them: name and base64. */
  async function chosenEvidence(input) {
    const files = [];
    for (const file of (input || $("progress-evidence")).files) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000)
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      files.push({ name: file.name, data: btoa(binary) });
    }
    return files;
  }

  async function claim() {
    if (!current) return;
    const answer = await post("/api/claim", { task: current.id });
    if (outcome(answer, $("progress-refusal"))) loadTasks();
  }

  async function progress(event) {
    event.preventDefault();
    if (!current) return;
    const figures = [];
    current.targets.forEach((target, i) => {
      $("figure-refusal-" + i).textContent = "";
      const value = $("figure-" + i).value;
      if (value !== "") figures.push({ what: target.what, value: Number(value), unit: $("figure-unit-" + i).value });
    });
    $("evidence-refusal").textContent = "";
    const answer = await post("/api/progress", {
      task: current.id, percent: Number($("progress-percent").value), figures: figures,
      note: $("progress-note").value,
      evidence: await chosenEvidence(),
    });
    let spot = $("progress-refusal");
    if (!answer.ok && (answer.field === "evidence" || (answer.error || "").includes("佐证材料"))) {
      spot = $("evidence-refusal");
    } else if (!answer.ok) {
      /* The broker's refusal goes beside the figure it names, else beside the first one given. */
      let index = current.targets.findIndex((t) => (answer.error || "").includes(t.what));
      if (index < 0) index = current.targets.findIndex((t, i) => $("figure-" + i).value !== "");
      if (index >= 0) spot = $("figure-refusal-" + index);
    }
    if (outcome(answer, spot)) {
      $("progress-evidence").value = "";
      loadTasks();
      loadEvidence();
    }
  }

  async function remind(event) {
    event.preventDefault();
    if (!current) return;
    const answer = await post("/api/remind", { task: current.id, note: $("remind-note").value });
    if (outcome(answer, $("remind-refusal"))) $("remind-note").value = "";
  }

  async function milestoneMet(event) {
    event.preventDefault();
    if (!current || !milestoneDue) return;
    const figures = [];
    current.targets.forEach((target, i) => {
      $("milestone-figure-refusal-" + i).textContent = "";
      const value = $("milestone-figure-" + i).value;
      if (value !== "") figures.push({ what: target.what, value: Number(value), unit: $("milestone-figure-unit-" + i).value });
    });
    const answer = await post("/api/milestone", {
      task: current.id, due: milestoneDue, figures: figures, note: $("milestone-note").value,
      evidence: await chosenEvidence($("milestone-evidence")),
    });
    let spot = $("milestone-refusal");
    if (!answer.ok && answer.field !== "evidence") {
      const index = current.targets.findIndex((t) => (answer.error || "").includes(t.what));
      if (index >= 0) spot = $("milestone-figure-refusal-" + index);
    }
    if (outcome(answer, spot)) {
      closeMilestoneForm();
      loadTasks();
      loadEvidence();
    }
  }

  async function submitTask(event) {
    event.preventDefault();
    if (!current) return;
    const answer = await post("/api/submit", { task: current.id, note: $("submit-note").value });
    if (outcome(answer, $("submit-refusal"))) loadTasks();
  }

  async function escalate(event) {
    event.preventDefault();
    if (!current) return;
    const answer = await post("/api/escalate", {
      task: current.id, category: $("escalate-category").value, reason: $("escalate-reason").value,
    });
    outcome(answer, $("escalate-refusal"));
  }

  async function markRead() {
    const top = Number($("inbox").dataset.top || 0);
    if (!top) return;
    const answer = await post("/api/inbox/read", { up_to_seq: top });
    outcome(answer, $("desk-status"));
    loadInbox();
  }

  async function start() {
    const session = await getJSON("/api/session");
    if (!session) return;
    csrf = session.csrf;
    $("desk-person").textContent = session.name;
    $("logout-csrf").value = csrf;
    $("claim-button").addEventListener("click", claim);
    $("progress-form").addEventListener("submit", progress);
    $("submit-form").addEventListener("submit", submitTask);
    $("escalate-form").addEventListener("submit", escalate);
    $("remind-form").addEventListener("submit", remind);
    $("milestone-form").addEventListener("submit", milestoneMet);
    $("milestone-cancel").addEventListener("click", closeMilestoneForm);
    $("inbox-read").addEventListener("click", markRead);
    await Promise.all([loadTasks(), loadInbox(), loadQueued()]);
    live();
    /* The agent's outbox: looked at on each change and now and then. */
    setInterval(loadQueued, 15000);
  }

  /* Changes to the unit's tasks and inbox come from the desk over SSE; a
   * page (re)connecting is sent the latest change and reloads once. */
  function live() {
    const sse = new EventSource("/api/events");
    window.__desk_changes = 0;
    sse.onopen = () => { $("desk-live").textContent = "实时"; $("desk-live").className = "live on"; };
    sse.onerror = () => { $("desk-live").textContent = "重新连接中…"; $("desk-live").className = "live off"; };
    sse.addEventListener("changed", (m) => {
      let change = {};
      try { change = JSON.parse(m.data); } catch (e) { change = { tasks: true, inbox: true }; }
      window.__desk_changes++;
      if (change.tasks) { loadTasks(); loadEvidence(); }
      if (change.inbox) loadInbox();
      loadQueued();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
