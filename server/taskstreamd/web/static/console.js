// Console: a project's instances, live (a project watch read through fetch, so the token travels as a
// header), the server's workers and queues, and the actions an operator takes. Everything shown is
// written with textContent: names, labels and owners are data, never markup.
"use strict";
(() => {
  const TOKEN_KEY = "taskstream-console-token";   // sessionStorage: this tab only, never an address
  const MAX_ROWS = 500;                            // rows drawn; the rest are counted
  const REFRESH_MS = 2000;                         // workers and queues, while their tab is open
  const $ = (id) => document.getElementById(id);

  const state = {
    session: null,          // what /console/api/session said
    instances: new Map(),   // id -> InstanceSummary (JSON)
    fresh: new Set(),       // ids changed since the last render (flashed once)
    seq: 0,                 // the project cursor: resumes the feed
    truncated: false,
    feed: null,             // the AbortController of the running feed
    tab: "instances",
    server: null,
    refresh: 0,
    confirm: null,          // {id, what}: the action that waits for its second click
    confirmTimer: 0,
    pending: new Set(),     // "id:action" of the actions in flight
    feedKey: "",            // the filters the running feed follows
  };

  // ---- small helpers ---------------------------------------------------------------------------
  const pad = (n) => String(n).padStart(2, "0");
  const toDate = (s) => (s ? new Date(s) : null);
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
  const statusOf = (inst) => (inst.status || "").replace("INSTANCE_STATUS_", "") || "UNSPECIFIED";
  function badgeOf(inst) {
    const s = statusOf(inst);
    if (s !== "TERMINATED") return [s[0] + s.slice(1).toLowerCase(), s];
    return inst.successful ? ["Succeeded", "TERMINATED-ok"] : ["Failed", "TERMINATED-bad"];
  }
  function toast(text, kind) {
    const t = $("toast");
    t.textContent = text; t.dataset.kind = kind || ""; t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }
  function banner(text) { $("banner").hidden = !text; $("banner").textContent = text || ""; }
  function conn(s) { const c = $("connection"); c.dataset.state = s; c.textContent = s; }

  // ---- the token and the API -------------------------------------------------------------------
  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
  function headers(extra) {
    const h = { ...extra };
    if (token()) h.Authorization = `Bearer ${token()}`;
    return h;
  }
  async function api(path, options = {}) {
    const response = await fetch(path, { ...options, headers: headers(options.headers), cache: "no-store", credentials: "omit" });
    let body = {};
    try { body = await response.json(); } catch { body = {}; }
    if (response.status === 401) { askForToken(body.error); }
    if (!response.ok) {
      const error = new Error(body.error || `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }
  function askForToken(why) {
    $("signin").hidden = false;
    $("signin-error").textContent = token() && why ? why : "";
    $("token").focus();
  }
  async function loadSession() {
    try {
      state.session = await api("/console/api/session");
    } catch (error) {
      state.session = null;
      if (error.status !== 401) banner(`The server did not answer: ${error.message}`);
      renderWho();
      return false;
    }
    $("signin").hidden = true;
    renderWho();
    return true;
  }
  function renderWho() {
    const s = state.session;
    $("principal").textContent = s ? (s.auth ? s.principal : `${s.principal} (authentication off)`) : "";
    $("sign-in").hidden = !!(s && (token() || !s.auth));
    $("sign-out").hidden = !token();
  }
  const canWrite = (project) => !!state.session && (state.session.write.includes("*") || state.session.write.includes(project));

  // ---- where we are: project and filters live in the address's fragment (no secrets there) --------
  const FILTERS = ["search", "status", "success", "type", "label", "owner", "from", "to"];
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    $("project").value = h.get("project") || $("project").value || "default";
    for (const f of FILTERS) $(`f-${f}`).value = h.get(f) || "";
  }
  function writeHash() {
    const h = new URLSearchParams({ project: project() });
    for (const f of FILTERS) if ($(`f-${f}`).value) h.set(f, $(`f-${f}`).value);
    history.replaceState(null, "", `#${h}`);
  }
  const project = () => $("project").value.trim();
  function feedParams() {
    const p = new URLSearchParams({ project: project(), limit: String(MAX_ROWS) });
    if ($("f-status").value) p.append("status", $("f-status").value);
    if ($("f-type").value.trim()) p.append("type", $("f-type").value.trim());
    if ($("f-label").value.trim()) p.append("label", $("f-label").value.trim());
    if ($("f-owner").value.trim()) p.set("owner", $("f-owner").value.trim());
    const from = $("f-from").value, to = $("f-to").value;
    if (from) p.set("from", new Date(from).toISOString());
    if (to) p.set("to", new Date(to).toISOString());
    return p;
  }

  // ---- the live feed: a snapshot, then each change; resumes after the last seq -------------------
  // A filter that changed restarts the feed from a new snapshot; the same filters again (a second
  // change event as a field loses focus) change nothing.
  function refilter() {
    if (feedParams().toString() !== state.feedKey) restart();
  }
  function restart() {
    state.feedKey = feedParams().toString();
    if (state.feed) state.feed.abort();
    state.instances = new Map();
    state.fresh = new Set();
    rowCache.clear();
    state.seq = 0;
    state.truncated = false;
    render();
    if (!project() || !$("project").checkValidity()) { conn("idle"); return; }
    writeHash();
    follow(new AbortController());
  }
  async function follow(controller) {
    state.feed = controller;
    let failures = 0;
    while (!controller.signal.aborted) {
      const params = feedParams();
      if (state.seq) params.set("after", String(state.seq));
      let pages = [];
      try {
        const response = await fetch(`/console/api/watch?${params}`, { headers: headers(), signal: controller.signal, cache: "no-store", credentials: "omit" });
        if (!response.ok) {
          let body = {};
          try { body = await response.json(); } catch { body = {}; }
          if (response.status === 401) { askForToken(body.error); conn("idle"); return; }
          if (response.status < 500) { conn("error"); banner(body.error || `${response.status}`); return; }
          throw new Error(body.error || response.statusText);
        }
        banner("");
        conn("live");
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            pages = receive(frame, pages);
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
      }
      if (controller.signal.aborted) return;
      conn("reconnecting");
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** failures)));
    }
  }
  // One server-sent event: snapshot pages gather until the last; changes apply to the list.
  function receive(frame, pages) {
    let kind = "message", data = "";
    for (const line of frame.split("\n")) {
      if (line.startsWith("event: ")) kind = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (!data) return pages;
    const body = JSON.parse(data);
    if (kind === "snapshot") {
      pages = pages.concat(body.instances || []);
      if (!body.last) return pages;
      state.instances = new Map(pages.map((s) => [s.instance.id, s]));
      state.truncated = !!body.truncated;
      state.seq = Number(body.seq || 0);
      schedule();
      return [];
    }
    if (kind === "event") {
      state.seq = Number(body.seq);
      const summary = body.instance;
      if (body.instanceDeleted) state.instances.delete(summary.instance.id);
      else { state.instances.set(summary.instance.id, summary); state.fresh.add(summary.instance.id); }
      schedule();
    } else if (kind === "heartbeat") {
      state.seq = Math.max(state.seq, Number(body.seq));
    } else if (kind === "end") {
      state.seq = Math.max(state.seq, Number(body.seq));
    }
    document.body.dataset.seq = String(state.seq);
    return pages;
  }

  // ---- the instance list ------------------------------------------------------------------------
  let dirty = false;
  function schedule() {
    if (dirty) return;
    dirty = true;
    requestAnimationFrame(() => { dirty = false; render(); });
  }
  function shown() {
    const search = $("f-search").value.trim().toLowerCase();
    const success = $("f-success").value;
    const list = [];
    for (const summary of state.instances.values()) {
      const inst = summary.instance;
      if (search && !inst.id.toLowerCase().includes(search) && !(inst.name || "").toLowerCase().includes(search)) continue;
      if (success && (statusOf(inst) !== "TERMINATED" || !!inst.successful !== (success === "yes"))) continue;
      list.push(summary);
    }
    return list.sort((a, b) => (a.instance.id < b.instance.id ? 1 : -1));
  }
  const rowCache = new Map();   // id -> {summary, key, tr}: a row is rebuilt only when it changed
  function render() {
    const list = shown();
    const counts = {};
    for (const s of state.instances.values()) { const [label] = badgeOf(s.instance); counts[label] = (counts[label] || 0) + 1; }
    $("counts").replaceChildren(...Object.entries(counts).map(([label, n]) => { const d = el("span", "", `${label} `); d.append(el("b", "", String(n))); return d; }));
    $("n-instances").textContent = String(state.instances.size);
    const rows = list.slice(0, MAX_ROWS).map((summary) => {
      const id = summary.instance.id;
      const key = rowKey(summary);
      const cached = rowCache.get(id);
      if (cached && cached.summary === summary && cached.key === key) return cached.tr;
      const tr = row(summary);
      rowCache.set(id, { summary, key, tr });
      return tr;
    });
    for (const id of rowCache.keys()) if (!state.instances.has(id)) rowCache.delete(id);
    const body = $("rows");
    if (rows.length !== body.children.length || rows.some((tr, i) => body.children[i] !== tr)) body.replaceChildren(...rows);
    $("empty").hidden = list.length > 0;
    const more = list.length > MAX_ROWS ? `${list.length - MAX_ROWS} more match; narrow the filters to see them. ` : "";
    $("truncated").hidden = !more && !state.truncated;
    $("truncated").textContent = `${more}${state.truncated ? "Older instances are not shown: the list starts from the newest ones." : ""}`;
    state.fresh.clear();
    document.body.dataset.seq = String(state.seq);
  }
  // What else a row shows besides its instance: a pending or confirming action, and whether it may act.
  function rowKey(summary) {
    const id = summary.instance.id;
    const c = state.confirm && state.confirm.id === id ? state.confirm.what : "";
    return `${c}|${[...state.pending].filter((p) => p.startsWith(`${id}:`)).join(",")}|${canWrite(summary.instance.project || project())}`;
  }
  // Running durations move on each second: only their cells are written.
  function tick() {
    for (const { tr, summary } of rowCache.values()) {
      const inst = summary.instance;
      if (tr.isConnected && !inst.endTime && inst.startTime) tr.querySelector("td.duration").textContent = fmtDuration(toDate(inst.startTime), null);
    }
  }
  function cell(label, cls) { const td = el("td", cls); td.dataset.label = label; return td; }
  function row(summary) {
    const inst = summary.instance;
    const tr = el("tr", state.fresh.has(inst.id) ? "fresh" : "");
    tr.dataset.id = inst.id;
    tr.dataset.status = statusOf(inst);
    const id = cell("Instance", "id");
    const open = el("button", "link", inst.id);
    open.type = "button"; open.dataset.do = "logview"; open.title = "Open its Logview";
    id.append(open);
    if (inst.parentInstance) id.append(el("small", "", `sub-instance of ${inst.parentInstance.split("/").pop()}`));
    const [text, key] = badgeOf(inst);
    const status = cell("Status");
    const badge = el("span", "badge", text); badge.dataset.status = key; status.append(badge);
    const types = cell("Tasks");
    const chipsT = el("div", "chips");
    for (const t of summary.taskTypes || []) chipsT.append(el("span", "", t));
    if ((summary.taskCount || 0) > 1) chipsT.append(el("span", "", `×${summary.taskCount}`));
    types.append(chipsT);
    const labels = cell("Labels");
    const chipsL = el("div", "chips");
    for (const [k, v] of Object.entries(inst.labels || {})) chipsL.append(el("span", "", `${k}=${v}`));
    labels.append(chipsL);
    const created = cell("Created", "num"); created.textContent = fmtTime(toDate(inst.createTime));
    const duration = cell("Duration", "num duration"); duration.textContent = fmtDuration(toDate(inst.startTime), toDate(inst.endTime));
    const owner = cell("Owner", "owner"); owner.textContent = inst.owner || "—";
    const acts = cell("Actions", "acts");
    const s = statusOf(inst);
    const writable = canWrite(inst.project || project());
    const actions = s === "RUNNING" ? ["suspend", "stop"] : s === "SUSPENDED" ? ["resume", "stop"] : s === "TERMINATED" ? ["rerun"] : [];
    for (const a of actions) {
      const confirming = state.confirm && state.confirm.id === inst.id && state.confirm.what === a;
      const b = el("button", `act${confirming ? " confirm" : ""}`, confirming ? `Confirm ${a}` : a[0].toUpperCase() + a.slice(1));
      b.type = "button"; b.dataset.do = a;
      b.disabled = !writable || state.pending.has(`${inst.id}:${a}`);
      if (!writable) b.title = "Your token may not change this project";
      acts.append(b);
    }
    tr.append(id, status, owner, types, labels, created, duration, acts);
    return tr;
  }

  // ---- actions ----------------------------------------------------------------------------------
  const CONFIRM = new Set(["stop", "rerun"]);   // these ask for a second click
  $("rows").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-do]");
    if (!button || button.disabled) return;
    const id = button.closest("tr").dataset.id;
    const what = button.dataset.do;
    if (what === "logview") { openLogview(id); return; }
    const confirmed = state.confirm && state.confirm.id === id && state.confirm.what === what;
    if (CONFIRM.has(what) && !confirmed) {
      state.confirm = { id, what };
      clearTimeout(state.confirmTimer);
      state.confirmTimer = setTimeout(() => { state.confirm = null; render(); }, 5000);
      render();
      return;
    }
    state.confirm = null;
    state.pending.add(`${id}:${what}`);
    render();
    try {
      const q = new URLSearchParams({ project: project(), id, do: what });
      const answer = await api(`/console/api/action?${q}`, { method: "POST", headers: { "X-Taskstream-Console": "1" } });
      toast(what === "rerun" ? `Rerun of ${id}: ${answer.instance.id}` : `${what[0].toUpperCase() + what.slice(1)} ${id}: done`);
    } catch (error) {
      toast(`${what} ${id}: ${error.message}`, "error");
    } finally {
      state.pending.delete(`${id}:${what}`);
      render();
    }
  });
  // The address carries a token for that one instance: it opens in a tab of its own that gets no
  // handle on this page (noopener) and no Referer (noreferrer). The click's user activation outlasts
  // the short request for the address.
  async function openLogview(id) {
    try {
      const q = new URLSearchParams({ project: project(), id });
      const answer = await api(`/console/api/logview?${q}`);
      window.open(answer.url, "_blank", "noopener,noreferrer");
    } catch (error) {
      toast(`Logview of ${id}: ${error.message}`, "error");
    }
  }

  // ---- workers and queues -----------------------------------------------------------------------
  async function refreshServer() {
    clearTimeout(state.refresh);
    if (state.tab === "instances") return;
    try {
      state.server = await api("/console/api/server");
      banner("");
      renderServer();
    } catch (error) {
      if (error.status === 403) banner(`${error.message}.`);
      else if (error.status !== 401) banner(`The server did not answer: ${error.message}`);
    }
    if (state.tab !== "instances") state.refresh = setTimeout(refreshServer, REFRESH_MS);
  }
  function renderServer() {
    const s = state.server;
    if (!s) return;
    const box = (label, value) => { const d = el("div", "", label); d.prepend(el("b", "", String(value))); return d; };
    const instances = Object.entries(s.instances || {}).map(([k, v]) => box(`${k.toLowerCase()} instances`, v));
    const busy = s.workers.reduce((a, w) => a + w.busy, 0), slots = s.workers.reduce((a, w) => a + w.slots, 0);
    $("server-counts").replaceChildren(box("workers", s.workers.length), box("slots busy", `${busy}/${slots}`), box("queued tasks", s.queue_depth), ...instances,
      ...(s.draining ? [box("the server is draining", "!")] : []));
    $("n-workers").textContent = String(s.workers.length);
    const queued = s.queues.reduce((a, q) => a + q.queued, 0);
    $("n-queued").textContent = queued ? String(queued) : "";
    $("workers").replaceChildren(...s.workers.map(workerCard));
    $("no-workers").hidden = s.workers.length > 0;
    $("queues").replaceChildren(...s.queues.map(queueCard));
    $("no-queues").hidden = s.queues.length > 0;
  }
  function taskItem(t, when) {
    const li = el("li");
    const name = el("span", "name", `${t.instance_id} › ${t.task}`);
    name.title = `${t.project}/${t.instance_id} ${t.task}`;
    li.append(name, el("span", "when", when));
    const why = [t.position ? `#${t.position} in the queue` : "", (t.waiting_reason || "").toLowerCase().replaceAll("_", " ")];
    if (why.some(Boolean)) name.append(el("span", "reason", why.filter(Boolean).join(" · ")));
    const needs = Object.entries(t.required_labels || {}).map(([k, v]) => `${k}=${v}`);
    if (needs.length) name.append(el("span", "needs", `needs a worker with ${needs.join(", ")}`));
    return li;
  }
  function workerCard(w) {
    const card = el("article", "card worker");
    card.dataset.worker = w.name;
    const h = el("h3", "", w.name); h.append(el("small", "", w.id)); card.append(h);
    const slots = el("div", "slots");
    for (let i = 0; i < w.slots; i++) slots.append(el("i", i < w.busy ? "busy" : ""));
    slots.title = `${w.busy} of ${w.slots} slots busy`;
    card.append(slots, el("div", "meta", `${w.busy}/${w.slots} slots busy${w.waiting ? ` · ${w.waiting} waiting for a slot` : ""}`));
    const labels = el("div", "chips"); for (const [k, v] of Object.entries(w.labels)) labels.append(el("span", "", `${k}=${v}`));
    if (labels.childElementCount) card.append(labels);
    card.append(el("div", "meta", `runs: ${w.task_types.join(", ") || "—"}`));
    const list = el("ul", "list");
    for (const t of w.tasks) list.append(taskItem(t, `${t.status.toLowerCase()} · ${fmtDuration(toDate(t.since), null)}`));
    if (w.hidden_tasks) list.append(el("li", "meta", `${w.hidden_tasks} task(s) of projects you may not read`));
    if (list.childElementCount) card.append(list);
    return card;
  }
  function queueCard(q) {
    const card = el("article", "card queue");
    card.dataset.type = q.type;
    const h = el("h3", "", q.type); card.append(h, el("div", "big", String(q.queued)), el("div", "meta", "tasks waiting for a worker"));
    const list = el("ul", "list");
    for (const t of q.tasks) list.append(taskItem(t, `waiting ${fmtDuration(toDate(t.since), null)}`));
    if (q.hidden) list.append(el("li", "meta", `${q.hidden} of projects you may not read`));
    if (list.childElementCount) card.append(list);
    return card;
  }

  // ---- tabs, forms, start -----------------------------------------------------------------------
  function select(tab) {
    state.tab = tab;
    for (const name of ["instances", "workers", "queues"]) {
      $(`tab-${name}`).setAttribute("aria-selected", String(name === tab));
      $(`view-${name}`).hidden = name !== tab;
    }
    refreshServer();
  }
  for (const name of ["instances", "workers", "queues"]) $(`tab-${name}`).addEventListener("click", () => select(name));
  $("project-form").addEventListener("submit", (e) => { e.preventDefault(); restart(); });
  $("project").addEventListener("change", refilter);
  for (const id of ["f-status", "f-type", "f-label", "f-owner", "f-from", "f-to"]) $(id).addEventListener("change", refilter);
  for (const id of ["f-search", "f-success"]) $(id).addEventListener("input", () => { writeHash(); render(); });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("f-clear").addEventListener("click", () => { for (const f of FILTERS) $(`f-${f}`).value = ""; restart(); });
  $("sign-in").addEventListener("click", () => askForToken(""));
  $("signin-cancel").addEventListener("click", () => { $("signin").hidden = true; });
  $("sign-out").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
  $("token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    if (await loadSession()) { restart(); refreshServer(); }
    else $("signin-error").textContent = "The server does not accept this token.";
  });
  setInterval(tick, 1000);

  readHash();
  loadSession().then((ok) => { if (ok) restart(); });
})();
