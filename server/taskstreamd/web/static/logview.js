// Logview: renders one instance from the server-sent events of its watch stream.
// The DOM holds only the visible task rows and a capped tail of the selected task's output.
"use strict";
(() => {
  const ROW = 44;                       // px, matches --row
  const OUTPUT_CAP = 256 * 1024;        // characters of each stream kept in the page
  const TIMELINE_ROWS = 5000;           // tasks drawn in the timeline (a canvas has a maximum height)
  const STAGE_TASKS = 50;               // the first tasks whose stages the timeline draws (and the selected one)
  const STAGES_PER_TASK = 20;           // stage rows drawn under one task
  const TERMINAL = new Set(["SUCCESS", "FAILED", "ENVIRONMENT_ERROR", "CANCELLED", "TIMED_OUT"]);
  const params = new URLSearchParams(location.search);
  const auth = new URLSearchParams({ p: params.get("p") || "", i: params.get("i") || "", token: params.get("token") || "" });
  const $ = (id) => document.getElementById(id);

  const state = { instance: null, tasks: new Map(), order: [], subs: new Map(), seq: 0, ended: false };
  const results = new Map();            // task name -> {key, value}; value null while it loads
  const rowsOf = new Map();             // task name -> {key, columns, rows, next, loading, error}: typed SQL rows
  // selected: the task shown; chosen: whether the reader picked it (else a failure may pick it for them).
  const view = { selected: null, chosen: false, filter: "", status: "", visible: [], stream: "stdout", dirty: false };
  const FAILED = new Set(["FAILED", "ENVIRONMENT_ERROR", "TIMED_OUT"]);
  const out = { es: null, task: null, text: { stdout: "", stderr: "" }, cut: { stdout: 0, stderr: 0 }, total: { stdout: 0, stderr: 0 } };

  const enumName = (v, prefix) => (v || "").replace(prefix, "") || "UNSPECIFIED";
  const taskStatus = (t) => enumName(t.status, "TASK_STATUS_");
  // Why a task that has not started waits, in words (Task.waiting_reason); "" when it does not wait.
  const WAITING_WORDS = {
    QUEUED: "queued for a free worker slot",
    NO_WORKER_FOR_TYPE: "no connected worker offers its type",
    NO_MATCHING_LABELS: "no connected worker has the labels it needs",
    DEPENDENCY: "waiting for the tasks it depends on",
    SCHEDULED: "waiting for its start time",
    BACKOFF: "waiting to retry after a failed attempt",
    CONCURRENCY_LIMIT: "waiting for its concurrency limit",
  };
  const waitingWords = (t) => {
    const status = taskStatus(t);
    if (status !== "WAITING" && status !== "INTERRUPTED" && status !== "SUSPENDED") return "";
    const reason = enumName(t.waitingReason, "WAITING_REASON_");
    const position = reason === "QUEUED" ? queue.positions[t.name] : 0;
    if (position) return `queued behind ${position - 1} for a free worker slot`;
    return WAITING_WORDS[reason] || "";
  };
  const isQueued = (t) => ["WAITING", "INTERRUPTED"].includes(taskStatus(t)) && enumName(t.waitingReason, "WAITING_REASON_") === "QUEUED";
  // Queue positions move without events of this instance (other instances' tasks start): read them at
  // once when a task of this one is queued, then every few seconds while one is.
  const queue = { positions: {}, timer: 0, busy: false, loaded: false };
  const toDate = (s) => (s ? new Date(s) : null);
  const pad = (n) => String(n).padStart(2, "0");
  const fmtTime = (d) => (d ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : "—");
  function fmtDuration(start, end) {
    if (!start) return "—";
    let s = Math.max(0, Math.round(((end || new Date()) - start) / 1000));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return h ? `${h}h ${pad(m)}m` : m ? `${m}m ${pad(s)}s` : `${s}s`;
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function set(id, text) { const e = $(id); if (e.textContent !== text) e.textContent = text; }
  function propertyText(v) {
    if (!v) return ["", ""];
    if ("stringValue" in v) return [v.stringValue, "str"];
    if ("intValue" in v) return [String(v.intValue), "int"];
    if ("doubleValue" in v) return [String(v.doubleValue), "float"];
    if ("bytesValue" in v) return [`${atob(v.bytesValue).length} bytes`, "bytes"];
    return ["", ""];
  }
  const relatedUrl = (name) => `related?${auth}&to=${encodeURIComponent(name)}`;
  let subsDrawn = "";

  // ---- the event stream ----------------------------------------------------------------------
  function applySnapshot(instance) {
    state.instance = instance;
    state.tasks = new Map();
    state.order = [];
    for (const t of instance.tasks || []) {
      state.tasks.set(t.name, t);
      state.order.push(t.name);
    }
    if (state.order.length === 1 && !view.selected) view.selected = state.order[0];
    showFailure();
    loadSubs();
  }

  // A failed instance opens on its (first) failed task, showing its error, unless the reader chose one.
  function showFailure() {
    const inst = state.instance;
    if (view.chosen || !inst || enumName(inst.status, "INSTANCE_STATUS_") !== "TERMINATED" || inst.successful) return;
    const failed = state.order.find((n) => FAILED.has(taskStatus(state.tasks.get(n))))
      || state.order.find((n) => taskStatus(state.tasks.get(n)) !== "SUCCESS");
    if (!failed || view.selected === failed) return;
    view.selected = failed;
    view.revealError = true;
  }

  function applyEvent(e) {
    const inst = state.instance;
    if (!inst) return;
    if (e.instanceStatusChanged) {
      const c = e.instanceStatusChanged;
      inst.status = c.status; inst.successful = c.successful;
      if (c.startTime) inst.startTime = c.startTime;
      if (c.endTime) inst.endTime = c.endTime;
      showFailure();
    } else if (e.taskStatusChanged) {
      const t = e.taskStatusChanged.task;
      // The instance's start is not an event of its own: it is its first task's start.
      if (t.startTime && (!inst.startTime || new Date(t.startTime) < new Date(inst.startTime))) inst.startTime = t.startTime;
      const prev = state.tasks.get(t.name);
      if (prev) { t.progress = t.progress || prev.progress; t.properties = t.properties || prev.properties; }
      else state.order.push(t.name);
      state.tasks.set(t.name, t);
    } else if (e.taskWaitingReasonChanged) {
      const t = state.tasks.get(e.taskWaitingReasonChanged.task);
      if (t) t.waitingReason = e.taskWaitingReasonChanged.waitingReason;
    } else if (e.taskProgressUpdated) {
      const t = state.tasks.get(e.taskProgressUpdated.task);
      if (t) t.progress = e.taskProgressUpdated.progress;
    } else if (e.taskPropertyUpdated) {
      const p = e.taskPropertyUpdated;
      const t = state.tasks.get(p.task);
      if (t) { t.properties = t.properties || {}; t.properties[p.key] = p.value; }
    } else if (e.subInstanceCreated) {
      state.subs.set(e.subInstanceCreated.instance, e.subInstanceCreated);
      loadSubs();
    }
  }

  // The spans of a task's stages as the server stamped them (start_time, end_time): open ones run to
  // "now", or to the task's end once it ended. Times are the server's, so a reload draws the same spans.
  function stageSpans(t, now) {
    const ended = TERMINAL.has(taskStatus(t)) || taskStatus(t) === "INTERRUPTED";
    const result = [];
    for (const s of (t.progress && t.progress.stages) || []) {
      const start = toDate(s.startTime);
      if (!start) continue;
      if (s.endTime) result.push({ name: s.name, start, end: toDate(s.endTime), state: "done" });
      else if (ended) { const end = toDate(t.endTime) || now; result.push({ name: s.name, start: end < start ? end : start, end, state: "ended" }); }
      else result.push({ name: s.name, start, end: now, state: "open" });
    }
    return result;
  }

  // Sub-instances with their status: read when the page opens and when one is created, then again while
  // any is still running (their changes are not in this instance's stream).
  let subsTimer = 0;
  async function loadSubs() {
    clearTimeout(subsTimer);
    try {
      const r = await fetch(`subinstances?${auth}`, { cache: "no-store" });
      if (!r.ok) return;
      const body = await r.json();
      for (const sub of body.sub_instances) state.subs.set(sub.instance, { ...(state.subs.get(sub.instance) || {}), ...sub });
      subsDrawn = "";
      schedule();
      if (body.sub_instances.some((sub) => sub.status !== "TERMINATED") && !document.hidden) subsTimer = setTimeout(loadSubs, 3000);
    } catch { /* the next event or reload tries again */ }
  }

  async function loadQueue() {
    clearTimeout(queue.timer);
    queue.timer = 0;
    if (queue.busy) return;
    queue.busy = true;
    try {
      const r = await fetch(`queue?${auth}`, { cache: "no-store" });
      if (r.ok) { queue.positions = (await r.json()).positions || {}; schedule(); }
    } catch { /* the next change tries again */ }
    queue.busy = false;
    queue.loaded = true;  // answered or not: from now on every few seconds, never in a tight loop
    watchQueue();
  }
  function watchQueue() {
    if (queue.timer || queue.busy) return;
    if (![...state.tasks.values()].some(isQueued)) { queue.positions = {}; queue.loaded = false; return; }
    if (document.hidden && queue.loaded) return;  // the next change of the instance looks again
    queue.timer = setTimeout(loadQueue, queue.loaded ? 3000 : 0);
  }

  function connect() {
    const es = new EventSource(`events?${auth}`);
    const conn = (s) => { const c = $("connection"); c.dataset.state = s; c.textContent = s; };
    es.onopen = () => conn("live");
    es.onerror = () => conn(es.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    const on = (kind, fn) => es.addEventListener(kind, (m) => { fn(JSON.parse(m.data)); if (m.lastEventId) state.seq = Number(m.lastEventId); schedule(); watchQueue(); });
    on("snapshot", applySnapshot);
    on("event", applyEvent);
    on("subinstances", (subs) => subs.forEach((s) => state.subs.set(s.instance, { ...s, ...(state.subs.get(s.instance) || {}) })));
    on("heartbeat", () => {});
    on("end", () => conn("reconnecting"));   // the server is draining; EventSource resumes after the last id
    on("done", () => { es.close(); state.ended = true; conn("ended"); loadSubs(); });
  }

  // ---- rendering (batched to one frame) ------------------------------------------------------
  function schedule() {
    if (view.dirty) return;
    view.dirty = true;
    requestAnimationFrame(() => { view.dirty = false; render(); });
  }

  function render() {
    const inst = state.instance;
    if (!inst) return;
    renderInstance(inst);
    renderTimeline();
    renderRows(true);
    renderDetail();
    document.body.dataset.seq = String(state.seq);
  }

  function renderInstance(inst) {
    const status = enumName(inst.status, "INSTANCE_STATUS_");
    set("instance-id", inst.id);
    const badge = $("instance-status");
    set("instance-status", status === "TERMINATED" ? (inst.successful ? "Terminated · successful" : "Terminated · not successful") : status[0] + status.slice(1).toLowerCase());
    badge.dataset.status = status === "TERMINATED" ? (inst.successful ? "TERMINATED-ok" : "TERMINATED-bad") : status;
    document.title = `${inst.id} · ${status.toLowerCase()} · Logview`;
    set("f-project", inst.project); set("f-owner", inst.owner || "—"); set("f-priority", String(inst.priority ?? 0));
    set("f-created", fmtTime(toDate(inst.createTime))); set("f-started", fmtTime(toDate(inst.startTime)));
    set("f-ended", fmtTime(toDate(inst.endTime)));
    set("f-duration", fmtDuration(toDate(inst.startTime), toDate(inst.endTime)));
    set("f-server", params.get("h") || location.host);
    // parent and sub-instances
    const parent = inst.parentInstance;
    $("parent").hidden = !parent;
    // The parent is named, not linked: this address grants this instance and its sub-instances only.
    if (parent) { const a = $("parent-link"); a.textContent = parent.split("/").pop(); a.title = parent; }
    $("subs").hidden = state.subs.size === 0;
    const subsKey = [...state.subs.values()].map((s) => `${s.instance} ${s.status || ""} ${s.successful || ""}`).join("|");
    if (subsKey !== subsDrawn) {
      subsDrawn = subsKey;
      const list = $("sub-list"); list.replaceChildren();
      for (const s of state.subs.values()) {
        const a = el("a", "", s.name || s.instance.split("/").pop()); a.href = relatedUrl(s.instance); a.title = s.instance;
        const li = el("li"); li.dataset.instance = s.instance; li.append(a);
        if (s.status) {
          const key = s.status === "TERMINATED" ? (s.successful ? "TERMINATED-ok" : "TERMINATED-bad") : s.status;
          const badge = el("span", "badge", s.status === "TERMINATED" ? (s.successful ? "succeeded" : "failed") : s.status.toLowerCase());
          badge.dataset.status = key; li.append(badge);
        }
        list.append(li);
      }
    }
    $("related").hidden = !parent && state.subs.size === 0;
    const labels = Object.entries(inst.labels || {});
    if ($("labels").childElementCount !== labels.length) $("labels").replaceChildren(...labels.map(([k, v]) => el("span", "", `${k}=${v}`)));
    // tasks by status
    const counts = {};
    for (const t of state.tasks.values()) counts[taskStatus(t)] = (counts[taskStatus(t)] || 0) + 1;
    const n = state.tasks.size || 1;
    $("summary").replaceChildren(...Object.entries(counts).map(([s, c]) => {
      const d = el("div", `s-${s}`); d.style.width = `${(100 * c) / n}%`; d.title = `${s}: ${c}`; return d;
    }));
    set("task-count", `${state.tasks.size} · ${Object.entries(counts).map(([s, c]) => `${c} ${s.toLowerCase()}`).join(", ")}`);
    const select = $("status-filter");
    for (const s of Object.keys(counts)) if (!select.querySelector(`option[value="${s}"]`)) select.append(new Option(s.toLowerCase(), s));
  }

  // ---- the Gantt-style timeline (a canvas: one row per task, cheap for thousands) -------------
  // Under a task's row come thinner rows for its stages: for the first STAGE_TASKS tasks and the
  // selected one, at most STAGES_PER_TASK each, so the canvas stays bounded for any instance.
  const COLORS = { RUNNING: "#2f6fde", ASSIGNED: "#2f6fde", CANCELLING: "#2f6fde", SUCCESS: "#1f8a4c", FAILED: "#c23a32", ENVIRONMENT_ERROR: "#c23a32", TIMED_OUT: "#c23a32", CANCELLED: "#b7791f", INTERRUPTED: "#b7791f", SUSPENDED: "#b7791f" };
  const STAGE_COLORS = { open: "#6f9ef0", done: "#5fb383", ended: "#a3abb8" };
  const STAGE_H = 12;
  let timelineRows = [];                // [{task, stage, y, h}] top to bottom, for clicks and titles
  let stageListKey = "";
  function renderTimeline() {
    const inst = state.instance;
    const canvas = $("timeline");
    const tasks = state.order.slice(0, TIMELINE_ROWS).map((n) => state.tasks.get(n));
    const rowH = Math.max(3, Math.min(18, Math.floor(6000 / Math.max(tasks.length, 1))));
    const start = toDate(inst.startTime) || toDate(inst.createTime) || new Date();
    const now = new Date();
    const end = toDate(inst.endTime) || now;
    const span = Math.max(end - start, 1000);
    // layout: a task row, then its stage rows
    const layout = [];
    const drawn = [];                   // the stage spans drawn, listed for tests and screen readers
    let y = 0, withStages = 0, cut = 0;
    tasks.forEach((t, i) => {
      layout.push({ task: t, stage: null, y, h: rowH, band: i % 2 });
      y += rowH;
      if (i >= STAGE_TASKS && t.name !== view.selected) return;
      const stages = stageSpans(t, state.ended ? end : now);
      if (stages.length) withStages++;
      if (stages.length > STAGES_PER_TASK) cut += stages.length - STAGES_PER_TASK;
      for (const s of stages.slice(0, STAGES_PER_TASK)) {
        layout.push({ task: t, stage: s, y, h: STAGE_H, band: i % 2 });
        drawn.push([t.name, s]);
        y += STAGE_H;
      }
    });
    const width = canvas.clientWidth || 800;
    const height = Math.max(y, 20);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr); canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const x = (d) => ((d - start) / span) * (width - 4) + 2;
    for (const r of layout) {
      if (r.band) { ctx.fillStyle = "#f3f5f8"; ctx.fillRect(0, r.y, width, r.h); }
      const t = r.task;
      if (r.stage) { drawStage(ctx, r, x, width); continue; }
      const s = toDate(t.startTime);
      if (!s) continue;
      const e = toDate(t.endTime) || end;
      ctx.fillStyle = COLORS[taskStatus(t)] || "#8792a2";
      const bx = x(s), bw = Math.max(2, x(e) - bx);
      ctx.fillRect(bx, r.y + (rowH > 6 ? 2 : 0), bw, rowH > 6 ? rowH - 4 : Math.max(1, rowH - 1));
      if (rowH >= 14 && bw > 60) { ctx.fillStyle = "#fff"; ctx.font = "11px system-ui"; ctx.fillText(t.name, bx + 4, r.y + rowH - 5, bw - 8); }
      if (t.name === view.selected) { ctx.strokeStyle = "#161b26"; ctx.lineWidth = 1.5; ctx.strokeRect(bx, r.y + 1, bw, rowH - 2); }
    }
    timelineRows = layout;
    renderStageList(drawn);
    const shown = state.order.length > tasks.length ? `the first ${tasks.length} of ${state.order.length} tasks` : `${tasks.length} task${tasks.length === 1 ? "" : "s"}`;
    const staged = withStages ? ` · stages of ${withStages} task${withStages === 1 ? "" : "s"}${state.order.length > STAGE_TASKS ? ` (the first ${STAGE_TASKS} and the selected one)` : ""}${cut ? `, ${cut} more stages not drawn` : ""}` : "";
    set("timeline-hint", `${shown} over ${fmtDuration(start, end)}${staged}`);
    const axis = $("axis");
    const elapsed = (ms) => (span < 10000 ? `+${(ms / 1000).toFixed(1)}s` : `+${fmtDuration(new Date(0), new Date(ms))}`);
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => el("span", "", f ? elapsed(f * span) : fmtTime(start).slice(11)));
    axis.replaceChildren(...ticks);
  }
  function drawStage(ctx, r, x, width) {
    const s = r.stage;
    const bx = x(s.start), bw = Math.max(3, x(s.end) - bx);
    const ts = toDate(r.task.startTime);
    if (ts) { ctx.fillStyle = "#c5ccd6"; ctx.fillRect(x(ts), r.y, 1, r.h); }  // ties the stage to its task's bar
    ctx.fillStyle = STAGE_COLORS[s.state];
    ctx.fillRect(bx, r.y + 3, bw, r.h - 6);
    if (s.state === "ended") { ctx.strokeStyle = "#7b8494"; ctx.lineWidth = 1; ctx.setLineDash([3, 2]); ctx.strokeRect(bx + 0.5, r.y + 2.5, bw - 1, r.h - 5); ctx.setLineDash([]); }
    ctx.font = "10px system-ui";
    const label = `${s.name}${s.state === "ended" ? " (unfinished)" : ""}`;
    const tw = ctx.measureText(label).width;
    ctx.fillStyle = "#3d4656";
    if (bx + bw + 4 + tw <= width) ctx.fillText(label, bx + bw + 4, r.y + r.h - 2);
    else ctx.fillText(label, Math.max(2, bx - 4 - tw), r.y + r.h - 2, Math.max(bx - 6, 20));
  }
  // A hidden list of the stage spans drawn: what the canvas shows, in words (tests read it).
  function renderStageList(drawn) {
    const key = drawn.map(([task, s]) => `${task}\u0000${s.name}\u0000${s.state}\u0000${+s.start}\u0000${s.state === "open" ? "" : +s.end}`).join("\u0001");
    if (key === stageListKey) return;
    stageListKey = key;
    $("timeline-stages").replaceChildren(...drawn.map(([task, s]) => {
      const li = el("li", "", `${task} › ${s.name}: ${s.state}, ${fmtTime(s.start).slice(11)}–${s.state === "open" ? "now" : fmtTime(s.end).slice(11)}`);
      li.dataset.task = task; li.dataset.stage = s.name; li.dataset.state = s.state;
      li.dataset.start = s.start.toISOString(); li.dataset.end = s.state === "open" ? "" : s.end.toISOString();
      return li;
    }));
  }
  function timelineRowAt(offsetY) {
    let lo = 0, hi = timelineRows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, r = timelineRows[mid];
      if (offsetY < r.y) hi = mid - 1; else if (offsetY >= r.y + r.h) lo = mid + 1; else return r;
    }
    return null;
  }
  $("timeline").addEventListener("click", (e) => {
    const r = timelineRowAt(e.offsetY);
    if (r) select(r.task.name, true);
  });
  $("timeline").addEventListener("mousemove", (e) => {
    const r = timelineRowAt(e.offsetY);
    const t = r && r.task, s = r && r.stage;
    e.target.title = !t ? "" : s ? `${t.name} › ${s.name} · ${s.state === "ended" ? "unfinished when the task ended" : s.state} · ${fmtDuration(s.start, s.state === "open" ? null : s.end)}`
      : `${t.name} · ${taskStatus(t).toLowerCase()} · ${fmtDuration(toDate(t.startTime), toDate(t.endTime))}`;
  });

  // ---- the task list: only the rows in view are in the DOM ------------------------------------
  function filtered() {
    const f = view.filter.toLowerCase();
    return state.order.filter((n) => {
      const t = state.tasks.get(n);
      return (!view.status || taskStatus(t) === view.status) && (!f || n.toLowerCase().includes(f) || (t.type || "").toLowerCase().includes(f));
    });
  }
  function renderRows(recompute) {
    const vp = $("viewport");
    if (recompute) view.visible = filtered();
    $("spacer").style.height = `${view.visible.length * ROW}px`;
    const first = Math.max(0, Math.floor(vp.scrollTop / ROW) - 5);
    const last = Math.min(view.visible.length, Math.ceil((vp.scrollTop + vp.clientHeight) / ROW) + 5);
    const rows = [];
    for (let i = first; i < last; i++) rows.push(taskRow(state.tasks.get(view.visible[i]), i));
    vp.replaceChildren($("spacer"), ...rows);
  }
  function taskRow(t, i) {
    const status = taskStatus(t);
    const row = el("div", `task row${t.name === view.selected ? " selected" : ""}`);
    row.style.top = `${i * ROW}px`;
    row.dataset.task = t.name;
    row.dataset.status = status;
    const why = waitingWords(t);
    const name = el("div", "name", t.name); name.append(el("small", why ? "waiting-reason" : "", why ? `${t.type} · ${why}` : t.type));
    const badge = el("span", "badge", status.toLowerCase().replace("_", " ")); badge.dataset.status = status;
    if (why) badge.title = why;
    const pct = percentOf(t);
    const prog = el("div", "prog");
    const bar = el("div", "bar"); const fill = el("div", `fill${status === "SUCCESS" ? " done" : TERMINAL.has(status) ? " bad" : ""}`);
    fill.style.width = `${pct}%`; bar.append(fill);
    prog.append(bar, el("small", "", `${pct}%${t.progress && t.progress.message ? ` · ${t.progress.message}` : ""}`));
    row.append(name, el("div", "", ""), prog, el("div", "dur", fmtDuration(toDate(t.startTime), toDate(t.endTime))));
    row.children[1].append(badge);
    return row;
  }
  function percentOf(t) {
    if (taskStatus(t) === "SUCCESS") return 100;
    const p = t.progress || {};
    if (p.percent) return p.percent;
    const stages = p.stages || [];
    if (!stages.length) return 0;
    return Math.round(stages.reduce((a, s) => a + (s.finishedPercentage || 0), 0) / stages.length);
  }
  $("viewport").addEventListener("scroll", () => renderRows(false), { passive: true });
  $("viewport").addEventListener("click", (e) => { const r = e.target.closest(".task"); if (r) select(r.dataset.task, false); });
  $("viewport").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    e.preventDefault();
    const i = view.visible.indexOf(view.selected) + (e.key === "ArrowDown" ? 1 : -1);
    if (view.visible[i]) select(view.visible[i], true);
  });
  $("filter").addEventListener("input", (e) => { view.filter = e.target.value; renderRows(true); });
  $("status-filter").addEventListener("change", (e) => { view.status = e.target.value; renderRows(true); });

  function select(name, scroll) {
    view.selected = name;
    view.chosen = true;
    if (scroll) {
      const i = view.visible.indexOf(name), vp = $("viewport");
      if (i >= 0 && (i * ROW < vp.scrollTop || (i + 1) * ROW > vp.scrollTop + vp.clientHeight)) vp.scrollTop = i * ROW - vp.clientHeight / 2;
    }
    render();
  }

  // ---- the selected task ---------------------------------------------------------------------
  function renderDetail() {
    const t = view.selected && state.tasks.get(view.selected);
    $("detail-empty").hidden = !!t;
    $("detail-body").hidden = !t;
    if (!t) return;
    const status = taskStatus(t);
    set("detail-title", t.name);
    const why = waitingWords(t);
    set("d-status", status.toLowerCase().replace("_", " ") + (why ? ` · ${why}` : "")); $("d-status").dataset.status = status;
    set("d-type", t.type); set("d-worker", t.worker || "—");
    set("d-attempts", `${t.attempts || 0}${t.interruptions ? ` (${t.interruptions} interrupted)` : ""}`);
    set("d-started", fmtTime(toDate(t.startTime))); set("d-ended", fmtTime(toDate(t.endTime)));
    set("d-duration", fmtDuration(toDate(t.startTime), toDate(t.endTime)));
    const p = t.progress || {};
    const pct = percentOf(t);
    $("d-percent-bar").style.width = `${pct}%`;
    $("d-percent-bar").className = `fill${status === "SUCCESS" ? " done" : TERMINAL.has(status) ? " bad" : ""}`;
    set("d-percent", `${pct}%`); set("d-message", p.message || "");
    renderStages(p.stages || []);
    const cancel = t.cancellation;
    $("d-cancel-block").hidden = !cancel;
    if (cancel) set("d-cancel", `${enumName(cancel.reason, "CANCELLATION_REASON_").toLowerCase()}${cancel.message ? `: ${cancel.message}` : ""}${cancel.requestedBy ? ` — by ${cancel.requestedBy}` : ""}${cancel.requestTime ? ` at ${fmtTime(toDate(cancel.requestTime))}` : ""}`);
    const err = t.error;
    $("d-error-block").hidden = !err;
    if (err) { set("d-error-type", `${err.type}:`); set("d-error-message", err.message || ""); set("d-traceback", err.traceback || ""); }
    renderParameters(t);
    renderProperties(t.properties || {});
    const tabular = renderResultRows(t, status);
    renderResult(t, status, tabular);
    $("download").href = `download?${auth}&task=${encodeURIComponent(t.name)}&stream=${view.stream}`;
    $("download").textContent = `Download ${view.stream}`;
    if (out.task !== t.name) followOutput(t.name);
    if (view.revealError && err) { view.revealError = false; $("d-error-block").scrollIntoView({ block: "nearest" }); }
  }

  // The task's parameters as submitted; a SQL task's statement as text of its own.
  function renderParameters(t) {
    let params = {};
    try { params = t.parametersJson ? JSON.parse(t.parametersJson) : {}; } catch { params = { parameters: t.parametersJson }; }
    if (params === null || typeof params !== "object" || Array.isArray(params)) params = { parameters: params };
    const sql = t.type === "sql" && typeof params.sql === "string" ? params.sql : null;
    $("d-sql-block").hidden = sql === null;
    set("d-sql", sql || "");
    set("d-datasource", sql !== null ? `on data source ${params.datasource || "default"}` : "");
    const entries = Object.entries(params).filter(([k]) => !(sql !== null && (k === "sql" || k === "datasource")));
    $("d-params").replaceChildren(...entries.slice(0, 200).map(([k, v]) => {
      const tr = el("tr"); const text = typeof v === "string" ? v : JSON.stringify(v);
      tr.append(el("td", "", k), el("td", "mono", text.length > 2000 ? `${text.slice(0, 2000)}…` : text)); return tr;
    }));
    $("d-params-block").hidden = sql === null && entries.length === 0;
    set("d-params-title", sql !== null ? "Statement" : "Parameters");
  }

  // A successful SQL select's rows, typed, a page at a time (ListTaskResultRows), as a table.
  const ROWS_CAP = 5000;
  function renderResultRows(t, status) {
    const block = $("d-rows-block");
    if (t.type !== "sql" || status !== "SUCCESS") { block.hidden = true; return false; }
    const key = `${t.endTime} ${t.attempts}`;
    let entry = rowsOf.get(t.name);
    if (!entry || entry.key !== key) {
      entry = { key, columns: [], rows: [], next: "", loading: false, error: "", loaded: false };
      rowsOf.set(t.name, entry);
      loadRows(t.name, entry);
    }
    if (!entry.loaded) { block.hidden = true; return !entry.error; }
    if (entry.error) { block.hidden = true; return false; }
    block.hidden = false;
    $("d-rows-head").replaceChildren(rowOf("th", entry.columns.map((c) => c.name), entry.columns.map((c) => c.type)));
    if ($("d-rows").childElementCount !== entry.rows.length || $("d-rows").dataset.task !== t.name) {
      $("d-rows").dataset.task = t.name;
      $("d-rows").replaceChildren(...entry.rows.map((r) => rowOf("td", r.map((c) => (c === null ? "NULL" : String(c))), r.map((c) => (c === null ? "null" : "")))));
    }
    set("d-rows-count", `${entry.rows.length}${entry.next ? "+" : ""}`);
    $("d-rows-more").hidden = !entry.next || entry.rows.length >= ROWS_CAP;
    $("d-rows-more").disabled = entry.loading;
    return true;
  }
  function rowOf(tag, texts, classes) {
    const tr = el("tr");
    texts.forEach((text, i) => { const c = el(tag, classes[i] ? `c-${classes[i]}` : "", text); if (tag === "th") c.title = classes[i]; tr.append(c); });
    return tr;
  }
  async function loadRows(name, entry) {
    entry.loading = true;
    try {
      const token = entry.next ? `&page_token=${encodeURIComponent(entry.next)}` : "";
      const r = await fetch(`rows?${auth}&task=${encodeURIComponent(name)}${token}`, { cache: "no-store" });
      if (!r.ok) { entry.error = await r.text(); }
      else { const body = await r.json(); entry.columns = body.columns; entry.rows = entry.rows.concat(body.rows); entry.next = body.next_page_token; }
    } catch (e) { entry.error = String(e); }
    entry.loading = false; entry.loaded = true;
    schedule();
  }
  $("d-rows-more").addEventListener("click", () => { const e = rowsOf.get(view.selected); if (e && e.next && !e.loading) loadRows(view.selected, e); renderDetail(); });
  function renderStages(stages) {
    const box = $("d-stages");
    box.replaceChildren(...stages.map((s) => {
      const total = s.totalWorkers || 0, done = s.terminatedWorkers || 0, running = s.runningWorkers || 0;
      const row = el("div", "stage");
      const bar = el("div", "bar");
      const fill = el("div", `fill${s.finishedPercentage >= 100 ? " done" : ""}`); fill.style.width = `${s.finishedPercentage || 0}%`;
      const run = el("div", "running");
      if (total) { run.style.left = `${(100 * done) / total}%`; run.style.width = `${(100 * running) / total}%`; }
      bar.append(fill, run);
      const records = s.inputRecords || s.outputRecords ? ` · in ${s.inputRecords || 0} / out ${s.outputRecords || 0}` : "";
      const start = toDate(s.startTime), end = toDate(s.endTime);
      const when = start ? ` · ${fmtTime(start).slice(11)}${end ? `–${fmtTime(end).slice(11)} (${fmtDuration(start, end)})` : ", running"}` : "";
      const times = el("span", "stimes", when.slice(3));
      times.dataset.start = s.startTime || ""; times.dataset.end = s.endTime || "";
      row.append(el("span", "sname", s.name), bar,
        el("span", "workers", `${running}/${done}/${total}${s.backupWorkers ? ` (+${s.backupWorkers} backups)` : ""} · ${s.finishedPercentage || 0}%${records}`), times);
      row.title = "running / terminated / total workers";
      return row;
    }));
    // PyODPS's formatted progress line
    set("d-formatted", stages.length ? stages.map((s) => `${s.name}:${s.runningWorkers || 0}/${s.terminatedWorkers || 0}/${s.totalWorkers || 0}${s.backupWorkers ? `(+${s.backupWorkers} backups)` : ""}[${s.finishedPercentage || 0}%]`).join("  ") : "");
  }
  function renderProperties(props) {
    const entries = Object.entries(props).sort(([a], [b]) => a.localeCompare(b));
    set("d-prop-count", entries.length ? String(entries.length) : "none");
    const shown = entries.slice(0, 500);
    $("d-props").replaceChildren(...shown.map(([k, v]) => {
      const [text, kind] = propertyText(v);
      const tr = el("tr"); const val = el("td", "", text); val.append(el("small", "", kind));
      tr.append(el("td", "", k), val); return tr;
    }));
  }
  function renderResult(t, status, tabular) {
    const block = $("d-result-block");
    if (!TERMINAL.has(status) || tabular) { block.hidden = true; return; }
    const key = `${status} ${t.endTime} ${t.attempts}`;
    let entry = results.get(t.name);
    if (!entry || entry.key !== key) {
      entry = { key, value: null };
      results.set(t.name, entry);
      fetch(`result?${auth}&task=${encodeURIComponent(t.name)}`).then((r) => r.json())
        .then((body) => { entry.value = body.result || {}; schedule(); })
        .catch(() => { results.delete(t.name); });
      block.hidden = true;
      return;
    }
    if (entry.value === null) return;
    const r = entry.value;
    let text = "";
    if ("json" in r) { try { text = JSON.stringify(JSON.parse(r.json), null, 2); } catch { text = r.json; } }
    else if ("text" in r) text = r.text;
    else if (r.binary) text = `${atob(r.binary.data || "").length} bytes (${r.binary.contentType || "application/octet-stream"})`;
    else if (r.python) text = `${r.python.repr}  (${r.python.typeName})`;
    block.hidden = !text;
    set("d-result", text.length > 100000 ? `${text.slice(0, 100000)}\n… (${text.length - 100000} more characters)` : text);
  }

  // ---- output tails: one stream per selected task, capped in the page --------------------------
  function followOutput(name) {
    if (out.es) out.es.close();
    out.task = name;
    const reset = () => { out.text = { stdout: "", stderr: "" }; out.cut = { stdout: 0, stderr: 0 }; out.total = { stdout: 0, stderr: 0 }; };
    reset();
    renderOutput();
    const es = (out.es = new EventSource(`output?${auth}&task=${encodeURIComponent(name)}&tail=65536`));
    es.onopen = reset;  // every (re)connection starts again from the tail
    es.addEventListener("chunk", (m) => {
      const c = JSON.parse(m.data);
      if (!out.cut[c.stream] && !out.text[c.stream]) out.cut[c.stream] = Number(c.offset);
      else out.cut[c.stream] += Number(c.cut);
      let text = out.text[c.stream] + c.text;
      if (text.length > OUTPUT_CAP) { out.cut[c.stream] += text.length - OUTPUT_CAP; text = text.slice(text.length - OUTPUT_CAP); }
      out.text[c.stream] = text;
      out.total[c.stream] = Number(c.end);
      scheduleOutput();
    });
    es.addEventListener("done", () => { es.close(); out.done = true; scheduleOutput(); });
  }
  let outputDirty = false;
  function scheduleOutput() {
    if (outputDirty) return;
    outputDirty = true;
    requestAnimationFrame(() => { outputDirty = false; renderOutput(); });
  }
  const size = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
  function renderOutput() {
    const pre = $("out");
    const follow = $("follow").checked;
    set("out", out.text[view.stream]);
    set("n-stdout", out.total.stdout ? size(out.total.stdout) : "");
    set("n-stderr", out.total.stderr ? size(out.total.stderr) : "");
    const cut = out.cut[view.stream];
    $("out-cut").hidden = !cut;
    set("out-cut", cut ? `… ${size(cut)} earlier not shown` : "");
    if (follow) pre.scrollTop = pre.scrollHeight;
  }
  for (const b of document.querySelectorAll(".tabs button")) {
    b.addEventListener("click", () => {
      view.stream = b.dataset.stream;
      for (const o of document.querySelectorAll(".tabs button")) o.setAttribute("aria-selected", String(o === b));
      renderOutput();
      renderDetail();
    });
  }
  $("out").addEventListener("scroll", (e) => { const p = e.target; $("follow").checked = p.scrollTop + p.clientHeight >= p.scrollHeight - 4; });

  setInterval(() => { if (state.instance && !state.ended) schedule(); }, 1000);  // running durations tick
  window.addEventListener("resize", schedule);
  connect();
})();
