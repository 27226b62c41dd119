// posturelab dashboard: talks to the HTTP API of the same server; no external scripts.
// The lever controls are generated from the scenario's lever definitions (kind, default, domain).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { ref: null, detail: null, job: null, series: null, editorText: "", restoring: false };

async function api(path, options) {
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(typeof body === "object" ? messageOf(body) : String(body));
    error.body = body;
    throw error;
  }
  return body;
}

function messageOf(body) {
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  return JSON.stringify(body);
}

const post = (path, payload) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function setStatus(text, done, total) {
  $("status-text").textContent = text;
  $("progress").max = total || 1;
  $("progress").value = done || 0;
}

function showProblems(target, problems) {
  const list = $(target);
  list.replaceChildren();
  for (const p of problems || []) {
    const where = [p.file, p.line, p.column].filter((v) => v !== null && v !== undefined).join(":");
    list.append(el("li", {}, `${where}: ${p.path ? p.path + ": " : ""}${p.message}`));
  }
}

// ------------------------------------------------------------------ lever controls from definitions
function leverControl(lever, prefix) {
  const id = `${prefix}-${lever.id}`;
  const box = el("div", { class: "control", "data-lever": lever.id, "data-kind": lever.kind });
  if (lever.kind === "number") {
    const step = lever.max - lever.min > 100 ? "1" : String((lever.max - lever.min) / 200 || 0.01);
    const range = el("input", { type: "range", min: lever.min, max: lever.max, step, id });
    const number = el("input", { type: "number", min: lever.min, max: lever.max, step: "any" });
    range.value = number.value = lever.default;
    range.addEventListener("input", () => { number.value = range.value; markChanged(box, lever); });
    number.addEventListener("input", () => { range.value = number.value; markChanged(box, lever); });
    box.append(range, number, el("span", { class: "note" }, lever.unit || ""));
  } else if (lever.kind === "bool") {
    const check = el("input", { type: "checkbox", id });
    check.checked = Boolean(lever.default);
    check.addEventListener("change", () => markChanged(box, lever));
    box.append(check);
  } else {
    const never = lever.default === "never";
    const month = el("input", { type: "month", id, min: lever.min_month || "", max: lever.max_month || "" });
    month.value = never ? (lever.min_month || "") : lever.default;
    month.addEventListener("input", () => markChanged(box, lever));
    box.append(month);
    if (lever.kind === "month_or_never") {
      const check = el("input", { type: "checkbox", class: "never" });
      check.checked = never;
      month.disabled = never;
      check.addEventListener("change", () => { month.disabled = check.checked; markChanged(box, lever); });
      box.append(el("label", {}, check, " never"));
    }
  }
  return [PostureLevers.label(lever, id), box];
}

function controlValue(box) {
  const kind = box.dataset.kind;
  if (kind === "number") return Number(box.querySelector("input[type=number]").value);
  if (kind === "bool") return box.querySelector("input").checked;
  const never = box.querySelector("input.never");
  if (never && never.checked) return "never";
  return box.querySelector("input[type=month]").value;
}

function markChanged(box, lever) {
  const label = box.previousSibling;
  label.classList.toggle("changed", controlValue(box) !== lever.default);
}

function renderLevers(target, levers, prefix) {
  const grid = $(target);
  grid.replaceChildren();
  for (const lever of levers) grid.append(...leverControl(lever, prefix));
}

// Set the controls to the defaults, then to a named variant's values.
function applyVariant(target, variantId) {
  const variant = state.detail.variants.find((v) => v.id === variantId);
  for (const lever of state.detail.levers) {
    const box = $(target).querySelector(`[data-lever="${lever.id}"]`);
    const value = variant && lever.id in variant.set ? variant.set[lever.id] : lever.default;
    PostureLevers.setValue(box, lever.kind, value);
    markChanged(box, lever);
  }
}

function renderVariants(select, target) {
  const options = [el("option", { value: "" }, "defaults")];
  for (const v of state.detail.variants) options.push(el("option", { value: v.id, title: v.description }, v.id));
  select.replaceChildren(...options);
  select.onchange = () => applyVariant(target, select.value);
}

function leverValues(target) {
  const out = {};
  for (const box of $(target).querySelectorAll(".control")) out[box.dataset.lever] = controlValue(box);
  return out;
}

// ------------------------------------------------------------------------------ scenarios
async function loadScenarios() {
  const list = await api("/api/scenarios");
  const select = $("scenario");
  select.replaceChildren(...list.map((s) => el("option", { value: s.id }, s.id)));
  select.append(el("option", { value: "__upload__", disabled: true }, "(uploaded text)"));
  select.addEventListener("change", () => selectBuiltin(select.value).catch(fail));
  // A shared address names the scenario and its levers; otherwise the first scenario, defaults.
  const shared = PostureLevers.shared();
  const named = shared.get("scenario");
  const first = list.some((s) => s.id === named) ? named : list.length ? list[0].id : null;
  if (!first) return;
  select.value = first;
  await selectBuiltin(first);
  if (named === first) {
    const ignored = PostureLevers.restore(state.detail, shared);
    if (ignored.length) setStatus(`ready; the address's ${ignored.join(", ")} is not a lever of ${first} (left at the default)`);
  }
  PostureLevers.write(state.detail, state.ref);
}

async function selectBuiltin(id) {
  const detail = await api(`/api/scenarios/${encodeURIComponent(id)}`);
  useScenario({ scenario: id }, detail);
  $("editor").value = await api(`/api/scenarios/${encodeURIComponent(id)}/text`);
  updateGutter([]);
  PostureLevers.write(detail, state.ref);
}

function useScenario(ref, detail) {
  state.ref = ref;
  state.detail = detail;
  $("scenario-title").textContent = `${detail.title} (${detail.start} to ${detail.end})`;
  renderLevers("levers-a", detail.levers, "a");
  renderLevers("levers-b", detail.levers, "b");
  renderVariants($("variant-a"), "levers-a");
  renderVariants($("variant-b"), "levers-b");
  $("claims").disabled = detail.claims.length === 0;
  $("campaign").disabled = !detail.campaign;
  for (const id of ["summary", "series-picker", "charts", "claims-out", "audit-out", "campaign-out", "bloc-out"]) $(id).replaceChildren();
  if (window.PostureTargets) PostureTargets.scenarioChanged(detail);
  setStatus("ready");
  PostureMap.showScenario(ref).catch(fail);
}

// ------------------------------------------------------------------------------ editor
function updateGutter(problems) {
  const bad = new Set(problems.map((p) => p.line).filter((l) => l));
  const lines = $("editor").value.split("\n").length;
  const gutter = $("gutter");
  gutter.replaceChildren();
  for (let i = 1; i <= lines; i++) {
    const span = el("span", bad.has(i) ? { class: "bad", title: "problem on this line" } : {}, String(i));
    gutter.append(span, "\n");
  }
  gutter.scrollTop = $("editor").scrollTop;
}

function goToLine(line) {
  const editor = $("editor");
  const lines = editor.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  editor.focus();
  editor.setSelectionRange(start, start + (lines[line - 1] || "").length);
  editor.scrollTop = Math.max(0, (line - 5) * 16);
}

async function validateText() {
  const text = $("editor").value;
  $("validate-status").textContent = "validating…";
  const result = await post("/api/validate", { text });
  showProblems("problems", result.problems);
  for (const [i, item] of [...$("problems").children].entries()) {
    const line = result.problems[i].line;
    if (line) item.addEventListener("click", () => goToLine(line));
  }
  updateGutter(result.problems);
  $("use-text").disabled = !result.valid;
  $("validate-status").textContent = result.valid
    ? `valid: ${result.scenario.id}, ${result.scenario.levers.length} levers`
    : `${result.problems.length} problem(s)`;
  state.validated = result.valid ? { text, detail: result.scenario } : null;
}

function setupEditor() {
  $("toggle-editor").addEventListener("click", () => { $("editor-panel").hidden = !$("editor-panel").hidden; });
  $("editor").addEventListener("input", () => { updateGutter([]); $("use-text").disabled = true; });
  $("editor").addEventListener("scroll", () => { $("gutter").scrollTop = $("editor").scrollTop; });
  $("validate").addEventListener("click", () => validateText().catch(fail));
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (!file) return;
    $("editor").value = await file.text();
    await validateText();
  });
  $("use-text").addEventListener("click", () => {
    if (!state.validated) return;
    $("scenario").value = "__upload__";
    useScenario({ text: state.validated.text }, state.validated.detail);
    setStatus(`using the uploaded scenario ${state.validated.detail.id}`);
  });
}

// ------------------------------------------------------------------------------ jobs
function fail(error) {
  setStatus(`error: ${error.message}`);
  showProblems("request-problems", (error.body && error.body.problems) || []);
}

async function startJob(kind) {
  showProblems("request-problems", []);
  $("report-link").hidden = true;
  const payload = Object.assign({}, state.ref, {
    kind,
    members: Number($("members").value),
    seed: Number($("seed").value),
    levers: leverValues("levers-a"),
  });
  if (kind === "compare") payload.levers_b = leverValues("levers-b");
  if (window.PostureTargets) Object.assign(payload, PostureTargets.jobFields());
  if (kind === "claims" && window.PostureAudit) Object.assign(payload, PostureAudit.jobFields());
  setStatus(`${kind}: queued`, 0, 1);
  const job = await post("/api/jobs", payload);
  state.job = job.id;
  $("cancel").hidden = false;
  $("cancel").disabled = false;
  let status = job;
  try {
    while (status.status === "queued" || status.status === "running") {
      await new Promise((r) => setTimeout(r, 300));
      if (state.job !== job.id) return;
      status = await api(`/api/jobs/${job.id}`);
      const stopping = status.cancel_requested && status.status !== "cancelled" ? ", stopping" : "";
      setStatus(`${kind}: ${status.status}${stopping} (${status.progress.done} of ${status.progress.total})`, status.progress.done, status.progress.total);
    }
  } finally {
    if (state.job === job.id) $("cancel").hidden = true;
  }
  if (status.status === "cancelled") {
    setStatus(`${kind}: cancelled after ${status.progress.done} of ${status.progress.total}`, status.progress.done, status.progress.total);
    return;
  }
  if (status.status === "failed") {
    setStatus(`${kind} failed: ${status.error}`);
    showProblems("request-problems", status.problems.filter((p) => p.message));
    return;
  }
  setStatus(`${kind}: done in ${status.elapsed_s} s (result ${status.run_id})`, 1, 1);
  $("report-link").href = `/api/runs/${encodeURIComponent(status.run_id)}/report`;
  $("report-link").hidden = false;
  showCatalogue().catch(fail);
  const summary = await api(`/api/jobs/${job.id}/summary`);
  if (kind === "claims") {
    showClaims(summary);
    if (window.PostureAudit) await PostureAudit.show(job.id);
    return;
  }
  state.series = await api(`/api/jobs/${job.id}/series`);
  if (kind === "run") showRunSummary(summary);
  else showEffects(summary);
  showSeriesPicker();
  const figures = await api(`/api/jobs/${job.id}/figures`);
  const bloc = figures.find((f) => f.startsWith("bloc_diagram") && f.endsWith(".svg"));
  $("bloc-out").replaceChildren();
  if (bloc) {
    $("bloc-out").append(el("h2", {}, "Bloc diagram"), el("img", { src: `/api/jobs/${job.id}/figures/${bloc}`, alt: "bloc diagram" }));
  }
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(2)}%`);

function showRunSummary(summary) {
  const rows = Object.entries(summary.indicators).map(([name, s]) => {
    const kind = summary.kinds[name];
    const f = kind === "probability" ? pct : PostureCharts.fmt;
    const about = state.detail.indicator_details[name] || {};
    return el("tr", {}, el("td", { title: about.description || "" }, name), el("td", { class: "note" }, about.description || ""), el("td", {}, about.unit || ""), el("td", {}, kind), el("td", { class: "n" }, f(s.p05)), el("td", { class: "n" }, f(s.p50)), el("td", { class: "n" }, f(s.p95)));
  });
  $("summary").replaceChildren(
    el("h2", {}, `Summary: ${summary.members} members, seed ${summary.seed}`),
    el("table", { id: "summary-table" }, el("tr", {}, ...["indicator", "description", "unit", "kind", "5%", "median", "95%"].map((h) => el("th", {}, h))), ...rows),
  );
}

function showEffects(summary) {
  const effects = Object.entries(summary.effects);
  const finite = effects.flatMap(([, e]) => [e.p05, e.p95]).filter((v) => v !== null);
  const rows = effects.map(([name, e]) => {
    const lo = Math.min(0, e.p05 ?? 0);
    const hi = Math.max(0, e.p95 ?? 0);
    const strip = el("td", {});
    strip.append(PostureCharts.intervalStrip(e.p05, e.p50, e.p95, lo - 1e-12, hi + 1e-12));
    const about = state.detail.indicator_details[name];
    return el("tr", {}, el("td", { title: about ? `${about.description} (${about.unit})` : "" }, name), el("td", {}, e.basis), el("td", { class: "n" }, PostureCharts.fmt(e.p05)), el("td", { class: "n" }, PostureCharts.fmt(e.p50)), el("td", { class: "n" }, PostureCharts.fmt(e.p95)), el("td", { class: "n" }, pct(e.share_positive)), el("td", { class: "n" }, pct(e.share_negative)), strip);
  });
  const changes = Object.entries(summary.levers).map(([k, v]) => `${k}: ${v.a} vs ${v.b}`).join("; ");
  $("summary").replaceChildren(
    el("h2", {}, `Paired comparison A − B on ${summary.members} members`),
    el("p", { class: "note" }, `levers A vs B: ${changes || "identical"}${finite.length ? "" : " (no effect)"}`),
    el("table", { id: "effects-table" }, el("tr", {}, ...["indicator", "basis", "5%", "median", "95%", "A>B", "A<B", "interval"].map((h) => el("th", {}, h))), ...rows),
  );
}

function showClaims(summary) {
  const claims = summary.claims;
  const rows = claims.map((c) => {
    const lo = Math.min(0, c.effect_p05 ?? 0);
    const hi = Math.max(0, c.effect_p95 ?? 0);
    const strip = el("td", {});
    strip.append(PostureCharts.intervalStrip(c.effect_p05, c.effect_p50, c.effect_p95, lo - 1e-12, hi + 1e-12));
    return el("tr", {}, el("td", { title: c.statement }, c.id), el("td", {}, c.indicator), el("td", {}, c.direction), el("td", { class: "n" }, PostureCharts.fmt(c.effect_p05)), el("td", { class: "n" }, PostureCharts.fmt(c.effect_p50)), el("td", { class: "n" }, PostureCharts.fmt(c.effect_p95)), strip, el("td", { class: "n" }, pct(c.share_holds)), el("td", { class: `verdict-${c.verdict}` }, c.verdict), el("td", { class: "note" }, c.reason));
  });
  $("claims-out").replaceChildren(
    el("h2", {}, `Claims: ${claims.length} on ${summary.members} paired members (effect = treatment − base)`),
    el("table", { id: "claims-table" }, el("tr", {}, ...["claim", "indicator", "direction", "5%", "median", "95%", "effect interval", "holds", "verdict", "reason"].map((h) => el("th", {}, h))), ...rows),
  );
}

// ------------------------------------------------------------------------------ fan charts
function showSeriesPicker() {
  const settings = state.series.settings;
  const first = Object.values(settings)[0];
  const names = Object.keys(first.series);
  const preferred = state.detail.indicators.filter((n) => names.includes(n));
  const chosen = new Set((preferred.length ? preferred : names).slice(0, 4));
  const picker = $("series-picker");
  picker.replaceChildren(el("h2", {}, "Indicators over time (median; band holds 90% of members)"));
  for (const name of names) {
    const box = el("input", { type: "checkbox", value: name });
    box.checked = chosen.has(name);
    box.addEventListener("change", drawCharts);
    const about = state.detail.indicator_details[name];
    picker.append(el("label", { title: about ? `${about.description} (${about.unit})` : name }, box, " " + name));
  }
  drawCharts();
}

function drawCharts() {
  const settings = state.series.settings;
  const chosen = [...$("series-picker").querySelectorAll("input:checked")].map((b) => b.value);
  const labels = Object.keys(settings);
  const charts = $("charts");
  charts.replaceChildren();
  for (const name of chosen) {
    const per = labels.map((label) => settings[label].series[name]);
    const months = settings[labels[0]].months;
    const yRange = PostureCharts.extent(per.flatMap((s) => [s.p05, s.p95, s.p50]));
    const xLabel = (i) => months[i].slice(0, 4);
    if (labels.length === 1) {
      charts.append(PostureCharts.lineChart({ title: name, unit: per[0].unit, x: months, xLabel, yRange, className: "fan", layers: [{ label: "median, 5–95%", line: per[0].p50, low: per[0].p05, high: per[0].p95 }] }));
    } else {
      // Side by side: A and B on the same scale, and both together.
      const pair = el("div", { class: "pair" });
      labels.forEach((label, k) => {
        pair.append(PostureCharts.lineChart({ title: `${name}: ${label}`, unit: per[k].unit, x: months, xLabel, yRange, width: 300, className: "fan", layers: [{ label, colour: ["#1f5fa8", "#c0392b"][k], line: per[k].p50, low: per[k].p05, high: per[k].p95 }] }));
      });
      charts.append(pair);
    }
  }
}

// ------------------------------------------------------------------------------ campaign
async function showCampaign() {
  setStatus("campaign: computing");
  const trace = await post("/api/campaign", Object.assign({}, state.ref, { levers: leverValues("levers-a") }));
  const out = $("campaign-out");
  const s = trace.summary;
  out.replaceChildren(
    el("h2", {}, `Campaign trace: ${trace.contest}, theatre as in ${trace.month} (every uncertain number at its median)`),
    el("p", { class: "note" }, `${s.days_run} days; stopped: ${s.stop_reason}; advance ${PostureCharts.fmt(s.final_X_km)} km`),
  );
  const pair = el("div", { class: "pair", id: "campaign-charts" });
  pair.append(
    PostureCharts.lineChart({ title: "Ground strength (tank equivalents)", x: trace.day, layers: [{ label: "attacker", line: trace.A }, { label: "defender", line: trace.D }] }),
    PostureCharts.lineChart({ title: "Advance (km)", x: trace.day, layers: [{ label: "front line", line: trace.X, colour: "#2e8b57" }] }),
  );
  out.append(pair);
  PostureMap.showCampaign(trace);
  setStatus("campaign: done", 1, 1);
}

// ------------------------------------------------------------------------------ catalogue
async function showCatalogue() {
  const runs = await api("/api/runs");
  const rows = runs.slice(0, 20).map((r) => {
    const link = el("a", { href: `/api/runs/${encodeURIComponent(r.id)}/report`, target: "_blank" }, "report");
    return el("tr", {}, el("td", {}, r.id), el("td", {}, r.kind), el("td", {}, r.created || ""), el("td", { class: "n" }, r.members ?? ""), el("td", {}, r.headline || ""), el("td", {}, link));
  });
  $("catalogue").replaceChildren(
    runs.length
      ? el("table", { id: "catalogue-table" }, el("tr", {}, ...["id", "kind", "created", "members", "headline", ""].map((h) => el("th", {}, h))), ...rows)
      : el("p", { class: "note" }, "nothing catalogued yet"),
  );
}

// ------------------------------------------------------------------------------ start
function setup() {
  setupEditor();
  $("compare-mode").addEventListener("change", () => {
    const on = $("compare-mode").checked;
    $("setting-b").hidden = !on;
    $("compare").hidden = !on;
    $("run").hidden = on;
  });
  $("run").addEventListener("click", () => startJob("run").catch(fail));
  $("compare").addEventListener("click", () => startJob("compare").catch(fail));
  $("claims").addEventListener("click", () => startJob("claims").catch(fail));
  $("campaign").addEventListener("click", () => showCampaign().catch(fail));
  $("refresh-runs").addEventListener("click", () => showCatalogue().catch(fail));
  $("cancel").addEventListener("click", () => {
    $("cancel").disabled = true;
    post(`/api/jobs/${state.job}/cancel`, {}).catch(fail);
  });
  // Every change of a lever, a variant, the ensemble or the comparison is kept in the address.
  for (const type of ["input", "change"]) {
    $("controls").addEventListener(type, () => { if (state.detail) PostureLevers.write(state.detail, state.ref); });
  }
  loadScenarios().catch(fail);
  showCatalogue().catch(fail);
}

document.addEventListener("DOMContentLoaded", setup);
